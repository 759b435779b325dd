"""Where each zone of the data directory lives. One function per location, so that no stage
builds paths by hand.

    data/
      landing/<source>/<day>.<fmt>        export files as delivered (input)
      landing/funnel/<table>/<day>.csv    web, CRM, commerce and spend exports (input)
      ground_truth/<day>.parquet          generator labels, evaluation only
      raw/source=<s>/day=<d>/batch=<id>/posts.parquet, quarantine.parquet, manifest.json
      clean/day=<d>/posts.parquet, post_brands.parquet
      models/<task>/                      scikit-learn models (skops)
      warehouse/listener.duckdb           the pipeline's working warehouse (single writer)
      published/listener.duckdb           the read-only copy BI tools and dashboards read
      published/dashboard.html
      quality/                            Great Expectations validation results
      airflow/                            AIRFLOW_HOME for in-process runs
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from transforms.config import Config, Source


def landing_file(config: Config, source: Source, day: dt.date) -> Path:
    return config.data_dir / source.path / f"{day.isoformat()}.{source.format}"


def generated_landing_file(config: Config, source: Source, day: dt.date) -> Path | None:
    """Where `listener generate` writes a source's posts: its landing file, or for an API source
    served by the local sample server its sample folder (None: an API the generator cannot feed)."""
    if source.kind == "file":
        return landing_file(config, source, day)
    if source.sample_folder is not None:
        return config.data_dir / source.sample_folder / f"{day.isoformat()}.jsonl"
    return None


def funnel_file(config: Config, table: str, day: dt.date) -> Path:
    return config.data_dir / config.funnel.path / table / f"{day.isoformat()}.csv"


def ground_truth_file(config: Config, day: dt.date) -> Path:
    return config.data_dir / "ground_truth" / f"{day.isoformat()}.parquet"


def raw_partition(config: Config, source_name: str, day: dt.date) -> Path:
    return config.data_dir / "raw" / f"source={source_name}" / f"day={day.isoformat()}"


def clean_partition(config: Config, day: dt.date) -> Path:
    return config.data_dir / "clean" / f"day={day.isoformat()}"


def models_dir(config: Config) -> Path:
    return config.data_dir / "models"


def warehouse_file(config: Config) -> Path:
    return config.data_dir / "warehouse" / "listener.duckdb"


def published_dir(config: Config) -> Path:
    return config.data_dir / "published"


def published_warehouse(config: Config) -> Path:
    return published_dir(config) / "listener.duckdb"


def dashboard_file(config: Config) -> Path:
    return published_dir(config) / "dashboard.html"


def quality_dir(config: Config) -> Path:
    return config.data_dir / "quality"


def airflow_home(config: Config) -> Path:
    return config.data_dir / "airflow"
