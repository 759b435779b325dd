"""The out-of-the-box classifiers on real, human-labelled posts (../shared/data, when present).

Figures are reported by `make eval`; these tests only guard the direction: Listener's default
sentiment is not worse than VADER on a real set, and labels make it better than a plain TF-IDF
baseline trained on the same rows.
"""

import numpy as np
import pytest

from transforms import real_eval
from transforms.classifiers import prior_classifier


@pytest.fixture(scope="module")
def sanders():
    sets = real_eval.sentiment_sets()
    if "sanders_relevant" not in sets:
        pytest.skip("../shared/data/sanders_brand_sentiment is not here (optional)")
    return sets["sanders_relevant"]


def test_sentiment_sets_parse_with_their_sizes():
    sets = real_eval.sentiment_sets()
    if not sets:
        pytest.skip("../shared/data is not here (optional)")
    expected = {"tweeteval_test": 12_284, "sanders_relevant": 3_424, "sentiment140_test": 498}
    for name, frame in sets.items():
        assert frame.height == expected[name]
        assert set(frame["label"].unique()) == {"negative", "neutral", "positive"}


def test_default_sentiment_is_not_below_vader_on_sanders(sanders):
    truth = sanders["label"].to_numpy()
    ours, _ = prior_classifier("sentiment").predict(sanders["text"])
    vader = real_eval.vader_labels(sanders["text"].to_list())
    assert real_eval.macro_f1(truth, ours.astype(str)) > real_eval.macro_f1(truth, vader)


def test_labels_beat_a_plain_tfidf_baseline(sanders):
    train, test = real_eval.labelled_split("sanders_relevant", sanders)
    labels, _, _ = real_eval.supervised("sentiment", train, test)
    plain = real_eval.plain_tfidf(
        train["text"].to_list(), train["label"].to_numpy(), test["text"].to_list(), True
    )
    truth = test["label"].to_numpy()
    assert real_eval.macro_f1(truth, np.asarray(labels, dtype=str)) > real_eval.macro_f1(
        truth, plain
    )
