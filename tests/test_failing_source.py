"""A source that keeps failing (its API times out, answers 500 or sends garbage) fails cleanly after
its retries, keeps its watermark, and does not hold back the other sources: their posts of the
same day still pass the raw gate and load, through `transforms/pipeline.py` and through the real
ingest DAG.

One healthy day is built once (the x source served by a local API, the others file drops) with a
volume baseline of one day, so that a source missing on day 2 would stop the gate if it were
counted; every test works on its own copy and breaks the x API for day 2.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
import yaml

from transforms import pipeline, raw_zone, zones
from transforms.config import CONFIG_ENV, DATA_DIR_ENV, PROJECT_ROOT, load_config
from transforms.connectors.sample_server import Faults, SampleApiServer
from transforms.sample_api import load_generated_posts

pytestmark = pytest.mark.slow

DAY1 = dt.date(2026, 10, 1)
DAY2 = DAY1 + dt.timedelta(days=1)
EVERY_REQUEST = set(range(1, 10_000))
AIRFLOW_SETTINGS = (
    "AIRFLOW_HOME", "AIRFLOW__CORE__DAGS_FOLDER", "AIRFLOW__CORE__LOAD_EXAMPLES",
    "AIRFLOW__LOGGING__LOGGING_LEVEL", "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION",
    "GX_ANALYTICS_ENABLED",
)  # fmt: skip


def write_config(path: Path, x_url: str) -> Path:
    """The project config with the x API at `x_url`, quick to give up, and a volume baseline of
    one day (so day 2's volume is judged against day 1)."""
    raw = yaml.safe_load((PROJECT_ROOT / "config" / "listener.yml").read_text())
    x = next(s for s in raw["sources"] if s["name"] == "x")
    x.update(base_url=x_url, max_attempts=3, timeout_seconds=0.5)
    raw["quality"]["volume"]["min_baseline_days"] = 1
    path.write_text(yaml.safe_dump(raw))
    return path


@contextmanager
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers: every request times out."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Two generated days; day 1 ingested with every source healthy."""
    from transforms.generate import generate_sample

    root = tmp_path_factory.mktemp("failing-source")
    patch = pytest.MonkeyPatch()
    patch.setenv(DATA_DIR_ENV, str(root / "data"))
    patch.setenv("LISTENER_X_TOKEN", "fake-token-for-tests")
    generate_sample(load_config(), start=DAY1, days=2, posts_per_day=300)
    posts = load_generated_posts(load_config(), load_config().source("x"))
    with SampleApiServer({"x": posts}) as server:
        patch.setenv(CONFIG_ENV, str(write_config(root / "listener.yml", server.base_url)))
        pipeline.run_day(DAY1)
    patch.undo()
    return root, posts


@pytest.fixture
def copy(history, tmp_path, monkeypatch):
    """A private copy of the history; returns (config file path, x's posts)."""
    root, posts = history
    shutil.copytree(root / "data", tmp_path / "data")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.setenv("LISTENER_X_TOKEN", "fake-token-for-tests")
    return tmp_path / "listener.yml", posts


@contextmanager
def broken_x_api(kind: str, posts: list[dict]) -> Iterator[str]:
    """The x API at a URL that fails in the given way on every request."""
    if kind == "timeout":
        with silent_server() as url:
            yield url
        return
    faults = (
        Faults(error_on_request=EVERY_REQUEST)
        if kind == "500"
        else Faults(malformed_on_request=EVERY_REQUEST)  # garbage: a cut-off JSON page
    )
    with SampleApiServer({"x": posts}, faults) as server:
        yield server.base_url


def loaded_sources(config, day: dt.date) -> dict[str, int]:
    with duckdb.connect(str(zones.warehouse_file(config)), read_only=True) as con:
        rows = con.execute(
            "select platform, count(*) from raw.posts where day = ? group by platform", [day]
        ).fetchall()
    return dict(rows)


def assert_day2_loaded_without_x(config, x_watermark: str | None) -> None:
    assert raw_zone.current_watermark(config, "x") == x_watermark  # not moved
    assert raw_zone.committed_batches(config, "x", DAY2) == []  # nothing half-committed
    loaded = loaded_sources(config, DAY2)
    file_platforms = {s.platform for s in config.sources if s.kind == "file"}
    assert set(loaded) == file_platforms and all(n > 0 for n in loaded.values())
    assert loaded_sources(config, DAY1).get("x", 0) > 0  # day 1's x posts stay loaded


@pytest.mark.parametrize("kind", ["timeout", "500", "garbage"])
def test_a_failing_api_source_does_not_hold_back_the_others(copy, monkeypatch, kind):
    config_file, posts = copy
    with broken_x_api(kind, posts) as url:
        monkeypatch.setenv(CONFIG_ENV, str(write_config(config_file, url)))
        config = load_config()
        before = raw_zone.current_watermark(config, "x")
        assert before is not None
        result = pipeline.run_day(DAY2)
    assert list(result["extract_failed"]) == ["x"]
    assert "after 3 attempts" in result["extract_failed"]["x"]  # retried, then gave up
    assert result["gate_raw"]["sources_failed"] == ["x"]
    assert_day2_loaded_without_x(config, before)


def test_the_ingest_dag_loads_the_other_sources(copy, monkeypatch):
    from transforms.airflow_runner import _init_metadata_db, _load_dags, configure_airflow

    config_file, posts = copy
    for name in AIRFLOW_SETTINGS:  # configure_airflow sets them; undone after the test
        monkeypatch.delenv(name, raising=False)
    with broken_x_api("500", posts) as url:
        monkeypatch.setenv(CONFIG_ENV, str(write_config(config_file, url)))
        config = load_config()
        before = raw_zone.current_watermark(config, "x")
        configure_airflow(config, config_file)
        _init_metadata_db()
        dag = _load_dags()["listener_ingest"]
        for task in dag.tasks:
            task.retries = 0  # the connector's own retries still run
        logical = dt.datetime.combine(DAY2 + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        run = dag.test(logical_date=logical)
    states = {}
    for ti in run.get_task_instances():
        states.setdefault(ti.task_id, []).append(str(ti.state).rsplit(".", 1)[-1])
    assert sorted(states["extract"]).count("failed") == 1  # x alone
    assert states["extract"].count("success") == len(config.sources) - 1
    for task_id in ("gate_raw", "clean", "classify", "gate_classified", "load"):
        assert states[task_id] == ["success"], (task_id, states)
    assert_day2_loaded_without_x(config, before)
