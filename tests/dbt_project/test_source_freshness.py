"""`dbt source freshness`: raw tables loaded recently pass, tables that stopped arriving warn or
error, and reference tables are not checked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from dbt_helpers import create_raw_warehouse, insert_raw_rows, run_dbt


def _freshness(tmp_path, posts_loaded_at: datetime, sessions_started_at: datetime) -> dict:
    warehouse = create_raw_warehouse(tmp_path / "listener.duckdb")
    naive = lambda moment: moment.astimezone(UTC).replace(tzinfo=None)  # noqa: E731
    insert_raw_rows(
        warehouse,
        "posts",
        [{"post_id": "x:1", "platform": "x", "loaded_at": naive(posts_loaded_at)}],
    )
    insert_raw_rows(
        warehouse,
        "web_sessions",
        [{"session_id": "s1", "started_at": naive(sessions_started_at)}],
    )
    work_dir = tmp_path / "dbt"
    run_dbt(["source", "freshness"], warehouse=warehouse, work_dir=work_dir)
    sources = json.loads((work_dir / "target" / "sources.json").read_text())
    return {r["unique_id"].split(".")[-1]: r["status"] for r in sources["results"]}


def test_recent_loads_pass_and_stale_ones_warn_or_error(tmp_path):
    now = datetime.now(UTC)
    status = _freshness(tmp_path, now - timedelta(hours=2), now - timedelta(hours=48))
    assert status["posts"] == "pass"
    assert status["web_sessions"] == "warn"  # 48 h > 36 h
    # Empty tables with a loaded_at_field have no freshness at all and fail; reference tables
    # are not in the results.
    assert status["orders"] == "error"
    assert "brands" not in status and "model_versions" not in status


def test_a_source_that_stopped_three_days_ago_errors(tmp_path):
    now = datetime.now(UTC)
    status = _freshness(tmp_path, now - timedelta(hours=80), now)
    assert status["posts"] == "error"
    assert status["web_sessions"] == "pass"
