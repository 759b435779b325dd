"""What a classifier sees of a post: hashed word n-grams and lexicon scores.

Tokens are extracted by Polars (one regex pass, exploded into one row per token) and hashed once
to 64-bit integers; everything after that is NumPy over those integers, with no per-post Python
and no string building:

- N-grams: unigrams and bigrams (two tokens' hashes mixed), into 2^20 columns (no vocabulary to
  store or grow). A word in the scope of a negation ("not good") is a different feature from the
  plain word.
- Lexicon: per post, the positive and negative force of its opinion words (transforms/lexicon.py,
  looked up by hash) after negation, boosters ("very") and contrast ("ok but awful"), plus
  punctuation, capitals and a compound score in [-1, 1]. These carry sentiment knowledge to
  posts whose words no training row contained.

Measured on 2 cores: about 250,000 posts/s for both groups (docs/performance.md).
`hash_fingerprint()` pins what the hashing gives for known tokens: a model card stores it, and a
model trained with other hashing or another lexicon is refused instead of reading garbage.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import sparse

from transforms import lexicon

HASH_BITS = 20
HASH_SEED = 1_337
# Words, hashtags (the '#' is dropped), emoji, emoticons, '!' and '?', and the clause breaks that
# end a negation's scope (dropped once negation is marked).
TOKEN_PATTERN = (
    r"[a-z0-9][a-z0-9_]*|\p{Extended_Pictographic}|[:;=8][-o]?[)(\]\[dp/\\|3*]|<3|!|\?|[,.;]"
)
CLAUSE_BREAKS = (",", ".", ";", "!", "?")
DROPPED_BREAKS = (",", ".", ";")
NEGATION_SCOPE = 3  # tokens after a negator that it flips
COMPOUND_ALPHA = 15.0  # compound = s / sqrt(s^2 + alpha), as in VADER
EXCLAMATION_STEP, MAX_EXCLAMATIONS = 0.292, 4
# Mixing constants: a negated word's hash is salted; a bigram mixes its two tokens' hashes.
_NEGATED_SALT = np.uint64(0x9E3779B97F4A7C15)
_BIGRAM_MULTIPLIER = np.uint64(0xBF58476D1CE4E5B9)
_ELONGATED = "|".join(f"{c}{{3}}" for c in "abcdefghijklmnopqrstuvwxyz")

LEXICON_FEATURES = (
    "positive_force", "negative_force", "compound", "positive_words", "negative_words",
    "negated_opinions", "strongest_positive", "strongest_negative", "exclamations",
    "has_question", "shouted_words", "elongated", "log_tokens", "has_link", "has_user",
)  # fmt: skip


@dataclass(frozen=True)
class Features:
    """Features of a batch of texts, one row per text."""

    ngrams: sparse.csr_matrix  # raw counts of hashed n-grams (n x 2^HASH_BITS)
    lexicon: np.ndarray  # dense lexicon scores (n x len(LEXICON_FEATURES))

    @property
    def compound(self) -> np.ndarray:
        return self.lexicon[:, LEXICON_FEATURES.index("compound")]


@dataclass(frozen=True)
class Tokens:
    """A batch's tokens in text order: the text each belongs to, its hash, its negation, and what
    the lexicon knows of it (TOKEN_KINDS flags and valence)."""

    rows: np.ndarray  # uint32, non-decreasing
    hashes: np.ndarray  # uint64
    negated: np.ndarray  # bool
    kinds: dict[str, np.ndarray]  # bool per kind, and "valence" (float)


TOKEN_KINDS = {
    "negator": lexicon.NEGATORS,
    "break": CLAUSE_BREAKS,
    "dropped": DROPPED_BREAKS,
    "booster": lexicon.BOOSTERS,
    "dampener": lexicon.DAMPENERS,
    "contrast": lexicon.CONTRAST_WORDS,
    "exclamation": ("!",),
    "question": ("?",),
}


def model_text(text: pl.Expr) -> pl.Expr:
    """Lowercase; links and user handles become placeholder words; apostrophes and '#' dropped."""
    return (
        text.fill_null("")
        .str.to_lowercase()
        .str.replace_all(r"https?://\S+|www\.\S+", " xurl ")
        .str.replace_all(r"@\w+", " xuser ")
        .str.replace_all(r"[’'`]", "")
        .str.replace_all("#", " ")
    )


def hash_tokens(tokens: pl.Series) -> np.ndarray:
    return tokens.hash(seed=HASH_SEED).to_numpy()


@functools.cache
def _hash_set(words: tuple[str, ...]) -> np.ndarray:
    return np.unique(hash_tokens(pl.Series(list(words), dtype=pl.String)))


def _is_in(hashes: np.ndarray, words: tuple[str, ...]) -> np.ndarray:
    table = _hash_set(words)
    position = np.minimum(np.searchsorted(table, hashes), len(table) - 1)
    return table[position] == hashes


def _shift(values: np.ndarray, k: int, fill: bool | int = False) -> np.ndarray:
    """values[i - k] at position i (fill for the first k)."""
    out = np.empty_like(values)
    out[:k] = fill
    out[k:] = values[:-k]
    return out


def token_kinds(hashes: np.ndarray) -> dict[str, np.ndarray]:
    """Per token: each TOKEN_KINDS flag and the lexicon valence. Looked up once per distinct
    token (a batch has thousands, not millions) and joined back, which is 10x faster than
    looking up every token."""
    frame = pl.DataFrame({"h": hashes})
    vocabulary = frame.unique("h")
    distinct = vocabulary["h"].to_numpy()
    keys, values = _valence_lookup()
    position = np.minimum(np.searchsorted(keys, distinct), len(keys) - 1)
    columns = {name: pl.Series(_is_in(distinct, words)) for name, words in TOKEN_KINDS.items()}
    columns["valence"] = pl.Series(np.where(keys[position] == distinct, values[position], 0.0))
    joined = frame.join(
        vocabulary.with_columns(**columns), on="h", how="left", maintain_order="left"
    )
    return {name: joined[name].to_numpy() for name in columns}


def tokenize(texts: pl.Series) -> Tokens:
    """Tokens of each text, with negation marked: a negator up to NEGATION_SCOPE tokens back, in
    the same clause of the same text, flips a token."""
    exploded = (
        pl.DataFrame({"text": texts.cast(pl.String)})
        .select(
            row=pl.int_range(pl.len(), dtype=pl.UInt32),
            token=model_text(pl.col("text")).str.extract_all(TOKEN_PATTERN),
        )
        .explode("token")
        .drop_nulls("token")
    )
    rows = exploded["row"].to_numpy()
    hashes = hash_tokens(exploded["token"])
    kinds = token_kinds(hashes)
    is_negator, is_break = kinds["negator"], kinds["break"]
    negated = np.zeros(len(rows), dtype=bool)
    broken = np.zeros(len(rows), dtype=bool)  # a clause break between position and k back
    for k in range(1, NEGATION_SCOPE + 1):
        broken |= _shift(is_break, k - 1) if k > 1 else is_break
        same_row = _shift(rows.astype(np.int64), k, -1) == rows
        negated |= _shift(is_negator, k) & same_row & ~broken
    kept = ~kinds["dropped"]
    return Tokens(
        rows=rows[kept],
        hashes=hashes[kept],
        negated=negated[kept],
        kinds={name: values[kept] for name, values in kinds.items()},
    )


def ngram_counts(tokens: Tokens, n_rows: int) -> sparse.csr_matrix:
    """Hashed unigram and bigram counts; a negated word is its own feature ('not good')."""
    with np.errstate(over="ignore"):
        unigrams = np.where(tokens.negated, tokens.hashes ^ _NEGATED_SALT, tokens.hashes)
        same_row = tokens.rows[1:] == tokens.rows[:-1]
        bigrams = (tokens.hashes[:-1] * _BIGRAM_MULTIPLIER + tokens.hashes[1:])[same_row]
    mask = np.uint64((1 << HASH_BITS) - 1)
    columns = (np.concatenate([unigrams, bigrams]) & mask).astype(np.int64)
    rows = np.concatenate([tokens.rows, tokens.rows[:-1][same_row]])
    counts = sparse.coo_matrix(
        (np.ones(len(rows), dtype=np.float64), (rows, columns)), shape=(n_rows, int(mask) + 1)
    )
    return counts.tocsr()


@functools.cache
def _valence_lookup() -> tuple[np.ndarray, np.ndarray]:
    """Sorted token hashes of the lexicon and their valences."""
    table = lexicon.valence_table()
    hashes = hash_tokens(table["token"])
    order = np.argsort(hashes)
    return hashes[order], table["valence"].to_numpy()[order]


def opinion_force(tokens: Tokens) -> np.ndarray:
    """Each token's valence after boosters, dampeners, negation and contrast (0 if no opinion)."""
    if len(tokens.rows) == 0:
        return np.zeros(0)
    valence = tokens.kinds["valence"]
    previous_same_row = _shift(tokens.rows.astype(np.int64), 1, -1) == tokens.rows
    boost = _shift(tokens.kinds["booster"], 1) & previous_same_row
    dampen = _shift(tokens.kinds["dampener"], 1) & previous_same_row
    step = lexicon.BOOSTER_STEP * (boost.astype(float) - dampen.astype(float))
    force = np.where(valence != 0, valence + np.sign(valence) * step, 0.0)
    force = np.where(tokens.negated, force * lexicon.NEGATION_FACTOR, force)
    # Contrast: opinions before the first "but" of a text weigh less, after it more.
    contrast = tokens.kinds["contrast"].astype(np.int64)
    seen = np.cumsum(contrast)
    starts = np.flatnonzero(np.r_[True, tokens.rows[1:] != tokens.rows[:-1]])
    lengths = np.diff(np.r_[starts, len(tokens.rows)])
    before_text = np.repeat(seen[starts] - contrast[starts], lengths)
    in_text = np.repeat(np.add.reduceat(contrast, starts), lengths)
    seen_in_text = seen - before_text
    weight = np.where(
        in_text == 0,
        1.0,
        np.where(seen_in_text == 0, lexicon.BEFORE_CONTRAST, lexicon.AFTER_CONTRAST),
    )
    return force * weight


def lexicon_scores(tokens: Tokens, texts: pl.Series) -> np.ndarray:
    """The LEXICON_FEATURES matrix for a batch (rows in text order)."""
    n = len(texts)
    force = opinion_force(tokens)
    rows = tokens.rows

    def per_text(values: np.ndarray) -> np.ndarray:
        return np.bincount(rows, weights=values, minlength=n)

    def per_text_max(values: np.ndarray) -> np.ndarray:
        out = np.zeros(n)
        if len(rows):
            starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
            out[rows[starts]] = np.maximum.reduceat(values, starts)
        return np.maximum(out, 0.0)

    positive = per_text(np.maximum(force, 0.0))
    negative = per_text(np.maximum(-force, 0.0))
    exclamations = np.minimum(
        per_text(_is_in(tokens.hashes, ("!",)).astype(float)), MAX_EXCLAMATIONS
    )
    raw = positive - negative
    total = raw + np.sign(raw) * exclamations * EXCLAMATION_STEP
    text = pl.col("text").fill_null("")
    surface = pl.DataFrame({"text": texts.cast(pl.String)}).select(
        shouted=text.str.count_matches(r"(?-u:\b)[A-Z]{3,}(?-u:\b)")
        .clip(upper_bound=5)
        .cast(pl.Float64),
        elongated=text.str.to_lowercase().str.contains(_ELONGATED).cast(pl.Float64),
        has_link=text.str.contains(r"https?://|www\.").cast(pl.Float64),
        has_user=text.str.contains(r"@\w").cast(pl.Float64),
    )
    columns = {
        "positive_force": positive,
        "negative_force": negative,
        "compound": total / np.sqrt(total * total + COMPOUND_ALPHA),
        "positive_words": per_text((force > 0).astype(float)),
        "negative_words": per_text((force < 0).astype(float)),
        "negated_opinions": per_text(((force != 0) & tokens.negated).astype(float)),
        "strongest_positive": per_text_max(force),
        "strongest_negative": per_text_max(-force),
        "exclamations": exclamations,
        "has_question": (per_text(tokens.kinds["question"].astype(float)) > 0).astype(float),
        "shouted_words": surface["shouted"].to_numpy(),
        "elongated": surface["elongated"].to_numpy(),
        "log_tokens": np.log1p(per_text(np.ones(len(rows)))),
        "has_link": surface["has_link"].to_numpy(),
        "has_user": surface["has_user"].to_numpy(),
    }
    return np.column_stack([columns[name] for name in LEXICON_FEATURES])


def featurize(texts: pl.Series) -> Features:
    tokens = tokenize(texts)
    return Features(ngrams=ngram_counts(tokens, len(texts)), lexicon=lexicon_scores(tokens, texts))


@functools.cache
def hash_fingerprint() -> str:
    """What the feature hashing gives for fixed texts, the lexicon features' names and the
    lexicon version: any change makes models trained before it refuse to load."""
    probe = pl.Series(["good", "not good at all", "no, bad", "😀 :)", "@a http://b"])
    counts = ngram_counts(tokenize(probe), len(probe)).tocoo()
    cells = ",".join(f"{r}:{c}" for r, c in sorted(zip(counts.row, counts.col, strict=True)))
    text = f"{cells}|{HASH_BITS}|{','.join(LEXICON_FEATURES)}|{lexicon.fingerprint()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]
