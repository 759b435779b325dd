"""Every DAG file imports cleanly and follows the house rules (owner, tags, retries, docs, one
writer at a time, daily data intervals, no heavy imports at parse time)."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
EXPECTED_DAGS = {"listener_ingest", "listener_warehouse"}
HEAVY_MODULES = ("polars", "sklearn", "duckdb", "great_expectations", "dbt", "pandas", "numpy")


@pytest.fixture(scope="session")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


def test_expected_dags_exist(dagbag):
    assert set(dagbag.dag_ids) >= EXPECTED_DAGS


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_house_rules(dagbag, dag_id):
    dag = dagbag.dags.get(dag_id)
    assert "listener" in dag.tags
    assert dag.doc_md and len(dag.doc_md) > 100
    assert dag.max_active_runs == 1, "DuckDB has one writer: never two runs at once"
    assert not dag.catchup
    for task in dag.tasks:
        assert task.owner == "listener-data", task.task_id
        assert task.retries >= 1, task.task_id
        assert task.retry_exponential_backoff, task.task_id
        assert task.execution_timeout is not None, task.task_id
        assert task.on_failure_callback, f"{task.task_id} has no failure alert"


def test_ingest_processes_whole_days(dagbag):
    from airflow.sdk import CronDataIntervalTimetable

    dag = dagbag.dags.get("listener_ingest")
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    start = dt.datetime(2026, 10, 5, 13, tzinfo=dt.UTC)
    from airflow.serialization.encoders import coerce_to_core_timetable

    interval = coerce_to_core_timetable(dag.timetable).infer_manual_data_interval(run_after=start)
    assert interval.end - interval.start == dt.timedelta(days=1)
    assert interval.start.hour == 0


def test_ingest_flows_from_extract_to_load_and_feeds_the_warehouse(dagbag):
    ingest = dagbag.dags.get("listener_ingest")
    order = ["list_sources", "extract", "gate_raw", "clean", "classify", "gate_classified", "load"]
    for upstream, downstream in zip(order, order[1:], strict=False):
        assert downstream in ingest.get_task(upstream).downstream_task_ids
    load_outlets = {a.name for a in ingest.get_task("load").outlets}
    warehouse = dagbag.dags.get("listener_warehouse")
    assert "listener_raw_posts" in load_outlets
    order = ["dbt_build", "gate_marts", "publish", "dashboard"]
    for upstream, downstream in zip(order, order[1:], strict=False):
        assert warehouse.get_task(upstream).downstream_task_ids >= {downstream}
    # Data Docs are rebuilt after every run, also one a gate stopped.
    docs = warehouse.get_task("data_docs")
    assert docs.upstream_task_ids == {"publish"} and docs.trigger_rule == "all_done"


def test_dag_files_import_nothing_heavy_at_parse_time():
    code = (
        "import runpy, sys\n"
        f"for f in ('listener_ingest.py', 'listener_warehouse.py'):\n"
        f"    runpy.run_path({str(DAGS_FOLDER)!r} + '/' + f)\n"
        f"print(','.join(m for m in {HEAVY_MODULES!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
