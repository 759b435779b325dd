"""Spam signals with their reasons; self-training learns the stream's own words."""

import numpy as np
import polars as pl
import pytest

from transforms import spam
from transforms.classifiers import Classifier, prior_classifier
from transforms.self_training import TooFewSeeds, self_train


def spam_of(**columns) -> pl.DataFrame:
    base = {"text_clean": ["hello"], "urls": [""], "hashtags": [""], "mentions": [""],
            "author_followers": [500], "author_posts": [1], "author_copy_share": [0.0],
            "cluster_size": [1]}  # fmt: skip
    base.update({k: [v] for k, v in columns.items()})
    return pl.DataFrame(base).select(**spam.spam_columns())


def test_every_fired_signal_is_a_reason():
    out = spam_of(text_clean="free followers, dm me now", urls="https://bit.ly/x",
                  author_followers=3)  # fmt: skip
    assert out["spam_score"][0] == 1.0
    assert out["spam_reasons"][0] == "phrases,few_followers,link,shortener"
    assert spam_of()["spam_reasons"][0] == "" and spam_of()["spam_score"][0] == 0


def test_day_signals_catch_bursts_and_templates():
    burst = spam_of(author_posts=40, author_copy_share=0.9, author_followers=5)
    assert burst["spam_score"][0] >= spam.SPAM_THRESHOLD
    assert burst["spam_reasons"][0] == "few_followers,burst,repeats"
    template = spam_of(urls="https://x.example", cluster_size=50, author_followers=5)
    assert template["spam_reasons"][0] == "few_followers,link,template"


def stream() -> pl.Series:
    """Posts where 'outage' and 'refund' only ever appear beside clearly negative words,
    and 'upgrade' beside clearly positive ones: words the lexicon has no rating for."""
    rng = np.random.default_rng(1)
    negative = ["terrible", "awful", "worst", "hate"]
    positive = ["love", "great", "amazing", "excellent"]
    neutral = ["the store opens at nine", "my bill comes on monday", "we moved to a new town"]
    texts = []
    for i in range(600):
        kind = i % 3
        if kind == 0:
            texts.append(f"{rng.choice(negative)} outage again, want a refund {i}")
        elif kind == 1:
            texts.append(f"{rng.choice(positive)} upgrade today {i}")
        else:
            texts.append(f"{rng.choice(neutral)} {i}")
    return pl.Series(texts)


def test_self_training_learns_words_the_lexicon_does_not_rate():
    teacher = prior_classifier("sentiment")
    result = self_train(teacher, stream())
    student = Classifier("sentiment", {"prior_weight": 0.0, "linear": result.linear.parts})
    unseen = pl.Series(["another outage, refund", "got the upgrade"])
    assert teacher.predict(unseen)[0].tolist() == ["neutral", "neutral"]
    assert student.predict(unseen)[0].tolist() == ["negative", "positive"]
    assert result.classifier().predict(unseen)[0].tolist() == ["negative", "positive"]
    assert result.agreement_macro_f1 > 0.9 and result.seeds > 300


def test_too_few_confident_posts_is_a_clear_error():
    with pytest.raises(TooFewSeeds, match="too few posts"):
        self_train(prior_classifier("sentiment"), pl.Series(["ok", "hmm"] * 5))
