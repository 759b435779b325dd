"""Classify: the out-of-the-box models, the registry round trip, unknown languages, relevance."""

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest

from transforms import schema
from transforms.classifiers import Classifier, prior_classifier
from transforms.classify import (
    classify_posts,
    current_classifiers,
    ensure_default_models,
    load_classifier,
    relevance_of_matches,
    task_dir,
)
from transforms.model_registry import ModelError
from transforms.text_features import featurize
from transforms.text_model import fit_linear

DAY = dt.date(2026, 10, 5)


def clean_frame(texts: list[str], english: list[bool]) -> pl.DataFrame:
    n = len(texts)
    values = {name: [None] * n for name in schema.CLEAN_POST}
    values.update(
        post_id=[f"x:{i}" for i in range(n)],
        text=texts,
        text_clean=texts,
        is_english=english,
        day=[DAY] * n,
    )
    return pl.DataFrame(values, schema=schema.CLEAN_POST)


def no_matches() -> pl.DataFrame:
    return pl.DataFrame(schema=schema.BRAND_MATCH)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    from transforms.config import load_config

    config = load_config().model_copy(update={"data_dir": tmp_path_factory.mktemp("data")})
    cards = ensure_default_models(config)
    return config, cards


def test_out_of_the_box_models_are_registered_with_cards(registry):
    config, cards = registry
    assert {t: c.method for t, c in cards.items()} == {
        "sentiment": "prior", "intent": "generated", "relevance": "prior",
    }  # fmt: skip
    assert len({c.version for c in cards.values()}) == 3
    intent = cards["intent"]
    assert intent.training_rows > 0 and len(intent.training_data_sha256) == 64
    assert 0 < intent.holdout_macro_f1 <= 1 and intent.created_at
    card_file = task_dir(config, "intent") / intent.version / "model_card.json"
    assert json.loads(card_file.read_text())["version"] == intent.version


def test_default_sentiment_reads_the_lexicon(registry):
    config, _ = registry
    sentiment = current_classifiers(config)["sentiment"]
    texts = pl.Series(
        ["I love this, it is great!", "worst outage ever, awful", "the store opens at 9"]
    )
    labels, proba = sentiment.predict(texts)
    assert labels.tolist() == ["positive", "negative", "neutral"]
    assert np.allclose(proba.sum(axis=1), 1)


def test_default_intent_finds_complaints_and_purchase_intent(registry):
    config, _ = registry
    intent = current_classifiers(config)["intent"]
    texts = pl.Series(
        [
            "@NimbusHelp still no signal after 3 days, worst service, fix this",
            "do you have resellers in Missouri? thinking of switching to Nimbus",
        ]
    )
    labels, _ = intent.predict(texts)
    assert labels.tolist() == ["complaint", "purchase_intent"]


def test_registry_round_trip_predicts_the_same(tmp_path, registry):
    config, _ = registry
    corpus = pl.DataFrame({"text": ["great plan", "awful bill", "store hours"] * 10,
                           "label": ["positive", "negative", "neutral"] * 10})  # fmt: skip
    linear = fit_linear(featurize(corpus["text"]), corpus["label"].to_numpy())
    trained = Classifier("sentiment", {"prior_weight": 0.0, "linear": linear.parts})
    from transforms.model_registry import ModelCard, save_version

    card = ModelCard("sentiment", "", "supervised", trained.classes, 30, "f" * 64, 0, None, None,
                     "test", "test")  # fmt: skip
    save_version(tmp_path / "m", trained.parts, card, current=True)
    loaded = load_classifier(tmp_path / "m", config)
    texts = pl.Series(["great plan again", "awful", "hours?"])
    assert np.allclose(loaded.predict_proba(texts), trained.predict_proba(texts))
    assert loaded.card.method == "supervised"


def test_two_runs_saving_the_same_model_version_at_once_both_succeed(tmp_path, monkeypatch):
    # Two pipelines of a day that start on a fresh site both register the out-of-the-box models:
    # the same version folder, written at the same moment.
    import threading

    import skops.io as sio

    from transforms.model_registry import ModelCard, load_version, save_version

    card = ModelCard("sentiment", "", "supervised", ["negative", "positive"], 10, "0" * 64, 0,
                     None, None, "test", "test")  # fmt: skip
    both_writing = threading.Barrier(2, timeout=10)
    dump = sio.dump

    def dump_together(parts, path):
        dump(parts, path)
        both_writing.wait()  # each has written its staged file; now both rename

    monkeypatch.setattr(sio, "dump", dump_together)
    errors: list[BaseException] = []

    def save() -> None:
        try:
            save_version(tmp_path, {"weights": [1.0, 2.0]}, card, current=True)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    writers = [threading.Thread(target=save) for _ in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()

    assert errors == []
    (version,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert sorted(p.name for p in version.iterdir()) == ["model.skops", "model_card.json"]
    assert load_version(version)[0] == {"weights": [1.0, 2.0]}


def test_a_model_with_other_features_is_refused(tmp_path, registry):
    config, cards = registry
    version_dir = task_dir(config, "sentiment") / cards["sentiment"].version
    copy = tmp_path / "sentiment"
    (copy / version_dir.name).mkdir(parents=True)
    for name in ("model.skops", "model_card.json"):
        (copy / version_dir.name / name).write_bytes((version_dir / name).read_bytes())
    (copy / "CURRENT").write_text(version_dir.name)
    card = json.loads((copy / version_dir.name / "model_card.json").read_text())
    card["feature_fingerprint"] = "0000000000000000"
    (copy / version_dir.name / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="other features"):
        load_classifier(copy, config)


def test_unsupported_languages_get_unknown_not_a_guess(registry):
    config, _ = registry
    frame = clean_frame(
        ["great coverage, love it", "no signal, worst outage", "el servicio es malo"],
        [True, True, False],
    )
    out, _ = classify_posts(frame, no_matches(), current_classifiers(config))
    assert out.columns == list(schema.CLASSIFIED_POST)
    assert out["sentiment"].to_list() == ["positive", "negative", "unknown"]
    assert out["intent"][2] == "unknown" and out["intent_confidence"][2] is None
    sums = out.select(pl.sum_horizontal("p_negative", "p_neutral", "p_positive"))[:2]
    assert all(abs(v - 1) < 1e-9 for v in sums.to_series())
    assert out["p_positive"][2] is None


def test_posts_are_classified_in_batches_with_the_same_result(registry, monkeypatch):
    config, _ = registry
    texts = [f"post {i}: {'love it' if i % 3 else 'hate the outage'}" for i in range(25)]
    frame = clean_frame(texts, [True] * 25)
    classifiers = current_classifiers(config)
    whole, _ = classify_posts(frame, no_matches(), classifiers)
    monkeypatch.setattr("transforms.classify.BATCH_ROWS", 7)
    batched, _ = classify_posts(frame, no_matches(), classifiers)
    assert batched.equals(whole)


def test_relevance_keeps_ambiguous_matches_but_flags_irrelevant_ones(config):
    frame = clean_frame(
        ["nimbus is down again", "nimbus clouds today", "@NimbusHelp hi"], [True] * 3
    )
    matches = pl.DataFrame(
        {"post_id": ["x:0", "x:1", "x:2"], "brand": ["nimbus"] * 3,
         "matched_by": ["alias", "excluded", "handle"], "day": [DAY] * 3},
        schema=schema.BRAND_MATCH,
    )  # fmt: skip
    scored = relevance_of_matches(matches, frame, prior_classifier("relevance", config.brands.all))
    assert scored["is_relevant"].to_list() == [True, False, True]
    out, _ = classify_posts(
        frame, matches, {**current_classifiers(config), "relevance": prior_classifier("relevance")}
    )
    assert out["exclusion_reason"].to_list() == [None, "irrelevant", None]


def test_a_trained_relevance_model_decides_alias_only_matches(config):
    about = [
        "the nimbus plan price is fair",
        "nimbus signal outage again, awful",
        "nimbus bill support was great",
        "my nimbus phone plan",
    ] * 10
    other = ["a nimbus cloud and rain in the sky", "nimbus weather clouds, awful",
             "grey nimbus storm sky was great", "the nimbus rain cloud"] * 10  # fmt: skip
    labels = ["relevant"] * len(about) + ["irrelevant"] * len(other)
    linear = fit_linear(featurize(pl.Series(about + other)), np.array(labels))
    relevance = Classifier("relevance", {"prior_weight": 0.0, "linear": linear.parts})
    frame = clean_frame(["my nimbus bill is wrong", "dark nimbus clouds and rain"], [True] * 2)
    matches = pl.DataFrame(
        {"post_id": ["x:0", "x:1"], "brand": ["nimbus"] * 2, "matched_by": ["alias"] * 2,
         "day": [DAY] * 2},
        schema=schema.BRAND_MATCH,
    )  # fmt: skip
    scored = relevance_of_matches(matches, frame, relevance)
    assert scored["is_relevant"].to_list() == [True, False]


def test_fast_logits_equal_the_scikit_learn_transforms():
    from transforms.generate import labelled_corpus

    corpus = labelled_corpus(600, 3)
    model = fit_linear(featurize(corpus["text"]), corpus["intent"].to_numpy())
    texts = pl.Series(["", "hello", "worst outage ever, fix it", *corpus["text"].to_list()[:20]])
    features = featurize(texts)
    reference = model.parts["classifier"].decision_function(model._matrix(features))
    assert np.allclose(model.logits(features), reference, atol=1e-12)
