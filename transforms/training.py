"""`listener train` and `listener predict`: models from a user's labels or from their own stream.

A model directory is a registry (transforms/model_registry.py). Training makes a candidate and
scores it and the model in use on the same held-out rows; the candidate becomes current only if
its macro-F1 is higher, so a worse batch of labels never silently degrades what the pipeline uses.
A candidate that loses is still registered (not current), so its scores stay on record.

- Supervised (`--labels FILE`): the held-out rows are a stratified fifth of the labelled file.
- Self-trained (`--self-train`): the student learns from the prior's confident labels on the
  posts in the clean zone. It is judged on `--labels FILE` when given, else on the project's
  generated labelled corpus (the only labels there are out of the box). Relevance has no
  generated labels, so a self-trained relevance model needs `--labels` to be promoted.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from transforms import zones
from transforms.classifiers import TASK_CLASSES, Classifier, prior_classifier
from transforms.classify import DEFAULT_CORPUS_SEED, load_classifier
from transforms.config import Config
from transforms.errors import ListenerError
from transforms.model_registry import ModelCard, labels_hash, save_version
from transforms.self_training import TooFewSeeds, self_train, subset
from transforms.tables import read_table, write_table
from transforms.text_features import featurize
from transforms.text_model import fit_linear, fit_temperature

HOLDOUT_SHARE = 0.2
MIN_ROWS_PER_LABEL = 5
REFERENCE_CORPUS_SIZE = 5_000
REFERENCE_CORPUS_SEED = DEFAULT_CORPUS_SEED + 1  # not the rows the default intent model saw


class LabelsError(ListenerError):
    """A labelled file that cannot train a model: missing columns, unknown or too few labels."""


@dataclass(frozen=True)
class TrainResult:
    task: str
    directory: str
    candidate: ModelCard
    current_macro_f1: float | None  # the model in use, on the same held-out rows
    promoted: bool
    reason: str


def read_labels(path: Path, text_column: str, label_column: str, task: str) -> pl.DataFrame:
    """Text and label columns of a labelled file, checked; rows missing either are skipped."""
    frame = read_table(path)
    missing = [c for c in (text_column, label_column) if c not in frame.columns]
    if missing:
        raise LabelsError(f"{path}: no column {missing[0]!r}; columns: {', '.join(frame.columns)}")
    frame = frame.select(
        text=pl.col(text_column).cast(pl.String),
        label=pl.col(label_column).cast(pl.String).str.strip_chars().str.to_lowercase(),
    ).filter(pl.col("text").is_not_null() & (pl.col("label").fill_null("") != ""))
    allowed = set(TASK_CLASSES[task])
    unknown = sorted(set(frame["label"]) - allowed)
    if unknown:
        raise LabelsError(
            f"{path}: labels {unknown} are not {task} labels ({', '.join(sorted(allowed))})"
        )
    counts = frame["label"].value_counts()
    if counts.height < 2 or counts["count"].min() < MIN_ROWS_PER_LABEL:
        raise LabelsError(
            f"{path}: need at least two labels with {MIN_ROWS_PER_LABEL} rows each; got "
            + ", ".join(f"{label} {n}" for label, n in counts.sort("label").iter_rows())
        )
    return frame


def macro_f1(truth: list[str] | np.ndarray, predicted: list[str] | np.ndarray) -> float:
    return round(float(f1_score(truth, predicted, average="macro")), 4)


def current_or_default(out: Path, task: str, config: Config) -> Classifier | None:
    """The model in use in `out`; for the pipeline's own registry, the out-of-the-box one."""
    if (out / "CURRENT").exists():
        current = load_classifier(out, config)
        if current.task != task:
            raise LabelsError(f"{out} holds a {current.task} model, not {task}")
        return current
    return None


def train_supervised(
    task: str, frame: pl.DataFrame, out: Path, config: Config, source: str
) -> TrainResult:
    """Fit on four fifths of the labelled rows, judge on the last fifth, promote if better."""
    texts, labels = frame["text"], frame["label"].to_numpy().astype(str)
    features = featurize(texts)
    rows = np.arange(len(labels))
    train, held = train_test_split(rows, test_size=HOLDOUT_SHARE, random_state=0, stratify=labels)
    candidate = fit_linear(subset(features, train), labels[train])
    logits = candidate.logits(subset(features, held))
    temperature = fit_temperature(logits, labels[held], candidate.classes)
    candidate.parts["temperature"] = temperature
    predicted = np.array(candidate.classes)[logits.argmax(axis=1)]
    card = ModelCard(
        task=task,
        version="",
        method="supervised",
        classes=TASK_CLASSES[task],
        training_rows=len(labels),
        training_data_sha256=labels_hash(texts.to_list(), labels.tolist()),
        holdout_rows=len(held),
        holdout_macro_f1=macro_f1(labels[held], predicted),
        holdout_accuracy=round(float(accuracy_score(labels[held], predicted)), 4),
        evaluated_on=f"held-out fifth of {source}",
        trained_on=source,
    )
    current = current_or_default(out, task, config)
    current_f1 = None
    if current is not None:
        current_predicted, _ = current.predict(texts.gather(held), subset(features, held))
        current_f1 = macro_f1(labels[held], current_predicted)
    promoted = current_f1 is None or card.holdout_macro_f1 > current_f1
    if promoted:
        # The held-out rows chose the model; the saved one learns from every labelled row.
        final = fit_linear(features, labels)
        final.parts["temperature"] = temperature
        parts = {"prior_weight": 0.0, "linear": final.parts}
    else:
        parts = {"prior_weight": 0.0, "linear": candidate.parts}
    saved = save_version(out, parts, card, current=promoted)
    reason = _reason(promoted, card.holdout_macro_f1, current_f1, "the same held-out rows")
    return TrainResult(task, str(out), _saved_card(saved), current_f1, promoted, reason)


def stream_texts(config: Config, task: str) -> pl.Series:
    """English posts in the clean zone that count as voice: the stream a student learns from."""
    files = sorted((config.data_dir / "clean").glob("day=*/posts.parquet"))
    if not files:
        raise LabelsError(f"no clean posts under {config.data_dir / 'clean'}; run the pipeline")
    posts = pl.scan_parquet(files).filter(
        pl.col("is_english").fill_null(False) & pl.col("exclusion_reason").is_null()
    )
    return posts.select("text_clean").collect()["text_clean"]


def train_self(
    task: str, out: Path, config: Config, judge: pl.DataFrame | None, judge_name: str
) -> TrainResult:
    """Self-train on the clean zone's posts; judge on labels if given, else generated posts."""
    if task == "relevance":
        raise LabelsError(
            "relevance learns from labelled matches: run `listener label-queue --task relevance`, "
            "label the file, then `listener train relevance --labels FILE ...`"
        )
    texts = stream_texts(config, task)
    teacher = prior_classifier(task, config.brands.all)
    try:
        result = self_train(teacher, texts)
    except TooFewSeeds as exc:
        raise LabelsError(str(exc)) from None
    if judge is None:
        judge, judge_name = reference_labels(config, task), "generated corpus (synthetic)"
    candidate = result.classifier()
    judge_features = featurize(judge["text"])
    truth = judge["label"].to_numpy().astype(str)
    candidate_f1 = macro_f1(truth, candidate.predict(judge["text"], judge_features)[0])
    current = current_or_default(out, task, config)
    current_f1 = None
    if current is not None:
        current_f1 = macro_f1(truth, current.predict(judge["text"], judge_features)[0])
    card = ModelCard(
        task=task,
        version="",
        method="self_trained",
        classes=TASK_CLASSES[task],
        training_rows=result.seeds,
        training_data_sha256=labels_hash(result.seed_texts, result.seed_labels),
        holdout_rows=len(truth),
        holdout_macro_f1=candidate_f1,
        holdout_accuracy=None,
        evaluated_on=judge_name,
        trained_on=f"prior's confident labels on {len(texts):,} posts of the clean zone",
    )
    promoted = current_f1 is None or candidate_f1 > current_f1
    saved = save_version(out, candidate.parts, card, current=promoted)
    reason = _reason(promoted, candidate_f1, current_f1, judge_name)
    return TrainResult(task, str(out), _saved_card(saved), current_f1, promoted, reason)


def reference_labels(config: Config, task: str) -> pl.DataFrame:
    """Generated posts with labels, the fallback judge when the user has no labels."""
    from transforms.generate import labelled_corpus

    corpus = labelled_corpus(REFERENCE_CORPUS_SIZE, REFERENCE_CORPUS_SEED, config)
    return corpus.select("text", label=task)


def _reason(promoted: bool, candidate: float | None, current: float | None, where: str) -> str:
    if current is None:
        return "no model in use: the candidate is now current"
    verdict = "beats" if promoted else "does not beat"
    return f"candidate macro-F1 {candidate} {verdict} the current {current} on {where}"


def _saved_card(version_dir: Path) -> ModelCard:
    from transforms.model_registry import read_card

    return read_card(version_dir)


def train_command(
    config: Config,
    task: str,
    out: Path | None,
    labels: Path | None,
    text_column: str | None,
    label_column: str | None,
    self_training: bool,
) -> TrainResult:
    """What `listener train` does with its flags."""
    out = out or zones.models_dir(config) / task
    frame = None
    if labels is not None:
        if not text_column or not label_column:
            raise LabelsError("--labels needs --text-column and --label-column")
        frame = read_labels(labels, text_column, label_column, task)
    if self_training:
        return train_self(task, out, config, frame, f"labelled file {labels}")
    if frame is None:
        raise LabelsError(
            "give --labels FILE (with --text-column and --label-column) or --self-train"
        )
    return train_supervised(task, frame, out, config, f"labelled file {labels}")


def predict_file(
    classifier: Classifier, input_path: Path, text_column: str, output_path: Path
) -> int:
    """Write the input rows with `label` and one `proba_<class>` column per class added."""
    frame = read_table(input_path)
    if text_column not in frame.columns:
        raise LabelsError(
            f"{input_path}: no column {text_column!r}; columns: {', '.join(frame.columns)}"
        )
    texts = frame[text_column].cast(pl.String).fill_null("")
    labels, proba = classifier.predict(texts)
    out = frame.with_columns(
        label=pl.Series(labels, dtype=pl.String),
        **{
            f"proba_{c}": pl.Series(proba[:, i], dtype=pl.Float64)
            for i, c in enumerate(classifier.classes)
        },
    )
    write_table(out, output_path)
    return out.height


def describe(result: TrainResult) -> str:
    return json.dumps(asdict(result), indent=2)
