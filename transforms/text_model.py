"""A trained text classifier: hashed n-grams and lexicon scores into a logistic regression.

    features (transforms/text_features.py)
      ngrams  -> the hashed columns seen in training -> TF-IDF (sublinear tf)   \
      lexicon -> standardized, x LEXICON_WEIGHT -> logistic regression (class-balanced)
                                                  -> logits / temperature -> probabilities

Only the n-gram columns that occur in the training rows are kept (`columns`): a few thousand to a
few hundred thousand of the 2^20 hashed ones. Others carry no weight anyway, and fitting over the
full width is 40x slower (lbfgs updates every coefficient at every step).

The class weights are balanced because the rare classes (a complaint, a negative post) matter most
and macro-F1 rewards them. Probabilities are then calibrated with one temperature fitted on
held-out rows: it sharpens or softens them without changing which class wins.

Only scikit-learn objects, NumPy arrays and numbers are stored (`parts`), so a model persists with
skops without pickle, and nothing custom has to be trusted at load time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, sparse
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from transforms.text_features import Features

LEXICON_WEIGHT = 0.3  # lexicon block's scale next to the unit-length TF-IDF block
DEFAULT_C = 4.0  # inverse regularization for human labels
NOISY_LABEL_C = 1.0  # stronger regularization for machine (self-training) labels


@dataclass
class LinearTextModel:
    parts: dict[str, Any]  # columns, tfidf, scaler, classifier, temperature

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.parts["classifier"].classes_]

    def _matrix(self, features: Features) -> sparse.csr_matrix:
        kept = features.ngrams_in(self.parts["columns"])
        ngrams = self.parts["tfidf"].transform(kept)
        weight = self.parts.get("lexicon_weight", LEXICON_WEIGHT)
        scaled = self.parts["scaler"].transform(features.lexicon) * weight
        return sparse.hstack([ngrams, sparse.csr_matrix(scaled)], format="csr")

    def logits(self, features: Features) -> np.ndarray:
        """Class scores, computed from the fitted parameters directly: the same arithmetic as
        the scikit-learn transforms (sublinear tf, idf, l2 norm, standardization, linear layer),
        without building the stacked matrix (3x faster on large batches)."""
        tfidf, scaler, classifier = (self.parts[k] for k in ("tfidf", "scaler", "classifier"))
        kept = features.ngrams_in(self.parts["columns"])
        rows = np.repeat(np.arange(kept.shape[0]), np.diff(kept.indptr))
        values = (1.0 + np.log(kept.data)) * tfidf.idf_[kept.indices]
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=kept.shape[0]))
        ngrams = sparse.csr_matrix((values / norms[rows], kept.indices, kept.indptr), kept.shape)
        n_grams = kept.shape[1]
        coef = classifier.coef_
        weight = self.parts.get("lexicon_weight", LEXICON_WEIGHT)
        scaled = (features.lexicon - scaler.mean_) / scaler.scale_ * weight
        scores = ngrams @ coef[:, :n_grams].T + scaled @ coef[:, n_grams:].T + classifier.intercept_
        if scores.shape[1] == 1:  # binary: one score for the second class
            scores = np.column_stack([-scores[:, 0] / 2, scores[:, 0] / 2])
        return np.asarray(scores)

    def predict_proba(self, features: Features) -> np.ndarray:
        return softmax(self.logits(features) / self.parts["temperature"])


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def fit_linear(
    features: Features,
    labels: np.ndarray,
    c: float = DEFAULT_C,
    sample_weight: np.ndarray | None = None,
    lexicon_weight: float = LEXICON_WEIGHT,
) -> LinearTextModel:
    """Fit TF-IDF, scaler and the class-balanced logistic regression (temperature 1).
    `lexicon_weight=0` makes a model of the n-grams alone."""
    columns = np.unique(features.ngrams.indices).astype(np.int64)
    tfidf = TfidfTransformer(sublinear_tf=True).fit(features.ngrams_in(columns))
    scaler = StandardScaler().fit(features.lexicon)
    model = LinearTextModel(
        {
            "columns": columns,
            "tfidf": tfidf,
            "scaler": scaler,
            "temperature": 1.0,
            "lexicon_weight": lexicon_weight,
        }  # fmt: skip
    )
    classifier = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    model.parts["classifier"] = classifier.fit(
        model._matrix(features), labels, sample_weight=sample_weight
    )
    return model


def fit_temperature(logits: np.ndarray, labels: np.ndarray, classes: list[str]) -> float:
    """The temperature that minimizes held-out log loss (argmax, and so labels, unchanged)."""
    index = {c: i for i, c in enumerate(classes)}
    truth = np.array([index[label] for label in labels])

    def loss(log_t: float) -> float:
        proba = softmax(logits / np.exp(log_t))
        return float(-np.log(proba[np.arange(len(truth)), truth] + 1e-12).mean())

    best = optimize.minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded")
    return float(np.exp(best.x))


def expected_calibration_error(
    proba: np.ndarray, labels: np.ndarray, classes: list[str], bins: int = 10
) -> float:
    """Mean gap between confidence and accuracy over confidence bins (0 = perfectly calibrated)."""
    confidence = proba.max(axis=1)
    correct = np.array(classes)[proba.argmax(axis=1)] == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        in_bin = (confidence > low) & (confidence <= high)
        if in_bin.any():
            error += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return round(float(error), 4)
