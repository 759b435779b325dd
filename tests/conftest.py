"""Shared fixtures: a config whose data directory is a temporary folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Airflow reads its settings when first imported: point it at a throwaway home and our DAGs.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="listener-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(Path(__file__).parent.parent / "dags"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

from transforms.config import Config, load_config  # noqa: E402


@pytest.fixture
def config(tmp_path) -> Config:
    """The project config with data_dir in a fresh temporary folder."""
    return load_config().model_copy(update={"data_dir": tmp_path / "data"})
