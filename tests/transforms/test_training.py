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
