"""What a classifier sees of a post: hashed word n-grams and lexicon scores, computed in Polars.

Everything runs as Polars expressions over a whole batch (no per-post Python): tokens are
extracted once and exploded into one row per token, and both feature groups come from that frame.

- N-grams: unigrams and bigrams, hashed into 2^20 columns (no vocabulary to store or grow). A
  word in the scope of a negation ("not good") becomes a different feature from the plain word.
- Lexicon: per post, the positive and negative force of its opinion words (transforms/lexicon.py)
  after negation, boosters ("very") and contrast ("ok but awful"), plus punctuation, capitals and
  a compound score in [-1, 1]. These carry sentiment knowledge to posts whose words no training
  row contained.

`hash_fingerprint()` pins what Polars' hash gives for known tokens: a model card stores it, and a
model trained with another hash function is refused instead of reading garbage features.
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


def token_frame(texts: pl.Series) -> pl.DataFrame:
    """One row per token: `row` (text index), `token`, and whether a negation flips it."""
    tokens = (
        pl.DataFrame({"text": texts.cast(pl.String)})
        .select(
            row=pl.int_range(pl.len(), dtype=pl.UInt32),
            token=model_text(pl.col("text")).str.extract_all(TOKEN_PATTERN),
        )
        .explode("token")
        .drop_nulls("token")
    )

    is_negator = pl.col("token").is_in(lexicon.NEGATORS)
    is_break = pl.col("token").is_in(CLAUSE_BREAKS)
    # Negated: a negator at most NEGATION_SCOPE tokens back, in the same clause of the same post.
    in_scope = []
    for k in range(1, NEGATION_SCOPE + 1):
        same_row = pl.col("row").shift(k) == pl.col("row")
        clause_break = pl.any_horizontal([is_break.shift(j).fill_null(False) for j in range(k)])
        in_scope.append(is_negator.shift(k).fill_null(False) & same_row & ~clause_break)
    negated = pl.any_horizontal(in_scope)
    return tokens.with_columns(negated=negated).filter(~pl.col("token").is_in(DROPPED_BREAKS))


def ngram_counts(tokens: pl.DataFrame, n_rows: int) -> sparse.csr_matrix:
    """Hashed unigram and bigram counts; a negated word is its own feature ('not good')."""
    word = pl.when(pl.col("negated")).then(pl.lit("~") + pl.col("token")).otherwise(pl.col("token"))
    same_row = pl.col("row").shift(-1) == pl.col("row")
    grams = tokens.select(
        "row",
        unigram=word,
        bigram=pl.when(same_row).then(pl.col("token") + pl.lit(" ") + pl.col("token").shift(-1)),
    )
    mask = (1 << HASH_BITS) - 1
    hashed = pl.concat(
        [
            grams.select("row", gram="unigram"),
            grams.select("row", gram="bigram").drop_nulls("gram"),
        ]
    ).select("row", column=(pl.col("gram").hash(seed=HASH_SEED) & mask).cast(pl.Int64))
    rows = hashed["row"].to_numpy()
    columns = hashed["column"].to_numpy()
    counts = sparse.coo_matrix(
        (np.ones(len(rows), dtype=np.float64), (rows, columns)), shape=(n_rows, mask + 1)
    )
    return counts.tocsr()


def _opinion_force(tokens: pl.DataFrame) -> pl.DataFrame:
    """Each token's valence after boosters, dampeners, negation and contrast (0 for non-opinion)."""
    valence = pl.col("valence").fill_null(0.0)
    previous = pl.col("token").shift(1)
    same_row = pl.col("row").shift(1) == pl.col("row")
    step = (
        pl.when(same_row & previous.is_in(lexicon.BOOSTERS))
        .then(lexicon.BOOSTER_STEP)
        .when(same_row & previous.is_in(lexicon.DAMPENERS))
        .then(-lexicon.BOOSTER_STEP)
        .otherwise(0.0)
    )
    boosted = pl.when(valence != 0).then(valence + valence.sign() * step).otherwise(0.0)
    flipped = pl.when(pl.col("negated")).then(boosted * lexicon.NEGATION_FACTOR).otherwise(boosted)
    contrast = pl.col("token").is_in(lexicon.CONTRAST_WORDS).cast(pl.Int32)
    seen = contrast.cum_sum().over("row")
    has_contrast = seen.max().over("row") > 0
    weight = (
        pl.when(~has_contrast)
        .then(1.0)
        .when(seen == 0)
        .then(lexicon.BEFORE_CONTRAST)
        .otherwise(lexicon.AFTER_CONTRAST)
    )
    return tokens.join(lexicon.valence_table(), on="token", how="left").select(
        "row", "token", "negated", force=flipped * weight
    )


def lexicon_scores(tokens: pl.DataFrame, texts: pl.Series) -> np.ndarray:
    """The LEXICON_FEATURES matrix for a batch (rows in text order)."""
    force = pl.col("force")
    per_row = (
        _opinion_force(tokens)
        .group_by("row")
        .agg(
            positive_force=force.clip(lower_bound=0).sum(),
            negative_force=(-force).clip(lower_bound=0).sum(),
            positive_words=(force > 0).sum(),
            negative_words=(force < 0).sum(),
            negated_opinions=((force != 0) & pl.col("negated")).sum(),
            strongest_positive=force.max().clip(lower_bound=0),
            strongest_negative=(-force).max().clip(lower_bound=0),
            exclamations=(pl.col("token") == "!").sum().clip(upper_bound=MAX_EXCLAMATIONS),
            has_question=(pl.col("token") == "?").any(),
            n_tokens=pl.len(),
        )
    )
    text = pl.col("text").fill_null("")
    frame = (
        pl.DataFrame({"text": texts.cast(pl.String)})
        .with_row_index("row")
        .with_columns(pl.col("row").cast(pl.UInt32))
        .join(per_row, on="row", how="left", maintain_order="left")
        .with_columns(pl.exclude("text", "row").fill_null(0))
    )
    raw = pl.col("positive_force") - pl.col("negative_force")
    emphasis = raw.sign() * pl.col("exclamations") * EXCLAMATION_STEP
    total = raw + emphasis
    frame = frame.with_columns(
        compound=total / (total * total + COMPOUND_ALPHA).sqrt(),
        shouted_words=text.str.count_matches(r"\b[A-Z]{3,}\b").clip(upper_bound=5),
        elongated=text.str.to_lowercase().str.contains(_ELONGATED),
        log_tokens=pl.col("n_tokens").cast(pl.Float64).log1p(),
        has_link=text.str.contains(r"https?://|www\."),
        has_user=text.str.contains(r"@\w"),
    )
    return frame.select(pl.col(list(LEXICON_FEATURES)).cast(pl.Float64)).to_numpy()


def featurize(texts: pl.Series) -> Features:
    tokens = token_frame(texts)
    return Features(ngrams=ngram_counts(tokens, len(texts)), lexicon=lexicon_scores(tokens, texts))


@functools.cache
def hash_fingerprint() -> str:
    """What the feature hashing gives for fixed tokens, with the lexicon version."""
    probe = pl.Series(["good", "not good", "~bad", "😀", "xurl xuser"])
    hashed = probe.hash(seed=HASH_SEED).to_list()
    text = ",".join(str(h) for h in hashed) + f"|{HASH_BITS}|{lexicon.fingerprint()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]
