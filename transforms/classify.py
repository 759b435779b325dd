"""Classify: sentiment (negative / neutral / positive) and intent for clean posts.

A first, honest model: TF-IDF over hashed word 1-2 grams and a multinomial logistic regression,
trained on a labelled corpus the project generates itself (no labels needed from the user). Text
normalization happens in Polars before vectorizing, so the saved scikit-learn pipeline holds no
custom Python and persists with skops. Posts not in English get sentiment `unknown` rather than a
guess. Accuracy on real, human-labelled posts is measured by `listener evaluate`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl
import skops.io as sio
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from transforms import schema, zones
from transforms.config import Config
from transforms.files import write_atomic_bytes, write_parquet_atomic

TASKS = ("sentiment", "intent")
DEFAULT_CORPUS_SIZE = 30_000
DEFAULT_CORPUS_SEED = 7
# skops refuses to load any type not listed here; the pipeline above needs none beyond skops'
# built-in scikit-learn/numpy defaults. Review before adding anything.
TRUSTED_TYPES: list[str] = []


@dataclass(frozen=True)
class ModelCard:
    task: str
    version: str
    classes: list[str]
    training_rows: int
    training_data_sha256: str
    holdout_macro_f1: float
    holdout_accuracy: float
    trained_on: str
    created_at: str = ""  # UTC, ISO-8601; set when the version is saved


def model_text(text: pl.Expr) -> pl.Expr:
    """What the model sees: lowercase, links and user handles replaced by placeholder tokens."""
    return (
        text.str.to_lowercase()
        .str.replace_all(r"https?://\S+", " xurl ")
        .str.replace_all(r"@\w+", " xuser ")
        .str.replace_all(r"\s+", " ")
    )


def build_pipeline() -> Pipeline:
    return Pipeline(
        [
            (
                "hash",
                HashingVectorizer(
                    ngram_range=(1, 2), n_features=2**18, alternate_sign=False, norm=None
                ),
            ),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
            ("model", LogisticRegression(C=4.0, max_iter=2000)),
        ]
    )


def corpus_hash(texts: list[str], labels: list[str]) -> str:
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(text.encode() + b"\t" + label.encode() + b"\n")
    return digest.hexdigest()


def train_model(texts: pl.Series, labels: pl.Series, task: str) -> tuple[Pipeline, ModelCard]:
    """Fit on 80% of the rows; the card reports macro-F1 on the held-out 20%."""
    x = pl.select(model_text(pl.lit(texts))).to_series().to_list()
    y = labels.to_list()
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=0, stratify=y
    )
    pipeline = build_pipeline().fit(x_train, y_train)
    predicted = pipeline.predict(x_test)
    card = ModelCard(
        task=task,
        version="",
        classes=[str(c) for c in pipeline.classes_],
        training_rows=len(x_train),
        training_data_sha256=corpus_hash(x_train, y_train),
        holdout_macro_f1=round(float(f1_score(y_test, predicted, average="macro")), 4),
        holdout_accuracy=round(float(accuracy_score(y_test, predicted)), 4),
        trained_on="generated corpus",
    )
    return pipeline, card


def save_model(pipeline: Pipeline, card: ModelCard, directory: Path) -> Path:
    """Write model.skops and model_card.json into a version folder named by the data hash."""
    version = card.training_data_sha256[:12]
    target = directory / version
    target.mkdir(parents=True, exist_ok=True)
    sio.dump(pipeline, target / "model.skops")
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    card = ModelCard(**{**asdict(card), "version": version, "created_at": created})
    write_atomic_bytes(json.dumps(asdict(card), indent=2).encode(), target / "model_card.json")
    write_atomic_bytes(version.encode(), directory / "CURRENT")
    return target


def load_model(directory: Path) -> tuple[Pipeline, ModelCard]:
    """Load the current version of a task's model, refusing unreviewed types."""
    version = (directory / "CURRENT").read_text().strip()
    path = directory / version / "model.skops"
    untrusted = sio.get_untrusted_types(file=path)
    unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unexpected:
        raise RuntimeError(f"{path} contains types not in the reviewed list: {unexpected}")
    pipeline = sio.load(path, trusted=TRUSTED_TYPES)
    card = ModelCard(**json.loads((directory / version / "model_card.json").read_text()))
    return pipeline, card


def registry_cards(config: Config) -> list[tuple[ModelCard, bool]]:
    """Every saved model version of every task, with whether it is the one in use."""
    cards = []
    for card_file in sorted(zones.models_dir(config).glob("*/*/model_card.json")):
        card = ModelCard(**json.loads(card_file.read_text()))
        current = card_file.parent.parent / "CURRENT"
        in_use = current.exists() and current.read_text().strip() == card.version
        cards.append((card, in_use))
    return cards


def ensure_default_models(config: Config) -> dict[str, ModelCard]:
    """Train the out-of-the-box models from the generated corpus when none is registered."""
    from transforms.generate import labelled_corpus

    cards = {}
    corpus = None
    for task in TASKS:
        directory = zones.models_dir(config) / task
        if (directory / "CURRENT").exists():
            cards[task] = load_model(directory)[1]
            continue
        if corpus is None:
            corpus = labelled_corpus(DEFAULT_CORPUS_SIZE, DEFAULT_CORPUS_SEED)
        pipeline, card = train_model(corpus["text"], corpus[task], task)
        save_model(pipeline, card, directory)
        cards[task] = load_model(directory)[1]
    return cards


def predict(pipeline: Pipeline, texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Class labels and the class-probability matrix for a batch of texts."""
    x = pl.select(model_text(pl.lit(texts))).to_series().to_list()
    if not x:
        return np.array([], dtype=object), np.zeros((0, len(pipeline.classes_)))
    proba = pipeline.predict_proba(x)
    return pipeline.classes_[proba.argmax(axis=1)], proba


def classify_posts(
    posts: pl.DataFrame, sentiment: Pipeline, intent: Pipeline, model_version: str
) -> pl.DataFrame:
    """Add sentiment (with class probabilities) and intent (with confidence) columns."""
    labels, proba = predict(sentiment, posts["text_clean"])
    intents, intent_proba = predict(intent, posts["text_clean"])
    column_of = {c: i for i, c in enumerate(sentiment.classes_)}
    out = posts.with_columns(
        sentiment=pl.Series(labels, dtype=pl.String),
        **{
            f"p_{label}": pl.Series(proba[:, column_of[label]], dtype=pl.Float64)
            for label in schema.SENTIMENT_LABELS
        },
        intent=pl.Series(intents, dtype=pl.String),
        intent_confidence=pl.Series(
            intent_proba.max(axis=1) if len(intents) else [], dtype=pl.Float64
        ),
        model_version=pl.lit(model_version),
    )
    # Unsupported language: keep the post for volume, but do not guess its sentiment.
    unknown = ~pl.col("is_english").fill_null(False)
    out = out.with_columns(
        sentiment=pl.when(unknown).then(pl.lit("unknown")).otherwise(pl.col("sentiment")),
        **{
            f"p_{label}": pl.when(unknown).then(None).otherwise(pl.col(f"p_{label}"))
            for label in schema.SENTIMENT_LABELS
        },
    )
    return out.select(list(schema.CLASSIFIED_POST)).cast(schema.CLASSIFIED_POST)


def classify_day(config: Config, day: dt.date) -> dict[str, int]:
    """Classify one day's clean posts into `clean/day=<d>/classified.parquet`."""
    cards = ensure_default_models(config)
    sentiment, _ = load_model(zones.models_dir(config) / "sentiment")
    intent, _ = load_model(zones.models_dir(config) / "intent")
    version = f"sentiment-{cards['sentiment'].version}+intent-{cards['intent'].version}"
    partition = zones.clean_partition(config, day)
    posts = pl.read_parquet(partition / "posts.parquet")
    classified = classify_posts(posts, sentiment, intent, version)
    write_parquet_atomic(classified, partition / "classified.parquet")
    counts = classified.group_by("sentiment").len().iter_rows()
    return {"posts": classified.height, **{f"sentiment_{s}": n for s, n in counts}}
