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
class NgramEntries:
    """Every hashed n-gram occurrence in a batch: the text it is in and its column."""

    rows: np.ndarray  # int64, the text of each occurrence, non-decreasing
    columns: np.ndarray  # int64, in [0, 2^HASH_BITS)
    n_rows: int

    def counts(self, keep: np.ndarray | None = None) -> sparse.csr_matrix:
        """Counts per text x column; with `keep` (sorted column ids), only those columns,
        renumbered 0..len(keep)-1. Restricting before counting is what makes prediction cheap:
        a model knows a few thousand columns, a batch has millions of occurrences."""
        rows, columns, width = self.rows, self.columns, 1 << HASH_BITS
        if keep is not None:
            lookup = np.full(width, -1, dtype=np.int64)
            lookup[keep] = np.arange(len(keep))
            columns = lookup[columns]
            known = columns >= 0
            rows, columns, width = rows[known], columns[known], len(keep)
        # Rows are in order, so the CSR is built directly; repeated n-grams are then summed.
        indptr = np.zeros(self.n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=self.n_rows), out=indptr[1:])
        ones = np.ones(len(rows), dtype=np.float64)
        counts = sparse.csr_matrix((ones, columns, indptr), shape=(self.n_rows, width))
        counts.sum_duplicates()
        return counts


def keep_columns(counts: sparse.csr_matrix, columns: np.ndarray) -> sparse.csr_matrix:
    """The counts restricted to `columns` (sorted hashed column ids), renumbered 0..k-1."""
    lookup = np.full(counts.shape[1], -1, dtype=np.int64)
    lookup[columns] = np.arange(len(columns))
    new_index = lookup[counts.indices]
    kept = new_index >= 0
    # Rows keep their order and each row's entries stay sorted: the CSR is built directly.
    row_of = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    indptr = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of[kept], minlength=counts.shape[0]), out=indptr[1:])
    return sparse.csr_matrix(
        (counts.data[kept], new_index[kept], indptr), shape=(counts.shape[0], len(columns))
    )


class Features:
    """Features of a batch of texts, one row per text: lexicon scores, and hashed n-gram counts
    built only when asked for (training needs all 2^HASH_BITS columns, prediction only the
    model's own: `ngrams_in`)."""

    def __init__(
        self,
        lexicon: np.ndarray,
        entries: NgramEntries | None = None,
        ngrams: sparse.csr_matrix | None = None,
    ) -> None:
        if entries is None and ngrams is None:
            raise ValueError("Features need n-gram entries or an n-gram matrix")
        self.lexicon = lexicon  # dense lexicon scores (n x len(LEXICON_FEATURES))
        self._entries = entries
        self._ngrams = ngrams

    @property
    def ngrams(self) -> sparse.csr_matrix:
        """Raw counts of hashed n-grams (n x 2^HASH_BITS)."""
        if self._ngrams is None:
            assert self._entries is not None
            self._ngrams = self._entries.counts()
        return self._ngrams

    def ngrams_in(self, columns: np.ndarray) -> sparse.csr_matrix:
        """Counts of the given (sorted) hashed columns only, renumbered 0..len(columns)-1."""
        if self._entries is not None and self._ngrams is None:
            return self._entries.counts(columns)
        return keep_columns(self.ngrams, columns)

    def subset(self, rows: np.ndarray) -> Features:
        return Features(lexicon=self.lexicon[rows], ngrams=self.ngrams[rows])

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


def negation_scope(rows: np.ndarray, is_negator: np.ndarray, is_break: np.ndarray) -> np.ndarray:
    """Tokens flipped by a negator: up to NEGATION_SCOPE tokens after it, in the same text, with
    no clause break in between (the break itself is not flipped). Worked out from the negators'
    positions, which are few, rather than over every token."""
    negated = np.zeros(len(rows), dtype=bool)
    negators = np.flatnonzero(is_negator)
    breaks = np.flatnonzero(is_break)
    breaks_up_to_negator = np.searchsorted(breaks, negators, side="right")
    for k in range(1, NEGATION_SCOPE + 1):
        target = negators + k
        inside = target < len(rows)
        source, target = negators[inside], target[inside]
        clear = np.searchsorted(breaks, target, side="right") == breaks_up_to_negator[inside]
        same_text = rows[target] == rows[source]
        negated[target[clear & same_text]] = True
    return negated


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
    negated = negation_scope(rows, kinds["negator"], kinds["break"])
    kept = ~kinds["dropped"]
    return Tokens(
        rows=rows[kept],
        hashes=hashes[kept],
        negated=negated[kept],
        kinds={name: values[kept] for name, values in kinds.items()},
    )


def ngram_entries(tokens: Tokens, n_rows: int) -> NgramEntries:
    """Hashed unigrams and bigrams in text order (each token's unigram, then its bigram with the
    next token of the same text); a negated word is its own feature ('not good')."""
    n = len(tokens.rows)
    with np.errstate(over="ignore"):
        unigrams = np.where(tokens.negated, tokens.hashes ^ _NEGATED_SALT, tokens.hashes)
        bigrams = tokens.hashes[:-1] * _BIGRAM_MULTIPLIER + tokens.hashes[1:]
    hashes = np.zeros(2 * n, dtype=np.uint64)
    hashes[0::2], hashes[1:-1:2] = unigrams, bigrams
    valid = np.ones(2 * n, dtype=bool)
    valid[1:-1:2] = tokens.rows[1:] == tokens.rows[:-1]
    valid[-1:] = False  # the last token has no next token
    mask = np.uint64((1 << HASH_BITS) - 1)
    columns = (hashes[valid] & mask).astype(np.int64)
    rows = np.repeat(tokens.rows.astype(np.int64), 2)[valid]
    return NgramEntries(rows=rows, columns=columns, n_rows=n_rows)


def ngram_counts(tokens: Tokens, n_rows: int) -> sparse.csr_matrix:
    """Hashed unigram and bigram counts (n_rows x 2^HASH_BITS)."""
    return ngram_entries(tokens, n_rows).counts()


@functools.cache
def _valence_lookup() -> tuple[np.ndarray, np.ndarray]:
    """Sorted token hashes of the lexicon and their valences."""
    table = lexicon.valence_table()
    hashes = hash_tokens(table["token"])
    order = np.argsort(hashes)
    return hashes[order], table["valence"].to_numpy()[order]


@dataclass(frozen=True)
class Opinions:
    """The opinion words of a batch (tokens the lexicon gives a valence), about one token in
    ten: the features below are computed over these, not over every token."""

    rows: np.ndarray  # the text of each opinion word, non-decreasing
    force: np.ndarray  # its valence after boosters, dampeners, negation and contrast
    negated: np.ndarray  # bool


def opinion_force(tokens: Tokens, n_rows: int) -> Opinions:
    """Each opinion word's force: valence, boosted or dampened by the word before it, flipped
    and weakened by negation, weighed by contrast ("ok but awful")."""
    at = np.flatnonzero(tokens.kinds["valence"] != 0)
    rows = tokens.rows[at]
    valence = tokens.kinds["valence"][at]
    before = np.maximum(at - 1, 0)
    previous_same_row = (at > 0) & (tokens.rows[before] == rows)
    boost = tokens.kinds["booster"][before] & previous_same_row
    dampen = tokens.kinds["dampener"][before] & previous_same_row
    step = lexicon.BOOSTER_STEP * (boost.astype(float) - dampen.astype(float))
    force = valence + np.sign(valence) * step
    negated = tokens.negated[at]
    force = np.where(negated, force * lexicon.NEGATION_FACTOR, force)
    # Contrast: opinions before the first "but" of a text weigh less, after it more.
    contrast_at = np.flatnonzero(tokens.kinds["contrast"])
    contrasts_in_text = np.bincount(tokens.rows[contrast_at], minlength=n_rows)[rows]
    text_start = np.searchsorted(tokens.rows, rows, side="left")
    seen_in_text = np.searchsorted(contrast_at, at, side="right") - np.searchsorted(
        contrast_at, text_start, side="left"
    )
    weight = np.where(
        contrasts_in_text == 0,
        1.0,
        np.where(seen_in_text == 0, lexicon.BEFORE_CONTRAST, lexicon.AFTER_CONTRAST),
    )
    return Opinions(rows=rows, force=force * weight, negated=negated)


def lexicon_scores(tokens: Tokens, texts: pl.Series) -> np.ndarray:
    """The LEXICON_FEATURES matrix for a batch (rows in text order)."""
    n = len(texts)
    opinions = opinion_force(tokens, n)
    force = opinions.force

    def per_text(values: np.ndarray) -> np.ndarray:
        return np.bincount(opinions.rows, weights=values, minlength=n)

    def count_per_text(flags: np.ndarray) -> np.ndarray:
        return np.bincount(tokens.rows[flags], minlength=n).astype(float)

    def per_text_max(values: np.ndarray) -> np.ndarray:
        out = np.zeros(n)
        rows = opinions.rows
        if len(rows):
            starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
            out[rows[starts]] = np.maximum.reduceat(values, starts)
        return np.maximum(out, 0.0)

    positive = per_text(np.maximum(force, 0.0))
    negative = per_text(np.maximum(-force, 0.0))
    exclamations = np.minimum(count_per_text(tokens.kinds["exclamation"]), MAX_EXCLAMATIONS)
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
        "negated_opinions": per_text(((force != 0) & opinions.negated).astype(float)),
        "strongest_positive": per_text_max(force),
        "strongest_negative": per_text_max(-force),
        "exclamations": exclamations,
        "has_question": (count_per_text(tokens.kinds["question"]) > 0).astype(float),
        "shouted_words": surface["shouted"].to_numpy(),
        "elongated": surface["elongated"].to_numpy(),
        "log_tokens": np.log1p(np.bincount(tokens.rows, minlength=n).astype(float)),
        "has_link": surface["has_link"].to_numpy(),
        "has_user": surface["has_user"].to_numpy(),
    }
    return np.column_stack([columns[name] for name in LEXICON_FEATURES])


def featurize(texts: pl.Series) -> Features:
    tokens = tokenize(texts)
    return Features(
        lexicon=lexicon_scores(tokens, texts), entries=ngram_entries(tokens, len(texts))
    )


@functools.cache
def hash_fingerprint() -> str:
    """What the feature hashing gives for fixed texts, the lexicon features' names and the
    lexicon version: any change makes models trained before it refuse to load."""
    probe = pl.Series(["good", "not good at all", "no, bad", "😀 :)", "@a http://b"])
    counts = ngram_counts(tokenize(probe), len(probe)).tocoo()
    cells = ",".join(f"{r}:{c}" for r, c in sorted(zip(counts.row, counts.col, strict=True)))
    text = f"{cells}|{HASH_BITS}|{','.join(LEXICON_FEATURES)}|{lexicon.fingerprint()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]
