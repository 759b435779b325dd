"""Run the real Listener DAGs in-process, with no Airflow server (`listener run`, `make demo`).

Airflow keeps its metadata in a SQLite file under the data directory. Each day is one
`dag.test()` run of `listener_ingest` (about 2 s of Airflow overhead per run here, against ~12 s
for each `airflow dags test` CLI call); `listener_warehouse` runs once after the last day, as the
asset schedule would trigger it after the loads, and `listener_report_daily` after it, as the
publication would.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from transforms import zones
from transforms.config import CONFIG_ENV, DEFAULT_CONFIG, PROJECT_ROOT, Config
from transforms.errors import ListenerError
from transforms.sample_api import serving_sample_apis
from transforms.writer_lock import exclusive

DAGS_FOLDER = PROJECT_ROOT / "dags"
INGEST_DAG = "listener_ingest"
WAREHOUSE_DAG = "listener_warehouse"
REPORT_DAG = "listener_report_daily"


class DagRunFailed(ListenerError):
    """A DAG run ended in a state other than success."""


@dataclass
class RunSummary:
    days: list[dt.date] = field(default_factory=list)
    ingest_seconds: float = 0.0
    warehouse_seconds: float = 0.0
    report_seconds: float = 0.0


def configure_airflow(config: Config, config_path: Path | None) -> None:
    """Environment for an embedded Airflow; must run before `airflow` is imported."""
    home = zones.airflow_home(config)
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault(CONFIG_ENV, str(config_path or DEFAULT_CONFIG))
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_FOLDER)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "False")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def _quiet_warnings() -> None:
    # Library deprecation notices (Airflow, Starlette, dbt) say nothing about the pipeline.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    # Starlette's own warning class does not derive from DeprecationWarning.
    warnings.filterwarnings("ignore", message=r".*starlette\.testclient.*")


def _init_metadata_db() -> None:
    from airflow.utils.db import upgradedb

    upgradedb()


def _load_dags() -> dict:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    if bag.import_errors:
        errors = "\n".join(f"{path}: {err}" for path, err in bag.import_errors.items())
        raise DagRunFailed(f"DAG files failed to import:\n{errors}")
    return bag.dags


def _run(dag, logical_date: dt.datetime | None) -> None:
    # A backfill from the command line fails fast and says what failed: a scheduler's retries
    # with back-off would only make the caller wait (the re-run of a day is idempotent).
    for task in dag.tasks:
        task.retries = 0
    run = dag.test(logical_date=logical_date)
    state = str(getattr(run, "state", ""))
    if not state.endswith("success"):
        failed = [
            f"{ti.task_id}[{ti.map_index}]"
            for ti in run.get_task_instances()
            if str(ti.state).endswith(("failed", "upstream_failed"))
        ]
        when = logical_date.isoformat() if logical_date else "(asset-triggered)"
        raise DagRunFailed(f"{dag.dag_id} run {when} ended {state}; failed tasks: {failed}")


def run_range(
    config: Config, start: dt.date, end: dt.date, config_path: Path | None = None
) -> RunSummary:
    """Backfill [start, end] day by day through the ingest DAG, then build and publish once.

    One run at a time per data directory: the runs share the embedded Airflow's metadata, where
    `dag.test()` replaces any run of the same DAG and date, so a second run started meanwhile
    would delete the first one's task instances under it. The second waits for the first, then
    runs: re-running a day adds nothing, so it publishes the same marts."""
    holder = f"listener run {start}..{end}"
    with exclusive(run_lock_file(config), holder, "the embedded Airflow", on_wait=_say_waiting):
        return _run_range(config, start, end, config_path)


def run_lock_file(config: Config) -> Path:
    return zones.airflow_home(config) / ".run.lock"


def _say_waiting(holder: str) -> None:
    print(f"listener run: waiting for {holder} to finish", file=sys.stderr, flush=True)


def _run_range(
    config: Config, start: dt.date, end: dt.date, config_path: Path | None
) -> RunSummary:
    import time

    configure_airflow(config, config_path)
    _quiet_warnings()
    _init_metadata_db()
    logging.getLogger("airflow").setLevel(logging.WARNING)
    dags = _load_dags()
    summary = RunSummary()
    began = time.perf_counter()
    with serving_sample_apis(config):
        day = start
        while day <= end:
            # A run's data interval is the day before its logical date: [day, day + 1).
            logical = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
            _run(dags[INGEST_DAG], logical)
            summary.days.append(day)
            day += dt.timedelta(days=1)
    summary.ingest_seconds = time.perf_counter() - began
    began = time.perf_counter()
    _run(dags[WAREHOUSE_DAG], None)
    summary.warehouse_seconds = time.perf_counter() - began
    # The publication triggers the daily report (archived; emailed when SMTP is configured).
    began = time.perf_counter()
    _run(dags[REPORT_DAG], None)
    summary.report_seconds = time.perf_counter() - began
    return summary
