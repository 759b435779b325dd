"""Classify: sentiment, intent and brand relevance for one day's clean posts.

Each task's model in use is read from the registry (transforms/model_registry.py). On a new
install there are none, and the out-of-the-box models are registered (transforms/classifiers.py):

- sentiment: the lexicon prior (transforms/priors.py);
- intent: a linear model trained on the project's generated corpus, blended with phrase rules;
- relevance: the brand rules (handle, hashtag, phrase, context, exclusion terms).

`listener train` replaces them with self-trained or supervised models, only when better.

Posts are featurized once per batch and every task reads the same features. Posts not in English
keep their volume but get sentiment and intent `unknown` instead of a guess. A brand match whose
relevance is below one half is kept with `is_relevant = false`; a post whose every match is
irrelevant gets the exclusion reason `irrelevant`.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.metrics import accuracy_score, f1_score

from transforms import schema, zones
from transforms.classifiers import TASKS, Classifier, prior_classifier
from transforms.config import Config
from transforms.files import ParquetSink, replace_file_atomic
from transforms.model_registry import (
    ModelCard,
    current_version_dir,
    labels_hash,
    load_version,
    read_card,
    save_version,
)
from transforms.parallel import ordered_map
from transforms.priors import RELEVANCE_BY_MATCH
from transforms.self_training import subset
from transforms.text_features import Features, featurize, hash_fingerprint
from transforms.text_model import NOISY_LABEL_C, fit_linear, fit_temperature

DEFAULT_CORPUS_SIZE = 30_000
DEFAULT_CORPUS_SEED = 7
DEFAULT_INTENT_PRIOR_WEIGHT = 0.5
BATCH_ROWS = 100_000  # posts featurized at a time: memory follows this, not the day's size
UNKNOWN = "unknown"
DEFAULT_METHODS = ("prior", "generated")  # what ensure_default_models may rebuild
GENERATED_EVAL = "held-out 20% of the generated corpus (synthetic; real data: make eval)"


def task_dir(config: Config, task: str) -> Path:
    return zones.models_dir(config) / task


def load_classifier(directory: Path, config: Config | None = None) -> Classifier:
    """The version in use in a model directory (brands from the config for relevance rules)."""
    parts, card = load_version(current_version_dir(directory))
    brands = config.brands.all if config is not None else None
    return Classifier(card.task, parts, card, brands)


def _holdout_split(n: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.arange(n)
    held = rows[rows % 5 == 0]
    return np.setdiff1d(rows, held), held


def default_models(config: Config) -> dict[str, tuple[dict, ModelCard]]:
    """Parts and cards of the out-of-the-box models, scored on held-out generated posts."""
    from transforms.generate import labelled_corpus

    corpus = labelled_corpus(DEFAULT_CORPUS_SIZE, DEFAULT_CORPUS_SEED, config)
    texts = corpus["text"]
    features = featurize(texts)
    train, held = _holdout_split(len(texts))
    out: dict[str, tuple[dict, ModelCard]] = {}
    for task in TASKS:
        if task == "relevance":  # no labelled corpus: the brand rules are the model
            parts = {"prior_weight": 1.0}
            card = _card(task, "prior", 0, "", None, "brand rules from the config")
            out[task] = (parts, card)
            continue
        labels = corpus[task].to_numpy()
        if task == "sentiment":
            parts = {"prior_weight": 1.0}
            method, rows, data_hash, trained_on = "prior", 0, "", "VADER lexicon and rules"
        else:
            linear = fit_linear(subset(features, train), labels[train].astype(str), c=NOISY_LABEL_C)
            logits = linear.logits(subset(features, held))
            linear.parts["temperature"] = fit_temperature(logits, labels[held], linear.classes)
            parts = {"prior_weight": DEFAULT_INTENT_PRIOR_WEIGHT, "linear": linear.parts}
            method, rows = "generated", len(train)
            data_hash = labels_hash(texts.gather(train).to_list(), labels[train].tolist())
            trained_on = f"generated corpus ({rows:,} posts) blended with phrase rules"
        classifier = Classifier(task, parts, brands=config.brands.all)
        predicted, _ = classifier.predict(texts.gather(held), subset(features, held))
        scores = (labels[held], predicted)
        card = _card(task, method, rows, data_hash, scores, trained_on)
        out[task] = (parts, card)
    return out


def _card(
    task: str,
    method: str,
    rows: int,
    data_hash: str,
    scores: tuple[np.ndarray, np.ndarray] | None,
    trained_on: str,
) -> ModelCard:
    truth, predicted = scores if scores is not None else (None, None)
    return ModelCard(
        task=task,
        version="",
        method=method,
        classes=prior_classifier(task).classes,
        training_rows=rows,
        training_data_sha256=data_hash,
        holdout_rows=0 if truth is None else len(truth),
        holdout_macro_f1=None
        if truth is None
        else round(float(f1_score(truth, predicted, average="macro")), 4),
        holdout_accuracy=None
        if truth is None
        else round(float(accuracy_score(truth, predicted)), 4),
        evaluated_on=GENERATED_EVAL if truth is not None else "not measured (no labels)",
        trained_on=trained_on,
    )


def ensure_default_models(config: Config) -> dict[str, ModelCard]:
    """Register the out-of-the-box model of every task that has no model in use, or whose
    out-of-the-box model was built with other features (after an upgrade). A model trained on
    the user's labels is never replaced here: loading it says how to retrain it."""
    stale = [t for t in TASKS if _needs_default(task_dir(config, t))]
    if stale:
        defaults = default_models(config)
        for task in stale:
            parts, card = defaults[task]
            save_version(task_dir(config, task), parts, card, current=True)
    return {t: load_classifier(task_dir(config, t), config).card for t in TASKS}


def _needs_default(directory: Path) -> bool:
    if not (directory / "CURRENT").exists():
        return True
    card = read_card(current_version_dir(directory))
    return card.method in DEFAULT_METHODS and card.feature_fingerprint != hash_fingerprint()


def current_classifiers(config: Config) -> dict[str, Classifier]:
    ensure_default_models(config)
    return {task: load_classifier(task_dir(config, task), config) for task in TASKS}


def model_version(classifiers: dict[str, Classifier]) -> str:
    return "+".join(f"{t}-{c.card.version if c.card else 'none'}" for t, c in classifiers.items())


def classify_batch(
    posts: pl.DataFrame, classifiers: dict[str, Classifier], version: str
) -> pl.DataFrame:
    """Sentiment (with class probabilities) and intent (with confidence) for a batch of posts."""
    english = posts["is_english"].fill_null(False).to_numpy()
    rows = np.flatnonzero(english)
    texts = posts["text_clean"].gather(rows)
    features = featurize(texts)
    sentiment = _labels_and_proba(classifiers["sentiment"], texts, features, len(posts), rows)
    intent = _labels_and_proba(classifiers["intent"], texts, features, len(posts), rows)
    columns = {
        "sentiment": pl.Series(sentiment[0], dtype=pl.String),
        **{
            f"p_{label}": pl.Series(sentiment[1][:, i], dtype=pl.Float64)
            for i, label in enumerate(classifiers["sentiment"].classes)
        },
        "intent": pl.Series(intent[0], dtype=pl.String),
        "intent_confidence": pl.Series(intent[1].max(axis=1), dtype=pl.Float64),
    }
    unknown = ~pl.col("is_english").fill_null(False)
    out = posts.with_columns(**columns, model_version=pl.lit(version)).with_columns(
        [
            pl.when(unknown).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("intent_confidence", *(f"p_{s}" for s in schema.SENTIMENT_LABELS))
        ]
    )
    return out.select(list(schema.CLASSIFICATION)).cast(schema.CLASSIFICATION)


def join_classifications(posts: pl.LazyFrame, classifications: pl.LazyFrame) -> pl.LazyFrame:
    """Clean posts with what classification added: the classified posts later stages read."""
    joined = posts.drop("exclusion_reason").join(
        classifications, on="post_id", how="inner", maintain_order="left"
    )
    return joined.select(list(schema.CLASSIFIED_POST))


def classified_day(config: Config, day: dt.date) -> pl.DataFrame:
    """One day's classified posts (clean posts joined with their classifications)."""
    return classified_day_lazy(config, day).collect()


def classified_day_lazy(config: Config, day: dt.date) -> pl.LazyFrame:
    partition = zones.clean_partition(config, day)
    return join_classifications(
        pl.scan_parquet(partition / "posts.parquet"),
        pl.scan_parquet(partition / "classifications.parquet"),
    )


def classified_days(config: Config) -> pl.LazyFrame:
    """Every classified day in the clean zone, lazily (label queue, training)."""
    root = config.data_dir / "clean"
    days = sorted(p.parent for p in root.glob("day=*/classifications.parquet"))
    return join_classifications(
        pl.scan_parquet([d / "posts.parquet" for d in days]),
        pl.scan_parquet([d / "classifications.parquet" for d in days]),
    )


def _labels_and_proba(
    classifier: Classifier, texts: pl.Series, features: Features, n: int, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Labels and probabilities for all n posts; rows not classified get `unknown` and NaN."""
    labels = np.full(n, UNKNOWN, dtype=object)
    proba = np.full((n, len(classifier.classes)), np.nan)
    if len(rows):
        labels[rows], proba[rows] = classifier.predict(texts, features)
    return labels, proba


def relevance_of_matches(
    matches: pl.DataFrame, posts: pl.DataFrame, relevance: Classifier
) -> pl.DataFrame:
    """Add p_relevant and is_relevant to brand matches. Only one-word alias matches ask the
    relevance model; the others are decided by how they matched (priors.RELEVANCE_BY_MATCH)."""
    by_way = pl.col("matched_by").replace_strict(
        RELEVANCE_BY_MATCH, default=0.5, return_dtype=pl.Float64
    )
    out = matches.with_columns(p_relevant=by_way)
    ambiguous = out.filter(pl.col("matched_by") == "alias")
    if ambiguous.height and relevance.prior_weight < 1:
        texts = ambiguous.join(
            posts.select("post_id", "text_clean"), on="post_id", how="left", maintain_order="left"
        )["text_clean"]
        _, proba = relevance.predict(texts.fill_null(""))
        scored = ambiguous.with_columns(
            p_relevant=pl.Series(proba[:, relevance.classes.index("relevant")])
        ).select("post_id", "brand", "matched_by", pl.col("p_relevant").alias("_model"))
        out = out.join(scored, on=["post_id", "brand", "matched_by"], how="left").with_columns(
            p_relevant=pl.coalesce("_model", "p_relevant")
        )
    out = out.with_columns(is_relevant=pl.col("p_relevant") >= 0.5)
    return out.select(list(schema.POST_BRAND)).cast(schema.POST_BRAND)


def mark_irrelevant(posts: pl.DataFrame, matches: pl.DataFrame) -> pl.DataFrame:
    """A post with brand matches, none of them relevant, gets exclusion_reason `irrelevant`."""
    relevant_any = matches.group_by("post_id").agg(_any=pl.col("is_relevant").any())
    return (
        posts.join(relevant_any, on="post_id", how="left", maintain_order="left")
        .with_columns(
            exclusion_reason=pl.when(
                pl.col("exclusion_reason").is_null() & (pl.col("_any") == False)  # noqa: E712
            )
            .then(pl.lit("irrelevant"))
            .otherwise(pl.col("exclusion_reason"))
        )
        .drop("_any")
    )


def classify_posts(
    posts: pl.DataFrame, matches: pl.DataFrame, classifiers: dict[str, Classifier]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Classified posts and relevance-scored brand matches of posts held in memory, in batches
    of BATCH_ROWS (tests, evaluation; the pipeline streams with classify_day)."""
    version = model_version(classifiers)
    if posts.height == 0:
        scored = relevance_of_matches(matches, posts, classifiers["relevance"])
        classified = classify_batch(posts, classifiers, version)
    else:
        outputs = list(
            ordered_map(
                lambda start: _classify_one(
                    posts.slice(start, BATCH_ROWS), matches.lazy(), classifiers, version
                ),
                range(0, posts.height, BATCH_ROWS),
            )
        )
        classified = pl.concat([o[0] for o in outputs])
        scored = pl.concat([o[1] for o in outputs])
    joined = join_classifications(posts.lazy(), classified.lazy()).collect()
    return joined, scored


def _classify_one(
    posts: pl.DataFrame, matches: pl.LazyFrame, classifiers: dict[str, Classifier], version: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One batch: relevance of its brand matches, then sentiment and intent of its posts."""
    mine = matches.join(posts.select("post_id").lazy(), on="post_id", how="semi").collect()
    scored = relevance_of_matches(mine, posts, classifiers["relevance"])
    return classify_batch(mark_irrelevant(posts, scored), classifiers, version), scored


def classify_day(config: Config, day: dt.date) -> dict[str, int]:
    """Classify one day's clean posts, streamed in batches, into `classifications.parquet` (what
    classification adds to each post) and `brands.parquet` (brand matches with relevance), both
    replaced atomically when the day is done. Only the columns it reads are read, and only what
    it adds is written: rewriting every post's text would cost a fifth of the stage."""
    classifiers = current_classifiers(config)
    partition = zones.clean_partition(config, day)
    source = partition / "posts.parquet"
    total = pl.scan_parquet(source).select(pl.len()).collect().item()
    matches = pl.scan_parquet(partition / "post_brands.parquet")
    version = model_version(classifiers)

    def one(start: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        posts = (
            pl.scan_parquet(source).select(schema.CLASSIFY_INPUT).slice(start, BATCH_ROWS).collect()
        )
        return _classify_one(posts, matches, classifiers, version)

    counts: dict[str, int] = {"posts": 0, "irrelevant_matches": 0}
    with tempfile.TemporaryDirectory(dir=partition, prefix=".classifying-") as tmp:
        posts_out = Path(tmp) / "classifications.parquet"
        brands_out = Path(tmp) / "brands.parquet"
        with (
            ParquetSink(posts_out, schema.CLASSIFICATION) as posts_sink,
            ParquetSink(brands_out, schema.POST_BRAND) as brands_sink,
        ):
            for classified, scored in ordered_map(one, range(0, total, BATCH_ROWS)):
                posts_sink.write(classified)
                brands_sink.write(scored)
                counts["posts"] += classified.height
                counts["irrelevant_matches"] += int((~scored["is_relevant"]).sum())
                for label, n in classified.group_by("sentiment").len().iter_rows():
                    counts[f"sentiment_{label}"] = counts.get(f"sentiment_{label}", 0) + n
        replace_file_atomic(posts_out, partition / "classifications.parquet")
        replace_file_atomic(brands_out, partition / "brands.parquet")
    return counts
