"""The weekly retraining (`listener_retrain` DAG): one candidate per classifier, promoted only if
it scores higher than the model in use on the same held-out rows (transforms/training.py).

A task learns from `<data_dir>/<retraining.labels_dir>/<task>.csv` (columns `text` and `label`,
as `listener label-queue` writes them once labelled) when that file exists, and otherwise
self-trains on the clean zone's posts. Relevance can only learn from labelled matches, so
without a labels file it is skipped, with the reason, rather than failed.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from transforms.classifiers import TASK_CLASSES
from transforms.config import Config

TASKS = tuple(TASK_CLASSES)


def labels_file(config: Config, task: str) -> Path:
    return config.data_dir / config.retraining.labels_dir / f"{task}.csv"


def retrain(config: Config, task: str) -> dict[str, Any]:
    """Train, evaluate and maybe promote one task's model; a JSON-able account of what happened."""
    from transforms.training import train_command

    labels = labels_file(config, task)
    if labels.exists():
        result = train_command(config, task, None, labels, "text", "label", self_training=False)
    elif task == "relevance":
        return {
            "task": task,
            "trained": False,
            "promoted": False,
            "reason": f"no labels at {labels}: relevance learns only from labelled matches",
        }
    else:
        result = train_command(config, task, None, None, None, None, self_training=True)
    return {"trained": True, **asdict(result)}
