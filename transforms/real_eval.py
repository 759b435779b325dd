"""`make eval`: Listener's classifiers on real, human-labelled posts, next to common baselines.

Reads the sets in `../shared/data/` (never copied into the repository, never needed at run time)
and prints one JSON object per measurement, then a summary table. For each sentiment set:

- baselines: VADER (compound >= 0.05 positive, <= -0.05 negative) and TextBlob (polarity sign);
- out of the box, no labels: Listener's default model, and the default after self-training on
  the set's own texts (labels unused), cross-fitted: a student trained on one half's texts
  labels the other half, so no post is scored by a model that trained on it;
- with labels, on a labelled split: a plain TF-IDF + logistic regression (scikit-learn defaults,
  and with balanced class weights) against Listener's supervised model, trained on the same rows
  and scored on the same held-out rows (TweetEval: train on its validation split, score on test;
  the others: a stratified half each).

Intent is scored on the complaints corpus (complaint vs not), brand relevance and language on
Sanders, whose "irrelevant" rows are posts not about the brand or not in English.

    python -m transforms.real_eval [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import train_test_split

from transforms import schema
from transforms.classifiers import Classifier, prior_classifier
from transforms.config import PROJECT_ROOT, Brand, load_config
from transforms.self_training import self_train, subset
from transforms.text_features import featurize
from transforms.text_model import expected_calibration_error, fit_linear

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
SANDERS_BRANDS = PROJECT_ROOT / "config" / "eval" / "sanders_brands.yml"
SENTIMENT140_LABELS = {"0": "negative", "2": "neutral", "4": "positive"}
SEED = 0


def sentiment_sets(root: Path = SHARED_DATA) -> dict[str, pl.DataFrame]:
    """text + label (negative/neutral/positive) for each real sentiment set that is present."""
    sets: dict[str, pl.DataFrame] = {}
    tweeteval = root / "tweeteval_sentiment"
    if (tweeteval / "tweeteval_sentiment_test.csv").exists():
        sets["tweeteval_test"] = pl.read_csv(tweeteval / "tweeteval_sentiment_test.csv").select(
            "text", "label"
        )
    sanders = root / "sanders_brand_sentiment" / "sanders_full_corpus.csv"
    if sanders.exists():
        frame = pl.read_csv(sanders).filter(pl.col("Sentiment") != "irrelevant")
        sets["sanders_relevant"] = frame.select(text="TweetText", label="Sentiment")
    s140 = root / "sentiment140_test" / "testdata.manual.2009.06.14.csv"
    if s140.exists():
        frame = pl.read_csv(s140, has_header=False, infer_schema=False, encoding="utf8-lossy")
        sets["sentiment140_test"] = frame.select(
            text=pl.col("column_5"), label=pl.col("column_0").replace_strict(SENTIMENT140_LABELS)
        )
    return sets


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    return round(float(f1_score(truth, predicted, average="macro")), 4)


def paired_bootstrap(
    truth: np.ndarray, ours: np.ndarray, theirs: np.ndarray, rounds: int = 1000
) -> dict[str, float]:
    """Macro-F1 difference (ours - theirs) with a 95% interval over resampled rows."""
    rng = np.random.default_rng(SEED)
    differences = []
    for _ in range(rounds):
        rows = rng.integers(0, len(truth), len(truth))
        differences.append(
            f1_score(truth[rows], ours[rows], average="macro")
            - f1_score(truth[rows], theirs[rows], average="macro")
        )
    low, high = np.percentile(differences, [2.5, 97.5])
    return {"difference": round(macro_f1(truth, ours) - macro_f1(truth, theirs), 4),
            "ci95_low": round(float(low), 4), "ci95_high": round(float(high), 4)}  # fmt: skip


def vader_labels(texts: list[str]) -> np.ndarray:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    compound = np.array([analyzer.polarity_scores(t)["compound"] for t in texts])
    return np.where(
        compound >= 0.05, "positive", np.where(compound <= -0.05, "negative", "neutral")
    )


def textblob_labels(texts: list[str]) -> np.ndarray:
    from textblob import TextBlob

    polarity = np.array([TextBlob(t).sentiment.polarity for t in texts])
    return np.where(polarity > 0, "positive", np.where(polarity < 0, "negative", "neutral"))


def plain_tfidf(
    train_texts: list[str], train_labels: np.ndarray, test_texts: list[str], balanced: bool
) -> np.ndarray:
    """The usual baseline: TfidfVectorizer word 1-2 grams + LogisticRegression."""
    vectorizer = TfidfVectorizer(ngram_range=(1, 2))
    model = LogisticRegression(max_iter=2000, class_weight="balanced" if balanced else None)
    model.fit(vectorizer.fit_transform(train_texts), train_labels)
    return model.predict(vectorizer.transform(test_texts))


def cross_fit_self_training(teacher: Classifier, texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Labels and probabilities from students that never saw the post they score."""
    features = featurize(texts)
    halves = np.arange(len(texts)) % 2
    labels = np.empty(len(texts), dtype=object)
    proba = np.zeros((len(texts), len(teacher.classes)))
    for half in (0, 1):
        train, score = np.flatnonzero(halves != half), np.flatnonzero(halves == half)
        student = self_train(teacher, texts.gather(train), subset(features, train))
        classifier = student.classifier()
        labels[score], proba[score] = classifier.predict(
            texts.gather(score), subset(features, score)
        )
    return labels, proba


def supervised(
    task: str, train: pl.DataFrame, test: pl.DataFrame
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    model = fit_linear(featurize(train["text"]), train["label"].to_numpy().astype(str))
    classifier = Classifier(task, {"prior_weight": 0.0, "linear": model.parts})
    labels, proba = classifier.predict(test["text"])
    return labels, proba, classifier.classes


def labelled_split(name: str, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    if name == "tweeteval_test":
        validation = SHARED_DATA / "tweeteval_sentiment" / "tweeteval_sentiment_val.csv"
        return pl.read_csv(validation).select("text", "label"), frame
    rows = np.arange(frame.height)
    train, test = train_test_split(
        rows, test_size=0.5, random_state=SEED, stratify=frame["label"].to_numpy()
    )
    return frame[train], frame[test]


def sentiment_report(name: str, frame: pl.DataFrame) -> dict[str, Any]:
    texts, truth = frame["text"], frame["label"].to_numpy()
    listed = texts.to_list()
    default = prior_classifier("sentiment")
    started = time.perf_counter()
    default_labels, default_proba = default.predict(texts)
    seconds = time.perf_counter() - started
    self_labels, self_proba = cross_fit_self_training(default, texts)
    classes = default.classes
    vader = vader_labels(listed)
    report: dict[str, Any] = {
        "set": name,
        "rows": frame.height,
        "out_of_the_box": {
            "vader": macro_f1(truth, vader),
            "textblob": macro_f1(truth, textblob_labels(listed)),
            "listener_default": macro_f1(truth, default_labels),
            "listener_self_trained": macro_f1(truth, self_labels),
        },
        "default_minus_vader": paired_bootstrap(truth, default_labels.astype(str), vader),
        "self_trained_minus_vader": paired_bootstrap(truth, self_labels.astype(str), vader),
        "calibration_error": {
            "listener_default": expected_calibration_error(default_proba, truth, classes),
            "listener_self_trained": expected_calibration_error(self_proba, truth, classes),
        },
        "default_posts_per_second": round(frame.height / seconds),
    }
    train, test = labelled_split(name, frame)
    test_truth = test["label"].to_numpy()
    train_texts, train_labels = train["text"].to_list(), train["label"].to_numpy()
    labels, proba, classes = supervised("sentiment", train, test)
    report["with_labels"] = {
        "train_rows": train.height,
        "test_rows": test.height,
        "plain_tfidf_lr": macro_f1(
            test_truth, plain_tfidf(train_texts, train_labels, test["text"].to_list(), False)
        ),
        "plain_tfidf_lr_balanced": macro_f1(
            test_truth, plain_tfidf(train_texts, train_labels, test["text"].to_list(), True)
        ),
        "listener_supervised": macro_f1(test_truth, labels),
        "listener_supervised_calibration_error": expected_calibration_error(
            proba, test_truth, classes
        ),
    }
    return report


def binary_scores(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    precision, recall, f1, _ = precision_recall_fscore_support(
        truth, predicted, average="binary", zero_division=0
    )
    return {"precision": round(float(precision), 4), "recall": round(float(recall), 4),
            "f1": round(float(f1), 4)}  # fmt: skip


def complaint_report(root: Path = SHARED_DATA) -> dict[str, Any] | None:
    """Complaint detection (intent == complaint) on the complaints corpus."""
    path = root / "complaints_2019" / "complaints.csv"
    if not path.exists():
        return None
    frame = pl.read_csv(path)
    texts, truth = frame["text"], frame["is_complaint"].to_numpy() == 1
    config = load_config()
    from transforms.classify import default_models

    parts, card = default_models(config)["intent"]
    default = Classifier("intent", parts, card)
    default_labels, _ = default.predict(texts)
    self_labels, _ = cross_fit_self_training(default, texts)
    vader_negative = vader_labels(texts.to_list()) == "negative"
    is_complaint = pl.col("is_complaint") == 1
    binary = frame.select(
        "text", label=pl.when(is_complaint).then(pl.lit("relevant")).otherwise(pl.lit("irrelevant"))
    )
    rows = np.arange(frame.height)
    train, test = train_test_split(rows, test_size=0.5, random_state=SEED, stratify=truth)
    test_truth = truth[test]
    # Binary with labels: Listener's linear model (relevance task's two classes as yes/no).
    labels, _, _ = supervised("relevance", binary[train], binary[test])
    plain = plain_tfidf(binary[train]["text"].to_list(), binary[train]["label"].to_numpy(),
                        binary[test]["text"].to_list(), True)  # fmt: skip
    return {
        "set": "complaints_2019",
        "rows": frame.height,
        "complaint_rate": round(float(truth.mean()), 4),
        "out_of_the_box": {
            "vader_negative_as_complaint": binary_scores(truth, vader_negative),
            "listener_default_intent": binary_scores(truth, default_labels == "complaint"),
            "listener_self_trained_intent": binary_scores(truth, self_labels == "complaint"),
        },
        "with_labels": {
            "train_rows": len(train),
            "test_rows": len(test),
            "plain_tfidf_lr_balanced": binary_scores(test_truth, plain == "relevant"),
            "listener_supervised": binary_scores(test_truth, labels == "relevant"),
        },
    }


def sanders_brands() -> list[Brand]:
    spec = yaml.safe_load(SANDERS_BRANDS.read_text())
    return [Brand(**spec["tracked"]), *(Brand(**b) for b in spec["competitors"])]


def relevance_report(root: Path = SHARED_DATA) -> dict[str, Any] | None:
    """Is the post about its topic brand, and in English? Sanders labels both as `irrelevant`."""
    path = root / "sanders_brand_sentiment" / "sanders_full_corpus.csv"
    if not path.exists():
        return None
    from transforms.classify import relevance_of_matches
    from transforms.clean import clean_posts

    frame = pl.read_csv(path)
    brands = sanders_brands()
    posts, matches = clean_posts(_raw_posts(frame["TweetText"]), brands)
    scored = relevance_of_matches(matches, posts, prior_classifier("relevance", brands))
    # Cleaning sorts posts by time; join back on the ids given in _raw_posts (eval:<row>).
    topic = pl.DataFrame({"post_id": [f"eval:{i}" for i in range(frame.height)],
                          "brand": frame["Topic"]})  # fmt: skip
    joined = topic.join(
        scored.group_by("post_id", "brand").agg(pl.col("is_relevant").any()),
        on=["post_id", "brand"],
        how="left",
        maintain_order="left",
    ).join(posts.select("post_id", "is_english"), on="post_id", how="left", maintain_order="left")
    english = joined["is_english"].to_numpy()
    about_brand = joined["is_relevant"].fill_null(False).to_numpy()
    truth_relevant = (frame["Sentiment"] != "irrelevant").to_numpy()
    return {
        "set": "sanders_full_corpus",
        "rows": frame.height,
        "irrelevant_rows": int((~truth_relevant).sum()),
        "relevant_class": {
            "language_only": binary_scores(truth_relevant, english),
            "brand_rules_only": binary_scores(truth_relevant, about_brand),
            "listener (english and about the brand)": binary_scores(
                truth_relevant, english & about_brand
            ),
        },
        "irrelevant_class": {
            "listener": binary_scores(~truth_relevant, ~(english & about_brand)),
        },
    }


def _raw_posts(texts: pl.Series) -> pl.DataFrame:
    """Texts as raw posts (no platform metadata), for running the cleaning step on them."""
    n = len(texts)
    values: dict[str, Any] = {name: [None] * n for name in schema.RAW_POST}
    values.update(post_id=[f"eval:{i}" for i in range(n)], platform=["x"] * n, text=texts)
    return pl.DataFrame(values, schema=schema.RAW_POST)


def summary_table(reports: list[dict[str, Any]]) -> str:
    lines = [
        "set | rows | VADER | TextBlob | Listener default | Listener self-trained | "
        "plain TF-IDF+LR (labels) | Listener supervised (labels)",
        "--- | ---: | ---: | ---: | ---: | ---: | ---: | ---:",
    ]
    for r in reports:
        if "out_of_the_box" not in r or "vader" not in r["out_of_the_box"]:
            continue
        o, w = r["out_of_the_box"], r["with_labels"]
        lines.append(
            f"{r['set']} | {r['rows']:,} | {o['vader']} | {o['textblob']} | "
            f"{o['listener_default']} | {o['listener_self_trained']} | "
            f"{max(w['plain_tfidf_lr'], w['plain_tfidf_lr_balanced'])} | "
            f"{w['listener_supervised']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)
    sets = sentiment_sets()
    if not sets:
        print(f"no evaluation data found under {SHARED_DATA}; nothing to report")
        return 0
    reports: list[dict[str, Any]] = []
    for name, frame in sets.items():
        reports.append(sentiment_report(name, frame))
        print(json.dumps(reports[-1]), flush=True)
    for extra in (complaint_report(), relevance_report()):
        if extra is not None:
            reports.append(extra)
            print(json.dumps(extra), flush=True)
    print("\nsentiment macro-F1\n" + summary_table(reports))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(reports, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
