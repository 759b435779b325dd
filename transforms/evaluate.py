"""Score a classifier on a labelled file: macro-F1, accuracy, per-class precision/recall/F1, the
confusion matrix and the calibration error of its probabilities, as JSON.
`--model default` means the out-of-the-box model of the task."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from transforms.classifiers import Classifier
from transforms.errors import ListenerError
from transforms.tables import read_table
from transforms.text_model import expected_calibration_error


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


def evaluate_frame(classifier: Classifier, texts: pl.Series, truth: list[str]) -> dict[str, Any]:
    predicted, proba = classifier.predict(texts)
    result = metrics(truth, [str(p) for p in predicted], classifier.classes)
    result["expected_calibration_error"] = expected_calibration_error(
        proba, np.array(truth), classifier.classes
    )
    return result


def evaluate_file(
    classifier: Classifier, labels_path: Path, text_column: str, label_column: str
) -> dict[str, Any]:
    frame = read_table(labels_path)
    for column in (text_column, label_column):
        if column not in frame.columns:
            raise ListenerError(
                f"{labels_path}: no column {column!r}; columns: {', '.join(frame.columns)}"
            )
    frame = frame.select(
        text=pl.col(text_column).cast(pl.String),
        label=pl.col(label_column).cast(pl.String).str.strip_chars().str.to_lowercase(),
    ).drop_nulls()
    unknown = sorted(set(frame["label"]) - set(classifier.classes))
    if unknown:
        raise ListenerError(
            f"{labels_path}: labels {unknown} are not {classifier.task} labels "
            f"({', '.join(classifier.classes)})"
        )
    card = classifier.card
    return {
        "task": classifier.task,
        "version": card.version if card else None,
        "method": card.method if card else None,
        **evaluate_frame(classifier, frame["text"], frame["label"].to_list()),
    }
