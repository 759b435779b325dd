"""Train and apply models on a user's own labelled files (`listener train`, `listener predict`).

A model directory is a small registry: `<dir>/<version>/model.skops` and `model_card.json`, and
`<dir>/CURRENT` naming the version in use. Training on new labels makes a candidate; it replaces
the current model only if it scores a higher macro-F1 on the same held-out rows, so a worse batch
of labels never silently degrades what the pipeline uses.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from transforms import schema
from transforms.classify import (
    ModelCard,
    build_pipeline,
    corpus_hash,
    load_model,
    model_text,
    predict,
    save_model,
)
from transforms.errors import ListenerError
from transforms.evaluate import read_table

TRAINABLE_TASKS = ("sentiment", "intent", "relevance")
ALLOWED_LABELS = {
    "sentiment": set(schema.SENTIMENT_LABELS),
    "intent": set(schema.INTENT_LABELS),
    "relevance": {"relevant", "irrelevant"},
}
HOLDOUT_SHARE = 0.2


class LabelsError(ListenerError):
    """A labelled file that cannot train a model: missing columns, unknown or too few labels."""


@dataclass(frozen=True)
class TrainResult:
    task: str
    directory: str
    candidate: ModelCard
    current_macro_f1: float | None  # the model in use, on the same held-out rows
    promoted: bool


def read_labels(path: Path, text_column: str, label_column: str, task: str) -> pl.DataFrame:
    """Text and label columns of a labelled file, checked; rows without either are dropped."""
    frame = read_table(path)
    missing = [c for c in (text_column, label_column) if c not in frame.columns]
    if missing:
        raise LabelsError(f"{path}: no column {missing[0]!r}; columns: {', '.join(frame.columns)}")
    frame = frame.select(
        text=pl.col(text_column).cast(pl.String),
        label=pl.col(label_column).cast(pl.String).str.strip_chars().str.to_lowercase(),
    ).drop_nulls()
    unknown = sorted(set(frame["label"]) - ALLOWED_LABELS[task])
    if unknown:
        allowed = ", ".join(sorted(ALLOWED_LABELS[task]))
        raise LabelsError(f"{path}: labels {unknown} are not {task} labels ({allowed})")
    counts = frame["label"].value_counts()
    if counts.height < 2 or counts["count"].min() < 5:
        raise LabelsError(
            f"{path}: need at least two labels with 5 rows each; got "
            + ", ".join(f"{label} {n}" for label, n in counts.sort("label").iter_rows())
        )
    return frame


def _macro_f1(truth: list[str], predicted: list[str]) -> float:
    return round(float(f1_score(truth, predicted, average="macro")), 4)


def fit(texts: list[str], labels: list[str]) -> Pipeline:
    """The model pipeline fitted on raw texts (normalized as the pipeline normalizes them)."""
    normalized = pl.select(model_text(pl.lit(pl.Series(texts, dtype=pl.String)))).to_series()
    return build_pipeline().fit(normalized.to_list(), labels)


def train_from_file(
    task: str, labels_path: Path, text_column: str, label_column: str, out: Path
) -> TrainResult:
    """Fit a candidate on a labelled file and promote it into `out` if it beats the current."""
    frame = read_labels(labels_path, text_column, label_column, task)
    texts, labels = frame["text"].to_list(), frame["label"].to_list()
    x_train, x_test, y_train, y_test = train_test_split(
        texts, labels, test_size=HOLDOUT_SHARE, random_state=0, stratify=labels
    )
    candidate = fit(x_train, y_train)
    predicted = list(predict(candidate, pl.Series(x_test, dtype=pl.String))[0])
    current_f1 = None
    if (out / "CURRENT").exists():
        current, card = load_model(out)
        if card.task != task:
            raise LabelsError(f"{out} holds a {card.task} model, not {task}")
        current_predicted, _ = predict(current, pl.Series(x_test, dtype=pl.String))
        current_f1 = _macro_f1(y_test, list(current_predicted))
    candidate_f1 = _macro_f1(y_test, predicted)
    card = ModelCard(
        task=task,
        version="",
        classes=sorted(set(labels)),
        training_rows=len(texts),
        training_data_sha256=corpus_hash(texts, labels),
        holdout_macro_f1=candidate_f1,
        holdout_accuracy=round(float(accuracy_score(y_test, predicted)), 4),
        trained_on=str(labels_path),
    )
    promoted = current_f1 is None or candidate_f1 > current_f1
    if promoted:
        # The held-out score chose the model; the saved one learns from every labelled row.
        final = fit(texts, labels)
        card = load_model(save_model(final, card, out).parent)[1]
    return TrainResult(task, str(out), card, current_f1, promoted)


def predict_file(model_dir: Path, input_path: Path, text_column: str, output_path: Path) -> int:
    """Write the input rows with `label` and one `proba_<class>` column per class added."""
    pipeline, _ = load_model(model_dir)
    frame = read_table(input_path)
    if text_column not in frame.columns:
        raise LabelsError(
            f"{input_path}: no column {text_column!r}; columns: {', '.join(frame.columns)}"
        )
    texts = frame[text_column].cast(pl.String).fill_null("")
    labels, proba = predict(pipeline, texts)
    out = frame.with_columns(
        label=pl.Series(labels, dtype=pl.String),
        **{
            f"proba_{c}": pl.Series(proba[:, i], dtype=pl.Float64)
            for i, c in enumerate(pipeline.classes_)
        },
    )
    write_table(out, output_path)
    return out.height


def write_table(frame: pl.DataFrame, path: Path) -> None:
    """CSV, JSONL or Parquet, by file extension."""
    path.parent.mkdir(parents=True, exist_ok=True)
    name = path.name.lower()
    if name.endswith(".parquet"):
        frame.write_parquet(path)
    elif name.endswith((".jsonl", ".ndjson")):
        frame.write_ndjson(path)
    elif name.endswith(".csv"):
        frame.write_csv(path)
    else:
        raise LabelsError(f"{path}: unsupported file type (use .csv, .jsonl or .parquet)")


def describe(result: TrainResult) -> str:
    return json.dumps(asdict(result), indent=2)
