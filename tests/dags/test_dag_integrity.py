"""Every DAG file imports cleanly and follows the house rules (owner, tags, retries, docs, one
writer at a time, daily data intervals, no heavy imports at parse time)."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
EXPECTED_DAGS = {
    "listener_ingest",
    "listener_warehouse",
    "listener_report_daily",
    "listener_report_weekly",
    "listener_retrain",
    "listener_maintenance",
    "listener_forget_author",
}
DAG_FILES = sorted(p.name for p in DAGS_FOLDER.glob("*.py"))
HEAVY_MODULES = ("polars", "sklearn", "duckdb", "great_expectations", "dbt", "pandas", "numpy")


@pytest.fixture(scope="session")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


def test_expected_dags_exist(dagbag):
    assert set(dagbag.dag_ids) == EXPECTED_DAGS


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
    assert warehouse.get_task("push_alerts").upstream_task_ids == {"publish"}
    # Data Docs are rebuilt after every run, also one a gate stopped.
    docs = warehouse.get_task("data_docs")
    assert docs.upstream_task_ids == {"publish"} and docs.trigger_rule == "all_done"


@pytest.mark.parametrize("dag_file", DAG_FILES)
def test_dag_files_import_nothing_heavy_at_parse_time(dag_file):
    """Each file alone, in a fresh interpreter that has Airflow loaded already (as the
    dag-processor has): no data library gets imported, and parsing takes well under a second."""
    code = (
        "import runpy, sys, time\n"
        "import airflow.sdk\n"
        "began = time.perf_counter()\n"
        f"runpy.run_path({str(DAGS_FOLDER / dag_file)!r})\n"
        "seconds = time.perf_counter() - began\n"
        f"heavy = [m for m in {HEAVY_MODULES!r} if m in sys.modules]\n"
        "print(','.join(heavy) + '|' + str(seconds))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    heavy, seconds = out.stdout.strip().splitlines()[-1].split("|")
    print(f"{dag_file}: parsed in {float(seconds):.3f} s")
    assert heavy == "", f"{dag_file} imports {heavy} at parse time"
    # Generous for a loaded CI machine; a parse-time query or model load takes seconds.
    assert float(seconds) < 2.0, f"{dag_file} took {float(seconds):.2f} s to parse"


def downstream(dag, task_id: str) -> set[str]:
    return dag.get_task(task_id).downstream_task_ids


def test_reports_run_on_their_clocks_and_after_each_publication(dagbag):
    from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable

    from transforms.config import load_config

    schedules = load_config().schedules
    daily = dagbag.dags.get("listener_report_daily")
    assert isinstance(daily.timetable, AssetOrTimeSchedule)
    assert daily.timetable.timetable.expression == schedules.report_daily
    assert "listener_published_marts" in {a.name for a in daily.timetable.asset_condition.objects}
    weekly = dagbag.dags.get("listener_report_weekly")
    assert isinstance(weekly.timetable, CronTriggerTimetable)
    assert weekly.timetable.expression == schedules.report_weekly
    assert [t.task_id for t in daily.tasks] == [t.task_id for t in weekly.tasks] == ["send_report"]


# Importing skops beside Airflow walks Airflow's deprecated import shims, which warn.
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_retraining_is_weekly_and_mapped_per_classifier(dagbag):
    dag = dagbag.dags.get("listener_retrain")
    assert downstream(dag, "chosen_tasks") == {"retrain"}
    from transforms.classifiers import TASK_CLASSES

    assert dag.params["tasks"] == list(TASK_CLASSES)
    from transforms.config import load_config

    assert dag.timetable.expression == load_config().schedules.retrain


def test_maintenance_and_erasure(dagbag):
    maintenance = dagbag.dags.get("listener_maintenance")
    assert [t.task_id for t in maintenance.tasks] == ["expire_raw"]
    forget = dagbag.dags.get("listener_forget_author")
    assert not forget.timetable.can_be_scheduled, "erasure runs only on request"
    assert {a.name for a in forget.get_task("forget").outlets} == {"listener_published_marts"}
    # the BI warehouse's copy is republished without the author as well
    assert forget.get_task("publish_postgres").upstream_task_ids == {"forget"}
    assert "author_id" in forget.params
