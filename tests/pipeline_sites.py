"""Whole-pipeline runs in subprocesses, on data directories a test can copy and compare: what the
crash-recovery and concurrent-run tests share."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml
from polars.testing import assert_frame_equal

from transforms.config import CONFIG_ENV, DATA_DIR_ENV, DEFAULT_CONFIG, PROJECT_ROOT, load_config
from transforms.failpoints import ENV as FAILPOINT_ENV

PSEUDONYM_KEY_ENV = "LISTENER_PSEUDONYM_KEY"  # transforms/publish.py


@dataclass(frozen=True)
class Site:
    """A config file and the data directory it uses."""

    config: Path
    data: Path

    def env(self, failpoint: str | None = None) -> dict[str, str]:
        env = {**os.environ, CONFIG_ENV: str(self.config), DATA_DIR_ENV: str(self.data)}
        # One pseudonym key for every copy, so that their published marts can be compared.
        env[PSEUDONYM_KEY_ENV] = "pipeline-sites-test-key"
        env.pop(FAILPOINT_ENV, None)
        return {**env, FAILPOINT_ENV: failpoint} if failpoint else env

    def copy(self, folder: Path) -> Site:
        shutil.copytree(self.data, folder / "data")
        return Site(self.config, folder / "data")


def generated_site(folder: Path, days: int, posts_per_day: int) -> tuple[Site, dt.date]:
    """Sample data for the project config with its file sources only (an API snapshot's
    observed_at is the time of the request, so runs at different times would differ); returns
    the site and the first day."""
    from transforms.generate import generate_sample

    raw = yaml.safe_load(DEFAULT_CONFIG.read_text())
    raw["sources"] = [s for s in raw["sources"] if "base_url" not in s]
    site = Site(folder / "listener.yml", folder / "data")
    site.config.write_text(yaml.safe_dump(raw))
    patch = pytest.MonkeyPatch()
    patch.setenv(CONFIG_ENV, str(site.config))
    patch.setenv(DATA_DIR_ENV, str(site.data))
    try:
        config = load_config()
        generate_sample(config, start=config.sample.start, days=days, posts_per_day=posts_per_day)
    finally:
        patch.undo()
    return site, config.sample.start


def listener_run_command(day: dt.date) -> list[str]:
    return [sys.executable, "-m", "transforms.cli", "run", "--start", str(day), "--end", str(day)]


def listener_run(site: Site, day: dt.date, failpoint: str | None = None) -> tuple[int, str]:
    """`listener run` of one day (the real DAGs) in a subprocess: exit code, end of output."""
    done = subprocess.run(
        listener_run_command(day), env=site.env(failpoint), cwd=PROJECT_ROOT,
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    return done.returncode, (done.stdout + done.stderr)[-3000:]


def published_marts(site: Site) -> dict[str, pl.DataFrame]:
    """Every published mart, rows sorted: opening and reading each proves the file is whole."""
    path = site.data / "published" / "listener.duckdb"
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.sql("select table_name from duckdb_tables() order by 1").fetchall()
        return {name: con.sql(f'select * from "{name}" order by all').pl() for (name,) in tables}


# When a run trained its models (classifier_quality.created_at) is bookkeeping, not data: a data
# directory's first run trains them.
BOOKKEEPING = {"classifier_quality": ["created_at"]}


def assert_same_marts(actual: dict[str, pl.DataFrame], expected: dict[str, pl.DataFrame]) -> None:
    assert set(actual) == set(expected)
    for name, frame in expected.items():
        try:
            assert_frame_equal(actual[name].drop(BOOKKEEPING.get(name, [])),
                               frame.drop(BOOKKEEPING.get(name, [])))  # fmt: skip
        except AssertionError as differs:
            pytest.fail(f"mart {name} differs from the reference run's: {differs}")


def warehouse_rows(site: Site, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(site.data / "warehouse" / "listener.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def batch_folders(site: Site) -> list[str]:
    """Every folder of the raw zone's batches, committed or being staged (hidden)."""
    return sorted(str(p.relative_to(site.data)) for p in (site.data / "raw").glob("*/*/*batch=*"))


def assert_same_warehouse(site: Site, reference: Site) -> None:
    """No duplicate and no missing post, snapshot, load record or raw batch."""
    posts = "select post_id, count(*) from raw.posts group by 1 order by 1"
    rows = warehouse_rows(site, posts)
    assert rows == warehouse_rows(reference, posts)
    assert {n for _, n in rows} == {1}, "a post is in raw.posts twice"
    for table in ["post_snapshots", "post_brands", "load_audit", "quarantine"]:
        count = f"select count(*) from raw.{table}"
        assert warehouse_rows(site, count) == warehouse_rows(reference, count), table
    assert batch_folders(site) == batch_folders(reference), "raw batches differ"
