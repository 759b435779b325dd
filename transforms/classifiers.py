"""Classifiers as the pipeline uses them: a prior, a trained linear model, or a blend of both.

    P(class | post) = w * prior(post) + (1 - w) * linear(post)

- w = 1: the out-of-the-box prior alone (sentiment: the lexicon; relevance: the brand rules).
- 0 < w < 1: the out-of-the-box intent model, a linear model trained on the project's generated
  corpus blended with the phrase rules, so it knows our sample's words and also real-world
  phrasing the generator never wrote.
- w = 0: a model trained on labels (the user's, or a prior's confident labels on the user's own
  stream: self-training).

Classes are always in sorted order, the order scikit-learn uses, so `proba[:, i]` is
`classes[i]` everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from transforms import priors, schema
from transforms.config import Brand
from transforms.model_registry import ModelCard
from transforms.text_features import Features, featurize
from transforms.text_model import LinearTextModel

TASK_CLASSES = {
    "sentiment": sorted(schema.SENTIMENT_LABELS),
    "intent": sorted(schema.INTENT_LABELS),
    "relevance": ["irrelevant", "relevant"],
}
TASKS = tuple(TASK_CLASSES)


@dataclass
class Classifier:
    task: str
    parts: dict[str, Any]  # prior_weight (float) and linear (LinearTextModel parts, or absent)
    card: ModelCard | None = None
    brands: list[Brand] | None = None  # the relevance prior's brand rules

    @property
    def classes(self) -> list[str]:
        return TASK_CLASSES[self.task]

    @property
    def prior_weight(self) -> float:
        return float(self.parts.get("prior_weight", 0.0))

    def predict_proba(self, texts: pl.Series, features: Features | None = None) -> np.ndarray:
        features = featurize(texts) if features is None else features
        proba = np.zeros((len(texts), len(self.classes)))
        weight = self.prior_weight
        if weight > 0:
            proba += weight * self.prior_proba(texts, features)
        if "linear" in self.parts and weight < 1:
            linear = LinearTextModel(self.parts["linear"])
            proba += (1 - weight) * align(linear.predict_proba(features), linear.classes, self)
        return proba

    def predict(
        self, texts: pl.Series, features: Features | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Labels (the most likely class) and the probability matrix."""
        proba = self.predict_proba(texts, features)
        if len(texts) == 0:
            return np.array([], dtype=object), proba
        return np.array(self.classes, dtype=object)[proba.argmax(axis=1)], proba

    def prior_proba(self, texts: pl.Series, features: Features) -> np.ndarray:
        if self.task == "sentiment":
            raw, order = priors.sentiment_prior(features), list(schema.SENTIMENT_LABELS)
        elif self.task == "intent":
            raw, order = priors.intent_prior(texts, features), list(schema.INTENT_LABELS)
        else:
            if not self.brands:
                raise ValueError("the relevance prior needs the configured brands")
            raw, order = priors.relevance_prior(texts, self.brands), ["irrelevant", "relevant"]
        return raw[:, [order.index(c) for c in self.classes]]


def align(proba: np.ndarray, columns: list[str], classifier: Classifier) -> np.ndarray:
    """Reorder (and zero-fill) a model's probability columns to the task's class order."""
    out = np.zeros((proba.shape[0], len(classifier.classes)))
    for i, label in enumerate(columns):
        out[:, classifier.classes.index(label)] = proba[:, i]
    return out


def prior_classifier(task: str, brands: list[Brand] | None = None) -> Classifier:
    return Classifier(task, {"prior_weight": 1.0}, brands=brands)
