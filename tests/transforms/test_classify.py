import datetime as dt

import polars as pl
import pytest

from transforms import schema
from transforms.classify import (
    classify_posts,
    load_model,
    model_text,
    save_model,
    train_model,
)

POSITIVE = ["love the new plan", "great coverage downtown", "support was fantastic and fast"]
NEGATIVE = ["the outage ruined my day", "worst billing ever, charged twice", "no signal again"]
NEUTRAL = ["what time does the store open", "switching plans next month", "the update is out"]


def corpus(repeat: int = 20) -> pl.DataFrame:
    rows = [(t, "positive") for t in POSITIVE] + [(t, "negative") for t in NEGATIVE]
    rows += [(t, "neutral") for t in NEUTRAL]
    return pl.DataFrame(rows * repeat, schema=["text", "label"], orient="row")


@pytest.fixture(scope="module")
def trained():
    frame = corpus()
    return train_model(frame["text"], frame["label"], "sentiment")


def clean_frame(texts: list[str], english: list[bool]) -> pl.DataFrame:
    n = len(texts)
    values = {name: [None] * n for name in schema.CLEAN_POST}
    values.update(
        post_id=[f"x:{i}" for i in range(n)],
        text=texts,
        text_clean=texts,
        is_english=english,
        day=[dt.date(2026, 10, 5)] * n,
    )
    return pl.DataFrame(values, schema=schema.CLEAN_POST)


def test_model_text_masks_links_and_handles():
    out = pl.select(model_text(pl.lit("Hey @Nimbus see https://x.example/a?b=1  NOW"))).item()
    assert out == "hey xuser see xurl now"


def test_card_reports_holdout_scores_and_data_hash(trained):
    _, card = trained
    assert card.classes == ["negative", "neutral", "positive"]
    assert card.holdout_macro_f1 > 0.9
    assert len(card.training_data_sha256) == 64
    assert card.training_rows == 144  # 80% of 180


def test_skops_round_trip_predicts_the_same(tmp_path, trained):
    pipeline, card = trained
    save_model(pipeline, card, tmp_path / "sentiment")
    loaded, loaded_card = load_model(tmp_path / "sentiment")
    texts = ["love it", "outage again", "store hours?"]
    assert list(loaded.predict(texts)) == list(pipeline.predict(texts))
    assert loaded_card.version == card.training_data_sha256[:12]


def test_classified_posts_have_probabilities_or_unknown(trained):
    pipeline, _ = trained
    frame = clean_frame(
        ["great coverage, love it", "no signal, worst outage", "hola"], [True, True, False]
    )
    out = classify_posts(frame, pipeline, pipeline, "test")
    assert out.columns == list(schema.CLASSIFIED_POST)
    assert out["sentiment"].to_list() == ["positive", "negative", "unknown"]
    sums = out.select(pl.sum_horizontal("p_negative", "p_neutral", "p_positive"))[:2]
    assert all(abs(v - 1) < 1e-9 for v in sums.to_series())
    assert out["p_positive"][2] is None
    assert out["intent_confidence"].is_between(0, 1).all()


def test_unreviewed_types_are_refused(tmp_path, trained, monkeypatch):
    import skops.io as sio

    pipeline, card = trained
    directory = tmp_path / "sentiment"
    save_model(pipeline, card, directory)
    monkeypatch.setattr(sio, "get_untrusted_types", lambda file: ["evil.Module"])
    with pytest.raises(RuntimeError, match="not in the reviewed list"):
        load_model(directory)
