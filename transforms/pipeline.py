"""The pipeline's steps as plain functions: what each Airflow task calls.

Each step takes the day it processes (or nothing, for warehouse-wide steps), reads the config from
$LISTENER_CONFIG, and returns a small JSON-able dict that Airflow keeps as the task's XCom. The
same functions run outside Airflow (tests, `listener` commands), so the DAG files stay thin.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

from transforms.config import Config, load_config
from transforms.failpoints import failpoint
from transforms.writer_lock import warehouse_writer

Step = TypeVar("Step", bound=Callable[..., Any])


def storage_checked(step: Step) -> Step:
    """A step that storage refuses (a full disk, a read-only data directory) fails with a
    StorageError naming the file and the cause, whichever library was writing (Polars, PyArrow,
    DuckDB, dbt's Python), instead of that library's own exception type."""

    @functools.wraps(step)
    def run(*args: Any, **kwargs: Any) -> Any:
        from transforms.files import storage_errors  # Polars and PyArrow: not at DAG parse time

        with storage_errors(load_config().data_dir):
            return step(*args, **kwargs)

    return run  # type: ignore[return-value]


def processing_day(data_interval_start: dt.datetime, data_interval_end: dt.datetime) -> dt.date:
    """The UTC calendar day a daily run processes: its whole data interval.

    Airflow 3's default cron timetable gives runs an empty interval (start == end); Listener's DAGs
    use a data-interval timetable, and this refuses anything but one whole day so a misconfigured
    schedule fails loudly instead of loading the wrong day.
    """
    start = data_interval_start.astimezone(dt.UTC)
    end = data_interval_end.astimezone(dt.UTC)
    if end - start != dt.timedelta(days=1) or start.time() != dt.time(0):
        raise ValueError(
            f"expected a data interval of one whole UTC day, got {start.isoformat()} .. "
            f"{end.isoformat()}; schedule the DAG with a daily CronDataIntervalTimetable"
        )
    return start.date()


def source_names(config: Config | None = None) -> list[str]:
    return [s.name for s in (config or load_config()).sources]


@storage_checked
def extract(source_name: str, day: dt.date) -> dict[str, Any]:
    from transforms.extract import extract_source_day

    config = load_config()
    report = asdict(extract_source_day(config, config.source(source_name), day))
    failpoint(f"extract:{source_name}:done")
    return report


@storage_checked
def clean(day: dt.date) -> dict[str, int]:
    from transforms.clean import clean_day

    counts = clean_day(load_config(), day)
    failpoint("clean:done")
    return counts


@storage_checked
def classify(day: dt.date) -> dict[str, int]:
    from transforms.classify import classify_day

    counts = classify_day(load_config(), day)
    failpoint("classify:done")
    return counts


def failed_sources(config: Config, day: dt.date, extracted: list[Any]) -> list[str]:
    """Configured sources with no extract report this run (their extract task failed after its
    retries) and no batch of the day from an earlier run: they have nothing to gate today."""
    from transforms import raw_zone

    reported = {r["source"] for r in extracted if isinstance(r, dict) and "source" in r}
    return [
        s.name
        for s in config.sources
        if s.name not in reported and not raw_zone.admitted_batches(config, s.name, day)
    ]


@storage_checked
def gate_raw(day: dt.date, extracted: list[Any] | None = None) -> dict[str, Any]:
    """The raw checkpoint: quarantines failing batches and raises QualityGateError.

    `extracted` is this run's extract reports (the DAG passes its extract tasks' results). A
    source whose extraction failed has already failed its own task, with an alert, and left its
    watermark where it was; the gate leaves it out of the day's volume check, which would
    otherwise read its zero rows as a broken extractor and stop every other source's data too.
    """
    from transforms.raw_gate import gate_raw_day

    config = load_config()
    failed = failed_sources(config, day, extracted) if extracted is not None else []
    if failed:
        kept = [s for s in config.sources if s.name not in failed]
        config = config.model_copy(update={"sources": kept})
    result = {**gate_raw_day(config, day), "sources_failed": failed}
    failpoint("gate_raw:done")
    return result


@storage_checked
def gate_classified(day: dt.date) -> dict[str, Any]:
    from transforms.classified_gate import gate_classified_day

    result = gate_classified_day(load_config(), day)
    failpoint("gate_classified:done")
    return {"suite": result.suite, "rows": result.rows, "warnings": len(result.warnings),
            "report": result.report}  # fmt: skip


@storage_checked
def load(day: dt.date) -> dict[str, int]:
    from transforms.warehouse import load_day

    config = load_config()
    with warehouse_writer(config, f"load {day}"):
        counts = load_day(config, day)
    failpoint("load:done")
    return counts


@storage_checked
def build() -> dict[str, Any]:
    from transforms.warehouse import build_marts

    config = load_config()
    with warehouse_writer(config, "dbt build"):
        result = build_marts(config)
    failpoint("build:done")
    return {"nodes": result.nodes}


@storage_checked
def gate_marts() -> dict[str, Any]:
    """The marts gate; its report is named after the newest day the marts hold."""
    from transforms.mart_gate import gate_marts as run_gate
    from transforms.warehouse import newest_mart_day

    config = load_config()
    with warehouse_writer(config, "marts gate"):
        result = run_gate(config, f"through-{newest_mart_day(config)}")
    failpoint("gate_marts:done")
    return {"rows": result.rows, "warnings": len(result.warnings), "report": result.report}


@storage_checked
def publish() -> dict[str, int]:
    from transforms.publish import publish as publish_marts

    config = load_config()
    with warehouse_writer(config, "publish"):
        counts = publish_marts(config)
    failpoint("publish:done")
    return counts


def publish_postgres() -> dict[str, int] | None:
    """Copy the published marts into the BI warehouse (transforms/postgres_publish.py); None
    when its connection is not defined."""
    from transforms.postgres_publish import publish_to_postgres, warehouse_connection

    config = load_config()
    settings = warehouse_connection(config)
    return None if settings is None else publish_to_postgres(config, settings)


def push_alerts() -> dict[str, Any]:
    """Send the new critical alerts of the published marts at once (transforms/alert_push.py)."""
    from transforms.alert_push import push_alerts as run

    return run(load_config())


@storage_checked
def dashboard() -> str:
    from transforms.dashboard import render_dashboard

    return str(render_dashboard(load_config()))


def data_docs() -> str:
    """Rebuild the Great Expectations Data Docs site from every stored validation."""
    from transforms import zones
    from transforms.quality import build_data_docs

    return str(build_data_docs(zones.quality_dir(load_config())))


def report(kind: str, run_date: dt.date | None) -> dict[str, Any]:
    """Render, archive and email the daily or weekly executive report (transforms/reports.py)."""
    from transforms.reports import deliver_report

    return asdict(deliver_report(load_config(), kind, run_date))


def retrain(task: str) -> dict[str, Any]:
    from transforms.retraining import retrain as run

    return run(load_config(), task)


def expire_raw(as_of: dt.date) -> dict[str, Any]:
    """Apply the raw-zone retention rule as of a day (transforms/retention.py)."""
    from transforms.retention import expire_raw as run

    return asdict(run(load_config(), as_of))


def forget_author(author_id: str, platform: str | None) -> dict[str, Any]:
    """Erase one author's posts and everything derived from them (transforms/erasure/)."""
    from transforms.erasure import forget_author as run

    return asdict(run(load_config(), author_id, platform))


def run_day(day: dt.date) -> dict[str, Any]:
    """Every ingest step for one day, without Airflow (tests and debugging), as the ingest DAG
    runs them: a source that fails to extract is reported and the others still load; if every
    source fails, the first error is raised."""
    reports: list[dict[str, Any]] = []
    errors: dict[str, Exception] = {}
    for name in source_names():
        try:
            reports.append(extract(name, day))
        except Exception as exc:  # the DAG's extract task would fail alone, too
            errors[name] = exc
    if not reports and errors:
        raise next(iter(errors.values()))
    return {
        "extract": reports,
        "extract_failed": {name: str(exc) for name, exc in errors.items()},
        "gate_raw": gate_raw(day, reports),
        "clean": clean(day),
        "classify": classify(day),
        "gate_classified": gate_classified(day),
        "load": load(day),
    }
