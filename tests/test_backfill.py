"""Backfilling a range gives the marts that day-by-day scheduled runs give: three days through
`listener run` (ingest each day, then one warehouse build) against three single runs (ingest and
warehouse after every day, as the asset schedule does), on the same generated export files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml
from polars.testing import assert_frame_equal

from transforms import zones
from transforms.config import CONFIG_ENV, DATA_DIR_ENV, DEFAULT_CONFIG

DAYS = 3
POSTS_PER_DAY = 250

pytestmark = pytest.mark.slow


# When each run trained its models (classifier_quality.created_at) is bookkeeping, not data.
BOOKKEEPING = {"classifier_quality": ["created_at"]}


def mart_tables(config) -> dict[str, pl.DataFrame]:
    """Every published mart, rows in a fixed order; run bookkeeping columns dropped."""
    with duckdb.connect(str(zones.published_warehouse(config)), read_only=True) as con:
        names = [
            r[0]
            for r in con.sql(
                "select table_name from information_schema.tables "
                "where table_schema = 'main' order by 1"
            ).fetchall()
        ]
        return {
            n: con.sql(f'select * from "{n}" order by all').pl().drop(BOOKKEEPING.get(n, []))
            for n in names
        }


def file_sources_config(folder: Path) -> Path:
    """The project config with the file sources only. An API snapshot's observed_at is the time
    of the request, so two extractions of the same API never match; export files carry theirs."""
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text())
    raw["sources"] = [s for s in raw["sources"] if "base_url" not in s]
    path = folder / "listener.yml"
    path.write_text(yaml.safe_dump(raw))
    return path


def generated(tmp_path_factory, name: str, patch: pytest.MonkeyPatch):
    from transforms.config import load_config
    from transforms.generate import generate_sample

    folder = tmp_path_factory.mktemp(name)
    patch.setenv(CONFIG_ENV, str(file_sources_config(folder)))
    patch.setenv(DATA_DIR_ENV, str(folder / "data"))
    config = load_config()
    generate_sample(config, start=config.sample.start, days=DAYS, posts_per_day=POSTS_PER_DAY)
    return config


@pytest.fixture(scope="module")
def both_ways(tmp_path_factory):
    from transforms.airflow_runner import run_range

    patch = pytest.MonkeyPatch()
    try:
        backfilled = generated(tmp_path_factory, "backfill", patch)
        start = backfilled.sample.start
        end = start + dt.timedelta(days=DAYS - 1)
        run_range(backfilled, start, end)
        backfill_marts = mart_tables(backfilled)

        single = generated(tmp_path_factory, "single", patch)
        for offset in range(DAYS):
            day = start + dt.timedelta(days=offset)
            run_range(single, day, day)
        yield backfill_marts, mart_tables(single)
    finally:
        patch.undo()


def test_the_same_marts_are_published(both_ways):
    backfill, single = both_ways
    assert set(backfill) == set(single)
    assert {"share_of_voice", "sentiment_trend", "funnel_attribution"} <= set(backfill)
    for name, frame in backfill.items():
        assert frame.height > 0 or name in {"alerts", "triage_queue"}, name
        try:
            # Same rows; float sums may differ in the last bits with aggregation order.
            assert_frame_equal(single[name], frame, check_exact=False, rel_tol=1e-12, abs_tol=1e-9)
        except AssertionError as differs:
            pytest.fail(f"mart {name} differs between the backfill and single runs: {differs}")


def test_every_day_is_in_the_marts(both_ways):
    backfill, _ = both_ways
    days = backfill["share_of_voice_daily"]["day"].unique().sort().to_list()
    assert len(days) == DAYS
