"""The docker-compose.yml Airflow configuration, run without Docker: PostgreSQL metadata, the
FAB auth manager, api-server + dag-processor + scheduler as processes, first with the
LocalExecutor for one whole daily run (ingest, then the asset-triggered warehouse build), then
with the CeleryExecutor and a Celery worker on Redis re-running a warehouse task.

Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and, for the Celery test, Redis on
127.0.0.1:6379 with the `deploy` dependency group installed (`uv sync --group deploy`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import json
import os
import secrets
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import psycopg2.errors
import pytest
import yaml

from transforms import compose_env, zones
from transforms.config import Config, load_config
from transforms.sample_api import serving_sample_apis

from .airflow_services import (
    PG_HOST,
    PG_PORT,
    REDIS_HOST,
    REDIS_PORT,
    AirflowApi,
    Processes,
    free_port,
    inherited_env,
    port_open,
    postgres_role,
    query,
    tail,
    task_log_digest,
    throwaway_database,
)
from .conftest import ROOT

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent  # the virtualenv running pytest holds airflow and listener
AIRFLOW = str(BIN / "airflow")
LISTENER = str(BIN / "listener")
INGEST = "listener_ingest"
WAREHOUSE = "listener_warehouse"
WAREHOUSE_TASKS = {"dbt_build", "gate_marts", "publish", "push_alerts", "dashboard", "data_docs"}
FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
REDIS_DB = 7  # a database number other local users of this Redis are unlikely to use
POSTS_PER_DAY = 300
RUN_TIMEOUT = 300.0
# As the compose env makes it: never with a leading dash, which the Airflow CLI reads as an option.
ADMIN = ("listener-test-admin", compose_env.random_secret())


@dataclass
class Stack:
    """The running components and what the tests need to reach them."""

    config: Config
    role: str
    database: str
    home: Path
    api: AirflowApi
    processes: Processes
    timings: list[tuple[str, float]] = field(default_factory=list)
    # Set by the LocalExecutor test, read by the Celery test.
    day: dt.date | None = None
    warehouse_run_id: str | None = None

    def alive(self) -> None:
        self.processes.check_alive()

    def timed(self, label: str, began: float) -> None:
        seconds = time.perf_counter() - began
        self.timings.append((label, seconds))
        print(f"[scheduler-run] {label}: {seconds:.1f} s", flush=True)

    def diagnostics(self) -> str:
        parts = [
            f"=== {p.name}\n{tail(p, 40)}" for p in sorted(self.processes.log_dir.glob("*.log"))
        ]
        parts.append("=== runs and task states")
        for dag_id in (INGEST, WAREHOUSE):
            try:  # the api-server may be what failed
                for run in self.api.dag_runs(dag_id)[-3:]:
                    tasks = self.api.task_instances(dag_id, run["dag_run_id"])
                    states = ", ".join(
                        f"{t['task_id']}[{t['map_index']}]={t['state']}" for t in tasks
                    )
                    parts.append(f"  {dag_id} {run['dag_run_id']} {run['state']}: {states}")
            except Exception as exc:  # diagnostics must not hide the failure itself
                parts.append(f"  {dag_id}: could not list runs: {exc}")
        parts.append(f"=== task logs ({self.home / 'logs'})\n{task_log_digest(self.home / 'logs')}")
        return "\n".join(parts)

    @contextlib.contextmanager
    def explained(self) -> Iterator[None]:
        """On any failure inside the block, print every component's log tail and the task logs'
        errors before the assertion propagates."""
        try:
            yield
        except BaseException:
            print(self.diagnostics(), flush=True)
            raise


def _write_config(folder: Path, data_dir: Path) -> Path:
    """The project's config with a small sample around yesterday (see the ingest test for why)."""
    raw = yaml.safe_load((ROOT / "config" / "listener.yml").read_text())
    today = dt.datetime.now(dt.UTC).date()
    raw["data_dir"] = str(data_dir)
    # Yesterday and today: the scheduler's first run covers yesterday (today, should the clock
    # pass midnight during set-up). No earlier day: the first API extract also asks for the
    # `max_lateness_days` before its day, which would add late posts to the day's batch.
    raw["sample"].update(start=today - dt.timedelta(days=1), days=2, posts_per_day=POSTS_PER_DAY)
    path = folder / "listener.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not port_open(PG_HOST, PG_PORT):
        pytest.skip(f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT}")
    role = postgres_role()
    if role is None:
        pytest.skip(f"no PostgreSQL role on {PG_HOST}:{PG_PORT} can log in and create databases")
    from cryptography.fernet import Fernet  # an Airflow dependency

    began = time.perf_counter()
    root = tmp_path_factory.mktemp("scheduler_run")
    home, data_dir, log_dir = root / "airflow", root / "data", root / "components"
    for folder in (home, data_dir, log_dir):
        folder.mkdir()
    config_path = _write_config(root, data_dir)

    with contextlib.ExitStack() as cleanup:
        # Unwound in reverse: processes stopped, then the sample server, then the DB dropped.
        database = cleanup.enter_context(throwaway_database(role, "listener_sched"))
        listener_env = {
            **inherited_env(os.environ),
            "LISTENER_CONFIG": str(config_path),
            "LISTENER_DATA_DIR": str(data_dir),
        }
        Processes(listener_env, log_dir).run("generate", [LISTENER, "generate"], timeout=120)
        config = load_config(config_path).model_copy(update={"data_dir": data_dir})
        # The `x` source reads the local sample API (base_url `sample:landing/x`). It is served
        # from this test process for the whole module, so the extract task runs the real HTTP
        # connector; the components learn its URL from LISTENER_SAMPLE_API_URL.
        sample_url = cleanup.enter_context(serving_sample_apis(config))
        assert sample_url, "the config's x source should read from the sample API"

        api_port = free_port()
        metadata = f"postgresql+psycopg2://{role}@{PG_HOST}:{PG_PORT}/{database}"
        env = {
            **listener_env,
            # What docker-compose.yml's x-airflow-common environment sets, with local addresses
            # and secrets generated for this run (every component must share them).
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{metadata}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "4",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(48),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
            # Ports the containers have to themselves, chosen free here: other test runs on
            # this machine may use Airflow's defaults (8793 logs, 8974 health).
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "LISTENER_PSEUDONYM_KEY": secrets.token_hex(16),
            "LISTENER_SAMPLE_API_URL": sample_url,
            # The x source's token, as the Airflow connection the config names (any token
            # passes the sample API).
            "AIRFLOW_CONN_LISTENER_X": json.dumps(
                {"conn_type": "http", "password": "fake-sample-token"}
            ),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "GX_ANALYTICS_ENABLED": "False",
        }
        cleanup.callback(_flush_redis)  # after the worker stopped: leave Redis DB 7 empty
        processes = Processes(env, log_dir)
        cleanup.callback(processes.stop_all)
        stack = Stack(
            config, role, database, home, AirflowApi(f"http://127.0.0.1:{api_port}"), processes
        )
        stack.timed("sample data, database", began)

        with stack.explained():
            step = time.perf_counter()
            processes.run("db-migrate", [AIRFLOW, "db", "migrate"], timeout=240)
            stack.timed("airflow db migrate", step)

            step = time.perf_counter()
            server = [AIRFLOW, "api-server", "--host", "127.0.0.1", "--port", str(api_port)]
            processes.start("api-server", server)
            processes.start("dag-processor", [AIRFLOW, "dag-processor"])
            processes.start("scheduler", [AIRFLOW, "scheduler"])
            # The admin user, as docker/entrypoint.sh `init` creates it; meanwhile the components
            # start (the CLI alone takes ~15 s to import here).
            username, password = ADMIN
            create_user = [
                AIRFLOW, "users", "create", "--username", username, "--password", password,
                "--email", "admin@listener.example", "--firstname", "Listener",
                "--lastname", "Admin", "--role", "Admin",
            ]  # fmt: skip
            healthy = ("metadatabase", "scheduler", "dag_processor")
            try:
                processes.run("users-create", create_user, timeout=180)
            except AssertionError:
                # The CLI syncs FAB permissions as the starting api-server and dag-processor
                # do; should that race, once more when they are up.
                stack.api.wait_healthy(healthy, timeout=180, alive=stack.alive)
                processes.run("users-create-again", create_user, timeout=180)
            stack.api.wait_healthy(healthy, timeout=180, alive=stack.alive)
            stack.api.login(username, password)
            deadline = time.monotonic() + 120
            while not all(stack.api.dag(d) for d in (INGEST, WAREHOUSE)):
                assert time.monotonic() < deadline, "the dag-processor did not register the DAGs"
                stack.alive()
                time.sleep(1)
            stack.timed("components up, DAGs parsed", step)

        yield stack

        print("[scheduler-run] timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in stack.timings))
        print(f"[scheduler-run] module total: {time.perf_counter() - began:.0f} s", flush=True)


def _flush_redis() -> None:
    try:
        import redis
    except ImportError:  # without the deploy group the Celery test never used Redis
        return
    if port_open(REDIS_HOST, REDIS_PORT):
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB).flushdb()


def _utc(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)


def _expected_rows(config: Config, day: dt.date) -> dict[str, tuple[int, int]]:
    """Per source: (rows it delivers in the day's first batch, rows of them that are broken).
    The generator's ground truth lists every post per platform and day. A file source delivers
    its day's export, with `bad_rows_per_source_day` broken rows appended; an API source with no
    watermark yet also returns the posts of its `max_lateness_days` before the day (extract.py)."""
    bad = config.sample.bad_rows_per_source_day
    out = {}
    for source in config.sources:
        lateness = 0 if source.kind == "file" else source.max_lateness_days or 0
        days = [day - dt.timedelta(days=n) for n in range(lateness + 1)]
        truths = [zones.ground_truth_file(config, d) for d in days]
        rows = sum(
            pl.read_parquet(path).filter(pl.col("platform") == source.platform_name).height
            for path in truths
            if path.exists()
        )
        broken = bad if source.kind == "file" else 0
        out[source.name] = (rows + broken, broken)
    return out


def _scheduled_daily_run(stack: Stack) -> tuple[dict, dict]:
    """Unpause both DAGs and wait for the scheduler's daily ingest run and the warehouse run its
    load triggers; returns both runs."""
    api, config = stack.api, stack.config
    began = time.perf_counter()
    # Why the scheduler's own run and no manual trigger: unpausing a catchup=False DAG makes the
    # scheduler create the run of the latest whole interval (yesterday) at once, so a manual run
    # for another day would queue behind it (max_active_runs=1) and double the time; and that
    # scheduled run is the production path. (Also, `airflow dags trigger -l DATE` in 3.3 infers
    # the data interval from the wall clock, not from DATE; only the REST API's trigger infers it
    # from the logical date.)
    api.set_paused(WAREHOUSE, False)
    api.set_paused(INGEST, False)
    ingest = api.wait_for_run(
        INGEST, lambda r: r["run_type"] == "scheduled", RUN_TIMEOUT, stack.alive
    )
    api.set_paused(INGEST, True)  # no second daily run should the clock pass midnight
    stack.timed("listener_ingest run", began)

    start, end = _utc(ingest["data_interval_start"]), _utc(ingest["data_interval_end"])
    # CronDataIntervalTimetable: a scheduled run covers one whole UTC day, and its logical date
    # is the start of that day (a manual run differs: logical date D covers the day before D).
    assert (end - start, start.time()) == (dt.timedelta(days=1), dt.time(0)), ingest
    assert _utc(ingest["logical_date"]) == start, ingest
    assert config.sample.start <= start.date() <= config.sample.end, (start, config.sample)
    ingest_tasks = api.task_instances(INGEST, ingest["dag_run_id"])
    assert {t["state"] for t in ingest_tasks} == {"success"}, ingest_tasks
    extracts = sorted(t["map_index"] for t in ingest_tasks if t["task_id"] == "extract")
    assert extracts == list(range(len(config.sources))), "one mapped extract per source"

    began = time.perf_counter()
    warehouse = api.wait_for_run(
        WAREHOUSE, lambda r: r["run_type"] == "asset_triggered", RUN_TIMEOUT, stack.alive
    )
    stack.timed("listener_warehouse run (asset-triggered)", began)
    events = api.request(
        "GET", f"/api/v2/dags/{WAREHOUSE}/dagRuns/{warehouse['dag_run_id']}/upstreamAssetEvents"
    )["asset_events"]
    assert [(e["source_dag_id"], e["source_run_id"]) for e in events] == [
        (INGEST, ingest["dag_run_id"])
    ], f"the warehouse run should consume exactly the ingest run's asset event: {events}"
    warehouse_tasks = api.task_instances(WAREHOUSE, warehouse["dag_run_id"])
    states = {t["task_id"]: t["state"] for t in warehouse_tasks}
    # No BI warehouse connection in this stack: that task skips, and says so.
    expected = dict.fromkeys(WAREHOUSE_TASKS, "success") | {"publish_postgres": "skipped"}
    assert states == expected, states
    return ingest, warehouse


def _assert_rows_accounted(config: Config, day: dt.date) -> None:
    """Row accounting, recomputed from the generator's ground truth and the raw tables, and the
    published marts' mentions recomputed from the raw rows."""
    expected = _expected_rows(config, day)
    with duckdb.connect(str(zones.warehouse_file(config)), read_only=True) as con:
        audit = {
            source: (read, accepted, quarantined)
            for source, read, accepted, quarantined in con.execute(
                "select source, sum(rows_read), sum(rows_accepted), sum(rows_quarantined) "
                "from raw.load_audit where day = ? group by source",
                [day],
            ).fetchall()
        }
        ((held,),) = con.execute(
            "select count(*) from raw.quarantined_batches where day = ?", [day]
        ).fetchall()
        ((snapshots,),) = con.execute(
            "select count(*) from raw.post_snapshots where day = ?", [day]
        ).fetchall()
        ((quarantined,),) = con.execute(
            "select count(*) from raw.quarantine where day = ?", [day]
        ).fetchall()
        ((posts, other_days),) = con.execute(
            "select count(distinct post_id) filter (where day = ?), "
            "count(*) filter (where day <> ?) from raw.posts",
            [day, day],
        ).fetchall()
        # Voice as the marts define it (int_brand_mentions_joined): relevant (post, brand)
        # pairs of posts not excluded as own, spam, duplicate or otherwise, per day posted
        # (a batch's day may hold late posts of earlier days).
        voice = dict(
            con.execute(
                "select cast(p.created_at as date), count(*) from (select distinct post_id, "
                "brand from raw.post_brands where is_relevant) b join raw.posts p "
                "using (post_id) where p.exclusion_reason is null "
                "and not coalesce(p.is_own_post, false) and not coalesce(p.is_spam, false) "
                "and not coalesce(p.is_duplicate, false) group by 1"
            ).fetchall()
        )
    # (rows read, accepted, quarantined) per source: every row is loaded or quarantined.
    assert audit == {s: (r, r - b, b) for s, (r, b) in expected.items()}, "rows per source"
    assert held == 0, "no batch should be held back by the raw gate"
    assert snapshots == sum(a for _, a, _ in audit.values())
    assert quarantined == sum(q for _, _, q in audit.values())
    truth_posts = sum(r - b for r, b in expected.values())
    assert (posts, other_days) == (truth_posts, 0), "every delivered post of the day, once"

    published = zones.published_warehouse(config)
    assert published.is_file(), published
    with duckdb.connect(str(published), read_only=True) as con:
        trend = dict(
            con.execute(
                "select day, sum(mentions) from sentiment_trend group by day "
                "having sum(mentions) > 0"
            ).fetchall()
        )
        share = dict(
            con.execute("select day, sum(mentions) from share_of_voice group by day").fetchall()
        )
    assert voice.get(day, 0) > 0, voice
    assert trend == voice, "the published trend counts every voice mention loaded, per day"
    assert share == voice, "share of voice counts the same mentions"


def test_daily_run_through_local_executor(stack: Stack) -> None:
    """A real scheduler with the LocalExecutor runs the daily ingest for the last whole day, and
    the load's asset event triggers the warehouse build, which publishes that day's marts with
    every row accounted for."""
    with stack.explained():
        ingest, warehouse = _scheduled_daily_run(stack)
        day = _utc(ingest["data_interval_start"]).date()
        stack.day, stack.warehouse_run_id = day, warehouse["dag_run_id"]
        _assert_rows_accounted(stack.config, day)


def _publish_task(stack: Stack, run_id: str) -> tuple[dict, str | None]:
    """The warehouse run's `publish` task instance (REST) and its external_executor_id, the
    Celery task id a CeleryExecutor records on it (metadata DB)."""
    (task,) = [t for t in stack.api.task_instances(WAREHOUSE, run_id) if t["task_id"] == "publish"]
    ((external_id,),) = query(
        stack.role,
        stack.database,
        "select external_executor_id from task_instance "
        "where dag_id = %s and run_id = %s and task_id = 'publish'",
        [WAREHOUSE, run_id],
    )
    return task, external_id


def _celery_status(stack: Stack, celery_id: str, until: str, timeout: float) -> str | None:
    """The Celery task's state in the result backend, polled until it is `until`: the worker
    stores SUCCESS only after the task has already reported its state to Airflow."""
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        try:
            rows = query(
                stack.role,
                stack.database,
                "select status from celery_taskmeta where task_id = %s",
                [celery_id],
            )
        except psycopg2.errors.UndefinedTable:  # the backend creates it with its first result
            rows = []
        status = rows[0][0] if rows else None
        if status == until:
            break
        time.sleep(1)
    return status


def test_task_runs_on_celery_worker(stack: Stack) -> None:
    """The same stack with the CeleryExecutor: a Celery worker on Redis re-runs the warehouse's
    `publish` task, which republishes the marts."""
    if not port_open(REDIS_HOST, REDIS_PORT):
        pytest.skip(f"Redis is not reachable on {REDIS_HOST}:{REDIS_PORT}")
    assert stack.warehouse_run_id and stack.day, (
        "needs the warehouse run of test_daily_run_through_local_executor (run the whole module)"
    )
    if not all(importlib.util.find_spec(m) for m in ("redis", "airflow.providers.celery")):
        pytest.fail("the Celery stack needs the deploy dependency group: uv sync --group deploy")
    api, processes, run_id = stack.api, stack.processes, stack.warehouse_run_id
    published = zones.published_warehouse(stack.config)

    with stack.explained():
        began = time.perf_counter()
        _flush_redis()
        before, local_id = _publish_task(stack, run_id)
        published_before = published.stat()
        worker_name = f"listener-test-{uuid.uuid4().hex[:8]}@%h"
        processes.start(
            "celery-worker", [AIRFLOW, "celery", "worker", "--celery-hostname", worker_name]
        )
        # One scheduler at a time: the LocalExecutor one goes (while the worker starts), a
        # CeleryExecutor one replaces it; api-server and dag-processor do not depend on the
        # executor and stay.
        processes.stop("scheduler")
        processes.start(
            "scheduler-celery",
            [AIRFLOW, "scheduler"],
            env={
                "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(free_port()),
            },
        )
        processes.wait_for_log("celery-worker", " ready.", timeout=120)
        stack.timed("Celery worker and scheduler up", began)

        began = time.perf_counter()
        cleared = api.clear_tasks(WAREHOUSE, run_id, ["publish"])
        assert [t["task_id"] for t in cleared] == ["publish"], cleared
        api.wait_for_run(WAREHOUSE, lambda r: r["dag_run_id"] == run_id, RUN_TIMEOUT, stack.alive)
        stack.timed("publish re-run on Celery", began)

        after, celery_id = _publish_task(stack, run_id)
        assert (after["state"], after["try_number"]) == ("success", before["try_number"] + 1)
        assert after["queue"] == "default", after  # the queue the compose worker consumes
        # The CeleryExecutor recorded a Celery task id (the LocalExecutor records none), the
        # result backend (the metadata DB, as in compose) holds that task's success, and the
        # worker's log shows it executing this very task instance.
        assert local_id is None and celery_id, (local_id, celery_id)
        assert _celery_status(stack, celery_id, until="SUCCESS", timeout=60) == "SUCCESS"
        worker_log = processes.components["celery-worker"].log_path.read_text(errors="replace")
        executed = [
            line
            for line in worker_log.splitlines()
            if celery_id in line and "Executing workload in Celery" in line
        ]
        assert len(executed) == 1, "the worker should log executing the task once"
        assert f"run_id={run_id}/task_id=publish/" in executed[0], executed[0]

        # The worker really republished: the file was replaced (atomic rename) and still holds
        # the day's marts.
        now = published.stat()
        replaced = (now.st_ino, now.st_mtime_ns) != (
            published_before.st_ino,
            published_before.st_mtime_ns,
        )
        assert replaced, "publish should have replaced the published warehouse file"
        with duckdb.connect(str(published), read_only=True) as con:
            rows = con.execute("select day from sentiment_trend where mentions > 0").fetchall()
        assert stack.day in {d for (d,) in rows}, rows
