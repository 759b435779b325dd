"""Clean: one day's raw posts from every source -> normalized, flagged, brand-matched posts.

Every post is kept; a post that must not count as voice carries an `exclusion_reason` (own_post,
spam, duplicate, near_duplicate, no_brand_match; classify adds irrelevant) so the reason survives
into the warehouse. All work is Polars expressions over a batch (no per-post Python, except the
language detector's C calls).

A day is streamed in batches of BATCH_ROWS rows of its raw files, so the texts in memory are one
batch's, not the day's:
1. a first pass reads ids, times and texts and keeps only narrow columns (hashes and MinHash
   signatures, about 100 bytes a post): from them, each post's latest snapshot, the day's time
   order and the day's duplicate, copy-cluster and author-burst facts (`day_plan`);
2. a second pass cleans each batch with those facts and appends it to the day's Parquet files.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

from transforms import near_duplicates, raw_zone, schema, spam, zones
from transforms.brand_query import compile_query, regex_escape
from transforms.config import Brand, Config
from transforms.files import ParquetSink, replace_file_atomic
from transforms.language import UNDETERMINED, detect_languages
from transforms.parallel import ordered_map

HTML_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#x27;": "'"}
URL_PATTERN = r"https?://[^\s<>\"']+"
HASHTAG_PATTERN = r"#\w+"
MENTION_PATTERN = r"@\w+"
EMOJI_PATTERN = r"\p{Extended_Pictographic}|(?:^|\s)[:;=]-?[)(DPp](?:$|\s)"
CASHTAG_PATTERN = r"\$[A-Za-z][A-Za-z.]{0,5}\b"
CLICK_ID_PATTERN = r"[?&](?:fbclid|gclid|gbraid|wbraid|ttclid|msclkid|twclid|li_fat_id)=([^&\s#]+)"

LOWER_TEXT = "_text_lower"
BATCH_ROWS = 100_000  # raw rows per batch; up to parallel.WORKERS batches are in flight


def term_pattern(terms: list[str]) -> str:
    """Case-insensitive whole-word match of any of the terms."""
    alternatives = "|".join(regex_escape(t) for t in sorted(terms, key=len, reverse=True))
    return rf"(?i)(^|[^\w])({alternatives})([^\w]|$)"


def _ascii_word_edges(term: str) -> str:
    """A term between ASCII word boundaries, at each edge that is a word character: after a
    `%` or `)` (an alias like "Nimbus 100%") a boundary would need a word character to follow,
    and the term would never match."""
    start = r"(?-u:\b)" if re.match(r"\w", term[:1], re.ASCII) else ""
    end = r"(?-u:\b)" if re.match(r"\w", term[-1:], re.ASCII) else ""
    return f"{start}{regex_escape(term)}{end}"


def lowercase_term_pattern(terms: list[str]) -> str:
    """Whole-word match of any of the terms in already lowercased text. ASCII terms use ASCII word
    boundaries, which let the regex engine run 4x faster than Unicode-aware ones."""
    lowered = sorted({t.lower() for t in terms}, key=len, reverse=True)
    alternatives = "|".join(regex_escape(t) for t in lowered)
    if not all(t.isascii() for t in lowered):
        return rf"(^|[^\w])(?:{alternatives})([^\w]|$)"
    if all(re.fullmatch(r"\w(.*\w)?", t, re.ASCII | re.DOTALL) for t in lowered):
        return rf"(?-u:\b)(?:{alternatives})(?-u:\b)"  # the usual case: one boundary pair
    return "(?:" + "|".join(_ascii_word_edges(t) for t in lowered) + ")"


def listed(column: str, values: list[str]) -> pl.Expr:
    """Whether a space-separated, lowercase list column holds any of the values."""
    if not values:
        return pl.lit(False)
    alternatives = "|".join(regex_escape(v.lower()) for v in values)
    return pl.col(column).fill_null("").str.contains(rf"(?:^| )(?:{alternatives})(?: |$)")


def normalize_text(text: pl.Expr) -> pl.Expr:
    return (
        text.str.replace_many(list(HTML_ENTITIES), list(HTML_ENTITIES.values()))
        .str.normalize("NFKC")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def join_found(
    text: pl.Expr, pattern: str, lower: bool = False, declared: pl.Expr | None = None
) -> pl.Expr:
    """Space-separated matches in the text, plus those the platform declared (deduplicated).
    The declared values are appended to the text and found by the same pattern, so one
    extraction covers both."""
    if declared is not None:
        text = pl.concat_str([text, declared], separator=" ", ignore_nulls=True)
    if lower:
        text = text.str.to_lowercase()
    return text.str.extract_all(pattern).list.unique(maintain_order=True).list.join(" ")


def utm_param(name: str) -> pl.Expr:
    return pl.col("urls").str.extract(rf"[?&]{name}=([^&\s#]+)", 1)


def emojis(text: pl.Expr) -> pl.Expr:
    """Emoji and classic emoticons, in order (an emoticon must stand alone, not in a URL)."""
    found = text.str.extract_all(EMOJI_PATTERN).list.eval(pl.element().str.strip_chars())
    return found.list.join(" ")


def language_column(raw: pl.DataFrame) -> pl.Series:
    """The platform's language tag (first two letters) when given, else the detected language."""
    tagged = raw["lang"].str.to_lowercase().str.slice(0, 2)
    untagged = tagged.is_null().arg_true()
    if len(untagged):
        detected = detect_languages(raw["text_clean"].gather(untagged))
        tagged = tagged.scatter(untagged, detected)
    return tagged.alias("language")


def brand_handles(brands: list[Brand]) -> dict[str, str]:
    """Lowercase handle -> brand slug, for recognising the brands' own accounts."""
    return {h.lower(): b.slug for b in brands for h in b.handles}


def brand_match(brand: Brand) -> pl.Expr:
    """How a post mentions the brand, strongest first, or null when it does not.

    handle, hashtag: the brand's account or tag. phrase: a multi-word alias ("Nimbus Mobile").
    context: a one-word alias with one of the brand's context terms ("nimbus" + "5G").
    alias: a one-word alias alone, the ambiguous case the relevance classifier decides.
    excluded: an alias with an exclusion term (the word in another sense: "cumulonimbus"); kept
    so the reason survives, never counted. source: the export says the post is about the brand.
    A brand with a boolean `query` is matched by that query alone ('query'), see brand_query.py.
    """
    declared = pl.col("declared_brand") == brand.slug  # the export says so (a vendor query)
    if brand.query is not None:
        return (
            pl.when(compile_query(brand.query))
            .then(pl.lit("query"))
            .when(declared)
            .then(pl.lit("source"))
            .otherwise(None)
            .alias(f"_brand_{brand.slug}")
        )
    by_handle = listed("mentions", brand.handles)
    by_hashtag = listed("hashtags", brand.hashtags)
    lower = pl.col(LOWER_TEXT)  # text_clean, lowercased once per batch

    def mentions_any(terms: list[str]) -> pl.Expr:
        return lower.str.contains(lowercase_term_pattern(terms)) if terms else pl.lit(False)

    by_phrase = mentions_any([a for a in brand.aliases if len(a.split()) > 1])
    by_word = mentions_any([a for a in brand.aliases if len(a.split()) == 1])
    in_context = mentions_any(brand.context)
    excluded = mentions_any(brand.exclude)
    return (
        pl.when(by_handle)
        .then(pl.lit("handle"))
        .when(by_hashtag)
        .then(pl.lit("hashtag"))
        .when((by_phrase | by_word) & excluded)
        .then(pl.lit("excluded"))
        .when(by_phrase)
        .then(pl.lit("phrase"))
        .when(by_word & in_context)
        .then(pl.lit("context"))
        .when(by_word)
        .then(pl.lit("alias"))
        .when(declared)
        .then(pl.lit("source"))
        .otherwise(None)
        .alias(f"_brand_{brand.slug}")
    )


def entity_columns() -> dict[str, pl.Expr]:
    """URLs, hashtags and mentions from the text plus those the platform declared, and the
    lowercased text that brand matching reads."""
    text = pl.col("text_clean")
    return {
        LOWER_TEXT: text.str.to_lowercase(),
        "urls": join_found(text, URL_PATTERN, declared=pl.col("declared_urls")),
        "hashtags": join_found(text, HASHTAG_PATTERN, True, pl.col("declared_hashtags")),
        "mentions": join_found(text, MENTION_PATTERN, True, pl.col("declared_mentions")),
    }


def brand_match_strength(texts: pl.Series, brands: list[Brand]) -> pl.Series:
    """The strongest way each text matches any of the brands (null when none), for texts alone."""
    from transforms.priors import RELEVANCE_BY_MATCH

    frame = pl.DataFrame({"text": texts.cast(pl.String)}).with_columns(
        text_clean=normalize_text(pl.col("text").fill_null("")),
        declared_urls=pl.lit(None, pl.String),
        declared_hashtags=pl.lit(None, pl.String),
        declared_mentions=pl.lit(None, pl.String),
        declared_brand=pl.lit(None, pl.String),
    )
    frame = frame.with_columns(**entity_columns()).select([brand_match(b) for b in brands])
    rank = {way: i for i, way in enumerate(sorted(RELEVANCE_BY_MATCH, key=RELEVANCE_BY_MATCH.get))}
    ranked = frame.select(
        pl.max_horizontal(
            pl.col(c).replace_strict(rank, default=-1, return_dtype=pl.Int32) for c in frame.columns
        )
    ).to_series()
    names = {i: way for way, i in rank.items()}
    return ranked.replace_strict(names, default=None, return_dtype=pl.String)


def day_context(
    content: np.ndarray, signature: np.ndarray, author: pl.Series, is_repost: np.ndarray
) -> pl.DataFrame:
    """Facts about each post that need the whole day (rows in the day's time order): whether it
    copies an earlier post, how far its text was copied, and its author's volume and copy share."""
    kinds = near_duplicates.duplicate_kinds(np.arange(len(content)), content, signature)
    frame = kinds.with_columns(
        content_hash=pl.Series(content).cast(pl.String),
        author_id=author,
        is_repost=pl.Series(is_repost, dtype=pl.Boolean),
    )
    copied = pl.col("exact") | pl.col("near") | pl.col("is_repost")
    return frame.select(
        "content_hash",
        "cluster_size",
        duplicate_kind=pl.when(pl.col("is_repost"))
        .then(pl.lit("repost"))
        .when(pl.col("exact"))
        .then(pl.lit("copy"))
        .when(pl.col("near"))
        .then(pl.lit("near_copy"))
        .otherwise(None),
        author_posts=pl.len().over("author_id").cast(pl.Int64),
        author_copy_share=copied.cast(pl.Float64).mean().over("author_id"),
    )


def text_signatures(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Content hash and MinHash signature of each raw text, HTML entities decoded (Unicode
    normalization is left out: it costs a third of the pass and rarely changes a copy's hash)."""
    decoded = pl.select(
        pl.lit(texts).str.replace_many(list(HTML_ENTITIES), list(HTML_ENTITIES.values()))
    ).to_series()
    return near_duplicates.signatures(decoded)


def clean_batch(
    raw: pl.DataFrame, brands: list[Brand], context: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(clean posts, post x brand matches) for a batch of raw posts in the day's time order;
    `context` holds day_context's rows for exactly these posts."""
    handles = brand_handles(brands)
    frame = (
        pl.concat([raw, context], how="horizontal")
        .with_columns(text_clean=normalize_text(pl.col("text")))
        .pipe(lambda frame: frame.with_columns(language_column(frame)))
        .with_columns(
            **entity_columns(),
            own_brand=pl.coalesce(
                pl.col("author_handle")
                .str.to_lowercase()
                .replace_strict(handles, default=None, return_dtype=pl.String),
                # A source that marks the brand's own posts (an "inbound" column) is believed.
                pl.when(pl.col("declared_own_post")).then(
                    pl.coalesce(pl.col("declared_brand"), pl.lit(brands[0].slug))
                ),
            ),
        )
        .with_columns(
            [brand_match(b) for b in brands],
            utm_source=utm_param("utm_source"),
            utm_medium=utm_param("utm_medium"),
            utm_campaign=utm_param("utm_campaign"),
            utm_content=utm_param("utm_content"),
            click_id=pl.col("urls").str.extract(CLICK_ID_PATTERN, 1),
            emojis=emojis(pl.col("text_clean")),
            cashtags=join_found(pl.col("text_clean"), CASHTAG_PATTERN).str.to_uppercase(),
            is_own_post=pl.col("own_brand").is_not_null(),
            is_duplicate=pl.col("duplicate_kind").is_not_null(),
            is_english=pl.col("language").is_in(["en", UNDETERMINED]),
            **spam.spam_columns(),
        )
        .with_columns(
            is_spam=(pl.col("spam_score") >= spam.SPAM_THRESHOLD) & ~pl.col("is_own_post")
        )
    )
    brand_columns = [f"_brand_{b.slug}" for b in brands]
    any_brand = pl.any_horizontal(
        [pl.col(c).is_not_null() & (pl.col(c) != "excluded") for c in brand_columns]
    )
    frame = frame.with_columns(
        exclusion_reason=pl.when(pl.col("is_own_post"))
        .then(pl.lit("own_post"))
        .when(pl.col("is_spam"))
        .then(pl.lit("spam"))
        .when(pl.col("duplicate_kind") == "near_copy")
        .then(pl.lit("near_duplicate"))
        .when(pl.col("is_duplicate"))
        .then(pl.lit("duplicate"))
        .when(~any_brand)
        .then(pl.lit("no_brand_match"))
        .otherwise(None)
    )
    matches = (
        frame.select("post_id", "day", *brand_columns)
        .unpivot(index=["post_id", "day"], variable_name="brand", value_name="matched_by")
        .drop_nulls("matched_by")
        .with_columns(pl.col("brand").str.strip_prefix("_brand_"))
        .select(list(schema.BRAND_MATCH))
        .sort("post_id", "brand")
        .cast(schema.BRAND_MATCH)
    )
    return frame.select(list(schema.CLEAN_POST)).cast(schema.CLEAN_POST), matches


def clean_posts(raw: pl.DataFrame, brands: list[Brand]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Clean raw posts held in memory, the same way clean_day cleans a day: tests, evaluation."""
    raw = raw.sort("created_at", "post_id")
    plan = day_plan(raw.lazy().with_row_index("row"), raw.height)
    return _clean_with_plan(raw.with_row_index("row"), plan, brands)


def _clean_with_plan(
    raw: pl.DataFrame, plan: pl.DataFrame, brands: list[Brand]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    # Superseded snapshots drop out here; the plan's facts join on `row`.
    joined = raw.join(plan, on="row", how="inner", maintain_order="left")
    context = joined.select(plan.columns[1:])
    return clean_batch(joined.select(list(schema.RAW_POST)), brands, context)


def _scan_raw(files: list[Path]) -> pl.LazyFrame:
    """The day's raw batch files as one lazy table, with `row`: a position that is the same in
    every pass (files in commit order, rows in file order)."""
    return pl.scan_parquet(files, schema=schema.RAW_POST).with_row_index("row")


def _batches(scan: pl.LazyFrame, total: int, columns: list[str], work=None) -> Iterator:
    """Batches of the scan's rows (read and processed by `work` on a few threads, in order)."""

    def read(offset: int):
        batch = scan.slice(offset, BATCH_ROWS).select(columns).collect()
        return batch if work is None else work(batch)

    return ordered_map(read, range(0, total, BATCH_ROWS))


def day_plan(scan: pl.LazyFrame, total: int) -> pl.DataFrame:
    """First pass over the day: which rows are posts' latest snapshots, in what time order, and
    the day facts of each (day_context). Only narrow columns are kept, about 90 bytes a post:
    ids as 64-bit hashes, times, the content hash and the MinHash signature, never the texts."""
    narrow_columns = ["row", "post_id", "created_at", "observed_at", "loaded_at", "author_id",
                      "repost_of_post_id", "text"]  # fmt: skip

    def narrow(batch: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
        keys = batch.select(
            "row", "created_at", "observed_at", "loaded_at",
            post_key=pl.col("post_id").hash(seed=11),
            author_key=pl.col("author_id").hash(seed=12),
            is_repost=pl.col("repost_of_post_id").is_not_null(),
        )  # fmt: skip
        return keys, *text_signatures(batch["text"])

    parts, contents, signatures = [], [], []
    for part, content, signature in _batches(scan, total, narrow_columns, narrow):
        parts.append(part)
        contents.append(content)
        signatures.append(signature)
    keys = pl.concat(parts).with_columns(_position=pl.int_range(pl.len()))
    # The latest snapshot of each post wins (ties: the later load), then the day in time order.
    latest = (
        keys.sort("observed_at", "loaded_at", "row")
        .unique("post_key", keep="last")
        .sort("created_at", "post_key")
    )
    position = latest["_position"].to_numpy()
    context = day_context(
        np.concatenate(contents)[position],
        np.vstack(signatures)[position],
        latest["author_key"],
        latest["is_repost"].to_numpy(),
    )
    return pl.concat([latest.select("row"), context], how="horizontal")


def clean_day(config: Config, day: dt.date) -> dict[str, int]:
    """Clean one day, streamed in batches, into `clean/day=<d>/posts.parquet` and
    `post_brands.parquet` (both replaced atomically when the day is done)."""
    raw_zone.ensure_not_expired(config, [s.name for s in config.sources], day)
    files = [
        b / "posts.parquet"
        for s in config.sources
        for b in raw_zone.admitted_batches(config, s.name, day)
        if (b / "posts.parquet").exists()
    ]
    partition = zones.clean_partition(config, day)
    partition.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {"posts": 0, "brand_matches": 0}
    reasons: dict[str, int] = {}
    with tempfile.TemporaryDirectory(dir=partition, prefix=".cleaning-") as tmp:
        posts_out, matches_out = Path(tmp) / "posts.parquet", Path(tmp) / "post_brands.parquet"
        with (
            ParquetSink(posts_out, schema.CLEAN_POST) as posts_sink,
            ParquetSink(matches_out, schema.BRAND_MATCH) as matches_sink,
        ):
            for posts, matches in _clean_batches(files, config.brands.all):
                posts_sink.write(posts)
                matches_sink.write(matches)
                counts["posts"] += posts.height
                counts["brand_matches"] += matches.height
                for reason, n in posts.group_by("exclusion_reason").len().iter_rows():
                    reasons[reason or "none"] = reasons.get(reason or "none", 0) + n
        replace_file_atomic(posts_out, partition / "posts.parquet")
        replace_file_atomic(matches_out, partition / "post_brands.parquet")
    return {**counts, **{f"excluded_{r}": n for r, n in sorted(reasons.items())}}


def _clean_batches(
    files: list[Path], brands: list[Brand]
) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Second pass: each batch of raw rows cleaned with the day plan's facts."""
    if not files:
        return
    scan = _scan_raw(files)
    total = scan.select(pl.len()).collect().item()
    if total == 0:  # batches whose every row was quarantined, or empty deliveries
        return
    plan = day_plan(scan, total)

    def cleaned(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        return _clean_with_plan(raw, plan, brands)

    yield from _batches(scan, total, ["row", *schema.RAW_POST], cleaned)
