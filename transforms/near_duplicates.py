"""Exact and near-duplicate posts: retweets, copy-paste campaigns, spam templates.

Exact: posts whose text is the same once case, links, @handles, punctuation and a leading
"RT @user:" are removed share a `content_hash`.

Near: MinHash over the post's words. Each post gets SIGNATURE_SIZE minimum hashes; two posts'
signatures agree in about the share of words they share (Jaccard similarity). Locality-sensitive
hashing groups candidates: posts that agree on a whole band of BAND_ROWS values land in the same
bucket. A post is a near-duplicate when an earlier post in one of its buckets agrees with it on at
least NEAR_DUPLICATE_AGREEMENT of the signature (Jaccard about 0.85 or more). Only posts that
carry a link are compared this way: near copies that matter are copy-paste campaigns and spam
templates pointing somewhere ("Get 7k REAL followers for $15 https://..."), while two people
writing almost the same short opinion are two voices. Texts under MIN_WORDS words are only
compared exactly: a shared short phrase is not a copy.

Everything is vectorized: shingles are hashed by Polars, minimum hashes are NumPy reductions over
posts' contiguous shingle rows, and buckets are Polars group-bys. Only narrow columns (an ordinal,
the hashes and the signature as 32-bit integers) are kept for a whole day, so a day's duplicate
decisions need about 50 bytes per post whatever the texts' length.
"""

from __future__ import annotations

import numpy as np
import polars as pl

SIGNATURE_SIZE = 8
BAND_ROWS = 2  # four bands of two values: Jaccard 0.8 pairs meet in a bucket 98% of the time
NEAR_DUPLICATE_AGREEMENT = 7  # of SIGNATURE_SIZE values
MIN_WORDS = 8
# Odd 64-bit multipliers and offsets: (a_k * x + b_k) mod 2^64 gives two 32-bit hash values,
# its high and its low half, so SIGNATURE_SIZE values cost SIGNATURE_SIZE / 2 multiplications.
_RNG = np.random.default_rng(20261202)
_MULTIPLIERS = _RNG.integers(1, 2**63, SIGNATURE_SIZE // 2, dtype=np.uint64) * np.uint64(2) + 1
_OFFSETS = _RNG.integers(0, 2**63, SIGNATURE_SIZE // 2, dtype=np.uint64)
_EMPTY = np.iinfo(np.uint32).max


def core_text(text: pl.Expr) -> pl.Expr:
    """The text as compared: lowercase, no retweet prefix, links, handles or punctuation."""
    return (
        text.fill_null("")
        .str.to_lowercase()
        .str.replace(r"^rt @\w+:?\s*", "")
        .str.replace_all(r"https?://\S+", " ")
        .str.replace_all(r"@\w+", " ")
        .str.replace_all(r"[^\w#]+", " ")
        .str.strip_chars()
    )


def signatures(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(content hash per text, MinHash signature per text as uint32 [n x SIGNATURE_SIZE]).

    A text without a link, or with fewer than MIN_WORDS words, gets an all-_EMPTY signature: it
    is only ever matched exactly.
    """
    frame = pl.DataFrame({"text": texts.cast(pl.String)}).select(
        core=core_text(pl.col("text")), linked=pl.col("text").str.contains(r"https?://")
    )
    content = frame["core"].hash(seed=0).to_numpy()
    words = frame.select(
        row=pl.int_range(pl.len(), dtype=pl.UInt32),
        word=pl.col("core").str.split(" "),
        linked="linked",
    )
    words = words.filter(pl.col("linked") & (pl.col("word").list.len() >= MIN_WORDS))
    words = words.select("row", "word").explode("word")
    signature = np.full((len(texts), SIGNATURE_SIZE), _EMPTY, dtype=np.uint32)
    if words.height:
        rows = words["row"].to_numpy()
        base = words["word"].hash(seed=7).to_numpy()
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        first_rows = rows[starts]
        with np.errstate(over="ignore"):
            for k in range(SIGNATURE_SIZE // 2):
                mixed = base * _MULTIPLIERS[k] + _OFFSETS[k]
                high = (mixed >> np.uint64(32)).astype(np.uint32)
                low = mixed.astype(np.uint32)
                signature[first_rows, 2 * k] = np.minimum.reduceat(high, starts)
                signature[first_rows, 2 * k + 1] = np.minimum.reduceat(low, starts)
    return content, signature


def duplicate_kinds(order: np.ndarray, content: np.ndarray, signature: np.ndarray) -> pl.DataFrame:
    """For posts in `order` (earliest first), whether each repeats an earlier one.

    Returns columns `ord`, `exact` (same content hash as an earlier post), `near` (a near copy
    of an earlier post) and `cluster_size` (posts in its largest bucket or exact group: how far a
    text was copied).
    """
    frame = pl.DataFrame({"ord": order, "content": content}).with_columns(
        [pl.Series(f"s{k}", signature[:, k]) for k in range(SIGNATURE_SIZE)]
    )
    exact_group = pl.len().over("content")
    frame = frame.with_columns(
        exact=pl.col("ord") > pl.col("ord").min().over("content"),
        exact_size=exact_group.cast(pl.UInt32),
    )
    near = pl.lit(False)
    sizes = [pl.col("exact_size")]
    has_signature = pl.col("s0") != _EMPTY
    for band in range(SIGNATURE_SIZE // BAND_ROWS):
        columns = [f"s{k}" for k in range(band * BAND_ROWS, (band + 1) * BAND_ROWS)]
        key = pl.struct(columns).hash(seed=band)
        first = pl.col("ord").min().over(key)
        frame = frame.with_columns(
            **{f"_first{band}": pl.when(has_signature).then(first),
               f"_size{band}": pl.when(has_signature).then(pl.len().over(key)).cast(pl.UInt32)}
        )  # fmt: skip
        sizes.append(pl.col(f"_size{band}").fill_null(1))
    # Verify each candidate against its bucket's first post over the whole signature.
    firsts = frame.select("ord", *(pl.col(f"s{k}").alias(f"f{k}") for k in range(SIGNATURE_SIZE)))
    for band in range(SIGNATURE_SIZE // BAND_ROWS):
        joined = frame.select("ord", f"_first{band}", *(f"s{k}" for k in range(SIGNATURE_SIZE)))
        joined = joined.join(
            firsts, left_on=f"_first{band}", right_on="ord", how="left", maintain_order="left"
        )
        agreement = pl.sum_horizontal(
            [(pl.col(f"s{k}") == pl.col(f"f{k}")).cast(pl.UInt8) for k in range(SIGNATURE_SIZE)]
        )
        verified = joined.select(
            (pl.col(f"_first{band}") < pl.col("ord")) & (agreement >= NEAR_DUPLICATE_AGREEMENT)
        ).to_series()
        near = near | pl.lit(verified.fill_null(False))
    return frame.select(
        "ord",
        "exact",
        near=near & ~pl.col("exact"),
        cluster_size=pl.max_horizontal(sizes),
    )
