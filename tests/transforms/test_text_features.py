"""Features: tokens, negation scope, hashed n-grams and lexicon scores."""

import numpy as np
import polars as pl

from transforms.text_features import (
    LEXICON_FEATURES,
    featurize,
    hash_fingerprint,
    hash_tokens,
    keep_columns,
    tokenize,
)


def column(features, name: str) -> np.ndarray:
    return features.lexicon[:, LEXICON_FEATURES.index(name)]


def negated_words(text: str) -> list[bool]:
    return tokenize(pl.Series([text])).negated.tolist()


def test_negation_flips_the_next_words_of_the_same_clause_only():
    # no signal , worst outage  -> the comma ends "no"'s scope; the comma itself is dropped
    assert negated_words("no signal, worst outage") == [False, True, False, False]
    assert negated_words("I dont like it at all") == [False, False, True, True, True, False]


def test_negated_and_plain_words_are_different_ngrams():
    features = featurize(pl.Series(["good", "not good"]))
    good = set(features.ngrams[0].indices)
    not_good = set(features.ngrams[1].indices)
    assert good and not (good & not_good)  # "good" vs "~good", "not", "not good"


def test_bigrams_are_counted_once_per_pair():
    features = featurize(pl.Series(["great great great"]))
    # unigram "great" x3 and bigram "great great" x2
    assert sorted(features.ngrams[0].data.tolist()) == [2.0, 3.0]


def test_compound_follows_the_lexicon_negation_and_contrast():
    features = featurize(
        pl.Series(
            [
                "I love it",
                "I do not love it",
                "the plan is ok but the service is awful",
                "the store opens at 9",
                "",
                "LOVE it!!!",
            ]
        )  # fmt: skip
    )
    compound = features.compound
    assert compound[0] > 0.3 and compound[1] < 0 and compound[2] < -0.3
    assert compound[3] == 0 and compound[4] == 0
    assert compound[5] > compound[0]  # exclamation marks add emphasis
    assert column(features, "negated_opinions")[1] == 1
    assert column(features, "shouted_words")[5] == 1


def test_emoji_and_emoticons_carry_valence():
    compound = featurize(pl.Series(["😍", "😠", ":)", ":("])).compound
    assert compound[0] > 0 > compound[1] and compound[2] > 0 > compound[3]


def test_links_and_handles_are_placeholders():
    a = featurize(pl.Series(["@alice see https://a.example/x"]))
    b = featurize(pl.Series(["@bob see https://b.example/y?z=1"]))
    assert a.ngrams[0].indices.tolist() == b.ngrams[0].indices.tolist()
    assert column(a, "has_link")[0] == 1 and column(a, "has_user")[0] == 1


def test_empty_batch_and_fingerprint():
    features = featurize(pl.Series([], dtype=pl.String))
    assert features.ngrams.shape[0] == 0 and features.lexicon.shape == (0, len(LEXICON_FEATURES))
    assert hash_fingerprint() == hash_fingerprint() and len(hash_fingerprint()) == 16
    assert hash_tokens(pl.Series(["good"]))[0] == hash_tokens(pl.Series(["good"]))[0]


def test_negation_stops_at_the_end_of_a_text():
    tokens = tokenize(pl.Series(["this is not", "good at all"]))
    assert not tokens.negated.any()


def test_counts_of_a_models_columns_equal_the_full_counts_restricted():
    texts = pl.Series(["not good, not good at all", "great great great", "", "bad :( 😠 #fail"])
    features = featurize(texts)
    keep = np.unique(featurize(pl.Series(["good great", "not good", "bad"])).ngrams.indices)
    restricted = features.ngrams_in(keep)
    expected = keep_columns(featurize(texts).ngrams, keep)
    assert restricted.shape == (4, len(keep)) and restricted.nnz > 0
    assert (restricted != expected).nnz == 0


def test_opinion_features_follow_boosters_contrast_and_exclamations():
    base, boosted, contrasted, shouted = featurize(
        pl.Series(["good", "very good", "good but awful", "good!!"])
    ).compound
    assert boosted > base > 0 and shouted > base
    assert contrasted < 0  # the opinion after "but" weighs more
