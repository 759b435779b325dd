"""Score a classifier on a labelled file: macro-F1, accuracy, per-class precision/recall/F1 and the
confusion matrix, as JSON. `--model default` means the out-of-the-box model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from transforms import zones
from transforms.classify import ensure_default_models, load_model, predict
from transforms.config import Config


def read_table(path: Path) -> pl.DataFrame:
    """CSV, JSONL or Parquet, by file extension."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        return pl.read_parquet(path)
    if name.endswith((".jsonl", ".ndjson")):
        return pl.read_ndjson(path)
    if name.endswith(".csv"):
        return pl.read_csv(path, infer_schema=False)
    raise ValueError(f"{path}: unsupported file type (use .csv, .jsonl or .parquet)")


def metrics(truth: list[str], predicted: list[str], labels: list[str]) -> dict[str, Any]:
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    return {
        "rows": len(truth),
        "macro_f1": round(float(f1_score(truth, predicted, labels=labels, average="macro")), 4),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "per_class": {
            label: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion_matrix": {
            "labels": labels,
            "rows_truth_columns_predicted": confusion_matrix(
                truth, predicted, labels=labels
            ).tolist(),
        },
    }


def evaluate_file(
    config: Config,
    model: str,
    labels_path: Path,
    text_column: str,
    label_column: str,
    task: str = "sentiment",
) -> dict[str, Any]:
    if model == "default":
        ensure_default_models(config)
        directory = zones.models_dir(config) / task
    else:
        directory = Path(model)
    pipeline, card = load_model(directory)
    frame = read_table(labels_path)
    for column in (text_column, label_column):
        if column not in frame.columns:
            raise ValueError(f"{labels_path}: no column {column!r} (has {frame.columns})")
    frame = frame.drop_nulls([text_column, label_column])
    predicted, _ = predict(pipeline, frame[text_column].cast(pl.String))
    labels = [str(c) for c in pipeline.classes_]
    result = metrics(frame[label_column].cast(pl.String).to_list(), list(predicted), labels)
    return {"model": str(directory), "version": card.version, **result}
