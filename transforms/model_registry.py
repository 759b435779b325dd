"""The model registry: every version of every classifier, with what it was trained on and how well
it scored, and which version is in use.

    <models>/<task>/<version>/model.skops       the parts (scikit-learn objects, numbers)
    <models>/<task>/<version>/model_card.json   task, method, classes, training-data hash, held-out
                                                scores, feature fingerprint, creation time
    <models>/<task>/CURRENT                      the version in use

Models persist with skops, never pickle: loading refuses any type not in TRUSTED_TYPES, and a
model whose feature fingerprint differs from this code's (another lexicon, another hash function)
is refused with a message that says how to retrain it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from transforms.errors import ListenerError
from transforms.files import write_atomic, write_atomic_bytes
from transforms.text_features import hash_fingerprint

# skops refuses to load any type not listed here. The parts hold only scikit-learn estimators,
# NumPy arrays, dicts, strings and floats, all of which skops trusts by default. Review before
# adding anything.
TRUSTED_TYPES: list[str] = []
METHODS = ("prior", "generated", "self_trained", "supervised")


class ModelError(ListenerError):
    """A model directory that cannot be used: missing, unreviewed types, other features."""


@dataclass(frozen=True)
class ModelCard:
    task: str
    version: str
    method: str  # prior | generated | self_trained | supervised
    classes: list[str]
    training_rows: int
    training_data_sha256: str
    holdout_rows: int
    holdout_macro_f1: float | None
    holdout_accuracy: float | None
    evaluated_on: str  # what the held-out scores were measured on
    trained_on: str
    feature_fingerprint: str = field(default_factory=hash_fingerprint)
    created_at: str = ""  # UTC, ISO-8601; set when the version is saved


def labels_hash(texts: list[str], labels: list[str]) -> str:
    """SHA-256 of the training rows, so a card says exactly which data made the model."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(text.encode() + b"\t" + label.encode() + b"\n")
    return digest.hexdigest()


def save_version(directory: Path, parts: dict[str, Any], card: ModelCard, current: bool) -> Path:
    """Write a version folder (named by method, data and features); optionally make it current."""
    key = f"{card.task}|{card.method}|{card.training_data_sha256}|{card.feature_fingerprint}"
    version = hashlib.sha256(key.encode()).hexdigest()[:12]
    target = directory / version
    target.mkdir(parents=True, exist_ok=True)
    import skops.io as sio  # here, not at the top: reading cards (the load task) needs no skops

    # Staged, then renamed: re-training on the same rows writes the same version folder (two
    # runs may do so at once), and a full disk must not leave the model in use half-written.
    write_atomic(target / "model.skops", lambda staged: sio.dump(parts, staged))
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    card = ModelCard(**{**asdict(card), "version": version, "created_at": created})
    write_atomic_bytes(json.dumps(asdict(card), indent=2).encode(), target / "model_card.json")
    if current:
        write_atomic_bytes(version.encode(), directory / "CURRENT")
    return target


def read_card(version_dir: Path) -> ModelCard:
    return ModelCard(**json.loads((version_dir / "model_card.json").read_text()))


def current_version_dir(directory: Path) -> Path:
    pointer = directory / "CURRENT"
    if not pointer.exists():
        raise ModelError(f"{directory}: no model in use (no CURRENT file); train one first")
    return directory / pointer.read_text().strip()


def load_version(version_dir: Path) -> tuple[dict[str, Any], ModelCard]:
    """A version's parts and card, refusing unreviewed types and foreign features."""
    card = read_card(version_dir)
    if card.feature_fingerprint != hash_fingerprint():
        raise ModelError(
            f"{version_dir} was trained with other features (fingerprint "
            f"{card.feature_fingerprint}, this code {hash_fingerprint()}): a different lexicon "
            f"or hashing. Retrain it with `listener train {card.task} ...`"
        )
    path = version_dir / "model.skops"
    import skops.io as sio

    with warnings.catch_warnings():
        # skops walks the loaded modules; inside Airflow that touches its deprecated import
        # shims, each of which warns (about a thousand lines per load in a task log).
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        unexpected = sorted(set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES))
        if unexpected:
            raise ModelError(f"{path} contains types not in the reviewed list: {unexpected}")
        parts = sio.load(path, trusted=TRUSTED_TYPES)
    return parts, card


def all_cards(models_root: Path) -> list[tuple[ModelCard, bool]]:
    """Every saved version of every task under a models folder, with whether it is in use."""
    cards = []
    for card_file in sorted(models_root.glob("*/*/model_card.json")):
        card = read_card(card_file.parent)
        pointer = card_file.parent.parent / "CURRENT"
        in_use = pointer.exists() and pointer.read_text().strip() == card.version
        cards.append((card, in_use))
    return cards
