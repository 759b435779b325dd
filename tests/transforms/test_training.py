"""The model CLI contract: train, predict, evaluate, and promotion only when better."""

import json
import random

import polars as pl
import pytest

from transforms import cli
from transforms.generate import labelled_corpus


@pytest.fixture(scope="module")
def corpus() -> pl.DataFrame:
    return labelled_corpus(1500, 11).select("text", "sentiment")


def run(capsys, *argv: str) -> str:
    assert cli.main(list(argv)) == 0
    return capsys.readouterr().out


def test_train_predict_evaluate(tmp_path, capsys, corpus):
    labels = tmp_path / "labels.csv"
    corpus.rename({"text": "post", "sentiment": "gold"}).write_csv(labels)
    out = tmp_path / "model"
    trained = json.loads(
        run(capsys, "train", "sentiment", "--labels", str(labels), "--text-column", "post",
            "--label-column", "gold", "--out", str(out))
    )  # fmt: skip
    assert trained["promoted"] and trained["current_macro_f1"] is None
    assert trained["candidate"]["holdout_macro_f1"] > 0.6
    assert (out / "CURRENT").read_text() == trained["candidate"]["version"]

    inputs = tmp_path / "in.jsonl"
    corpus.head(50).with_row_index("row").write_ndjson(inputs)
    output = tmp_path / "out.parquet"
    run(capsys, "predict", "--model", str(out), "--input", str(inputs), "--text-column", "text",
        "--output", str(output))  # fmt: skip
    predicted = pl.read_parquet(output)
    assert predicted.columns == [
        "row", "text", "sentiment", "label", "proba_negative", "proba_neutral", "proba_positive",
    ]  # fmt: skip
    sums = predicted.select(pl.sum_horizontal(pl.col("^proba_.*$")))
    assert sums.to_series().is_between(0.999, 1.001).all()
    assert (predicted["label"] == predicted["sentiment"]).mean() > 0.6

    report = json.loads(
        run(capsys, "evaluate", "--model", str(out), "--labels", str(labels), "--text-column",
            "post", "--label-column", "gold")
    )  # fmt: skip
    assert {"macro_f1", "accuracy", "per_class", "confusion_matrix"} <= set(report)
    assert set(report["per_class"]) == {"negative", "neutral", "positive"}
    assert report["method"] == "supervised"
    assert 0 <= report["expected_calibration_error"] <= 1


def test_a_worse_candidate_is_not_promoted(tmp_path, capsys, corpus):
    good, noisy = tmp_path / "good.csv", tmp_path / "noisy.csv"
    corpus.write_csv(good)
    shuffled = corpus["sentiment"].to_list()
    random.Random(3).shuffle(shuffled)  # labels that carry no signal
    corpus.with_columns(sentiment=pl.Series(shuffled)).write_csv(noisy)
    out = tmp_path / "model"
    args = ["--text-column", "text", "--label-column", "sentiment", "--out", str(out)]
    first = json.loads(run(capsys, "train", "sentiment", "--labels", str(good), *args))
    second = json.loads(run(capsys, "train", "sentiment", "--labels", str(noisy), *args))
    assert not second["promoted"]
    assert second["current_macro_f1"] > second["candidate"]["holdout_macro_f1"]
    assert (out / "CURRENT").read_text() == first["candidate"]["version"]


@pytest.mark.parametrize(
    "rows, column, message",
    [
        ({"text": ["a"] * 10, "label": ["good"] * 5 + ["bad"] * 5}, "label", "not sentiment"),
        ({"text": ["a"] * 6, "label": ["positive"] * 5 + ["negative"]}, "label", "5 rows each"),
        ({"text": ["a"], "label": ["positive"]}, "gold", "no column 'gold'"),
    ],
)
def test_bad_label_files_are_clear_errors(tmp_path, capsys, rows, column, message):
    labels = tmp_path / "labels.csv"
    pl.DataFrame(rows).write_csv(labels)
    code = cli.main(["train", "sentiment", "--labels", str(labels), "--text-column", "text",
                     "--label-column", column, "--out", str(tmp_path / "m")])  # fmt: skip
    assert code == 1
    assert message in capsys.readouterr().err


def test_default_means_the_out_of_the_box_model(tmp_path, capsys, config, monkeypatch):
    monkeypatch.setenv("LISTENER_DATA_DIR", str(config.data_dir))
    inputs = tmp_path / "in.csv"
    pl.DataFrame({"text": ["I love it!", "worst outage ever", "ok"]}).write_csv(inputs)
    output = tmp_path / "out.csv"
    run(capsys, "predict", "--model", "default", "--input", str(inputs), "--text-column", "text",
        "--output", str(output))  # fmt: skip
    assert pl.read_csv(output)["label"].to_list()[:2] == ["positive", "negative"]
    report = json.loads(
        run(capsys, "evaluate", "--model", "default", "--task", "intent", "--labels",
            str(_intent_labels(tmp_path)), "--text-column", "text", "--label-column", "intent")
    )  # fmt: skip
    assert report["method"] == "generated" and report["macro_f1"] > 0.5


def _intent_labels(tmp_path):
    path = tmp_path / "intent.parquet"
    labelled_corpus(300, 5).select("text", "intent").write_parquet(path)
    return path


def _clean_zone(config, texts: list[str]) -> None:
    import datetime as dt

    from transforms import schema

    n = len(texts)
    values = {name: [None] * n for name in schema.CLEAN_POST}
    values.update(post_id=[f"x:{i}" for i in range(n)], text_clean=texts, is_english=[True] * n)
    partition = config.data_dir / "clean" / f"day={dt.date(2026, 10, 1)}"
    partition.mkdir(parents=True)
    pl.DataFrame(values, schema=schema.CLEAN_POST).write_parquet(partition / "posts.parquet")


def test_self_training_learns_from_the_stream_without_labels(tmp_path, capsys, config,
                                                             monkeypatch):  # fmt: skip
    monkeypatch.setenv("LISTENER_DATA_DIR", str(config.data_dir))
    _clean_zone(config, labelled_corpus(3000, 21)["text"].to_list())
    out = tmp_path / "self"
    trained = json.loads(run(capsys, "train", "sentiment", "--self-train", "--out", str(out)))
    assert trained["promoted"] and trained["candidate"]["method"] == "self_trained"
    assert trained["candidate"]["evaluated_on"] == "generated corpus (synthetic)"
    assert trained["candidate"]["training_rows"] > 500
    # Trained again on the same stream: the same version, judged equal, so not promoted twice.
    again = json.loads(run(capsys, "train", "sentiment", "--self-train", "--out", str(out)))
    assert not again["promoted"] and again["current_macro_f1"] == trained["candidate"][
        "holdout_macro_f1"]  # fmt: skip


def test_self_training_needs_a_stream(capsys, config, monkeypatch):
    monkeypatch.setenv("LISTENER_DATA_DIR", str(config.data_dir))
    assert cli.main(["train", "intent", "--self-train"]) == 1
    assert "no clean posts" in capsys.readouterr().err
