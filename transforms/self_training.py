"""Self-training: a teacher's most confident labels on the user's own posts train a student.

The teacher is the out-of-the-box model (the lexicon or rule prior). On the stream it labels only
the posts it is sure of (seeds): for sentiment, clear lexicon polarity for positive and negative
and no opinion words at all for neutral. The student is a linear model over the posts' n-grams
only, not the lexicon scores: given those it would just relearn the teacher's own rule (the
seeds are separated by the compound score), while from the words alone it learns what goes with
each label in this stream ("outage", "on hold", "finally fixed"), words the lexicon never rated.
The self-trained model then blends student and prior half and half (STUDENT_PRIOR_WEIGHT): two
views of a post, each right where the other has nothing to go on.

One round: on the real sets a second round of relabel-and-retrain added nothing (docs/accuracy.md).

The student keeps temperature 1: blended with the calibrated prior, the pair's probabilities are
measured in `make eval` (calibration error beside each score). The card reports how well the
student agrees with the teacher on held-out seeds: an agreement figure, not an accuracy, which
only labelled rows can give.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.metrics import accuracy_score, f1_score

from transforms.classifiers import Classifier
from transforms.text_features import Features, featurize
from transforms.text_model import NOISY_LABEL_C, LinearTextModel, fit_linear

# Sentiment seeds: |compound| at least this is polar; below NEUTRAL_SEED_BAND, no opinion at all.
POLAR_SEED_BAND = 0.5
NEUTRAL_SEED_BAND = 0.05
# Other tasks: the teacher's most confident share of posts of each predicted class.
SEED_SHARE = 0.5
MIN_SEEDS_PER_CLASS = 20
HOLDOUT_EVERY = 5  # every fifth seed is held out for the agreement figure
STUDENT_PRIOR_WEIGHT = 0.5


class TooFewSeeds(ValueError):
    """The stream has too few posts the teacher is sure of to train a student."""


@dataclass(frozen=True)
class SelfTrained:
    linear: LinearTextModel
    seeds: int
    holdout_rows: int
    agreement_macro_f1: float
    agreement_accuracy: float
    seed_texts: list[str]
    seed_labels: list[str]
    task: str = "sentiment"

    def classifier(self) -> Classifier:
        """The self-trained model: the student blended with the task's prior."""
        return Classifier(
            self.task, {"prior_weight": STUDENT_PRIOR_WEIGHT, "linear": self.linear.parts}
        )


def sentiment_seeds(features: Features) -> np.ndarray:
    """Seed label per post ('' where the lexicon is not sure)."""
    compound = features.compound
    seeds = np.full(len(compound), "", dtype=object)
    seeds[compound >= POLAR_SEED_BAND] = "positive"
    seeds[compound <= -POLAR_SEED_BAND] = "negative"
    seeds[np.abs(compound) < NEUTRAL_SEED_BAND] = "neutral"
    return seeds


def confident_seeds(proba: np.ndarray, classes: list[str]) -> np.ndarray:
    """The teacher's label for the most confident SEED_SHARE of each predicted class."""
    predicted = proba.argmax(axis=1)
    confidence = proba.max(axis=1)
    seeds = np.full(len(predicted), "", dtype=object)
    for index, label in enumerate(classes):
        mine = predicted == index
        if mine.any():
            cut = np.quantile(confidence[mine], 1 - SEED_SHARE)
            seeds[mine & (confidence >= cut)] = label
    return seeds


def self_train(
    teacher: Classifier, texts: pl.Series, features: Features | None = None
) -> SelfTrained:
    """Fit a student on the teacher's seeds among `texts` (the user's posts, no labels)."""
    features = featurize(texts) if features is None else features
    if teacher.task == "sentiment" and teacher.prior_weight == 1:
        seeds = sentiment_seeds(features)
    else:
        seeds = confident_seeds(teacher.predict_proba(texts, features), teacher.classes)
    labelled = np.flatnonzero(seeds != "")
    counts = {label: int((seeds == label).sum()) for label in teacher.classes}
    if len([n for n in counts.values() if n >= MIN_SEEDS_PER_CLASS]) < 2:
        raise TooFewSeeds(
            f"{teacher.task}: the teacher is sure of too few posts to self-train "
            f"({', '.join(f'{k} {v}' for k, v in counts.items())}; need {MIN_SEEDS_PER_CLASS} "
            "of at least two classes)"
        )
    held = labelled[::HOLDOUT_EVERY]
    train = np.setdiff1d(labelled, held)
    student = fit_linear(
        subset(features, train), seeds[train].astype(str), c=NOISY_LABEL_C, lexicon_weight=0.0
    )
    agreed = np.array(student.classes)[student.logits(subset(features, held)).argmax(axis=1)]
    return SelfTrained(
        linear=student,
        seeds=len(train),
        holdout_rows=len(held),
        agreement_macro_f1=round(float(f1_score(seeds[held], agreed, average="macro")), 4),
        agreement_accuracy=round(float(accuracy_score(seeds[held], agreed)), 4),
        seed_texts=texts.gather(train).to_list(),
        seed_labels=seeds[train].astype(str).tolist(),
        task=teacher.task,
    )


def subset(features: Features, rows: np.ndarray) -> Features:
    return features.subset(rows)
