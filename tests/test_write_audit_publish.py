"""Write-audit-publish, gate by gate: a crafted bad batch is stopped with its reason reported, the
published marts stay byte-identical, and a good batch after the bad one publishes normally.

One small history is built once through the real DAGs (7 days); every test works on its own copy
of it and feeds day 8 through the pipeline's steps, as the DAG tasks call them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil

import duckdb
import polars as pl
import pytest

from transforms import batch_quarantine, pipeline, raw_zone, zones
from transforms.config import DATA_DIR_ENV, load_config
from transforms.quality import QualityGateError
from transforms.sample_api import serving_sample_apis
from transforms.warehouse import DbtBuildError

pytestmark = pytest.mark.slow

HISTORY_DAYS = 7
POSTS_PER_DAY = 400


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Generated posts for 9 days; days 1-7 ingested, built and published by the real DAGs."""
    from transforms.airflow_runner import run_range
    from transforms.generate import generate_sample

    data_dir = tmp_path_factory.mktemp("wap") / "data"
    patch = pytest.MonkeyPatch()
    patch.setenv(DATA_DIR_ENV, str(data_dir))
    config = load_config()
    start = config.sample.start
    generate_sample(config, start=start, days=HISTORY_DAYS + 2, posts_per_day=POSTS_PER_DAY)
    run_range(config, start, start + dt.timedelta(days=HISTORY_DAYS - 1))
    patch.undo()
    return data_dir, start


@pytest.fixture
def wh(history, tmp_path, monkeypatch):
    """A private copy of the history; returns (config, day 8, day 9)."""
    source_dir, start = history
    data_dir = tmp_path / "data"
    shutil.copytree(source_dir, data_dir)
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir))
    day8 = start + dt.timedelta(days=HISTORY_DAYS)
    return load_config(), day8, day8 + dt.timedelta(days=1)


def published_digest(config) -> dict[str, str]:
    """sha256 of every file BI tools and dashboards read."""
    folder = zones.published_dir(config)
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def published_days(config) -> list[dt.date]:
    with duckdb.connect(str(zones.published_warehouse(config)), read_only=True) as con:
        rows = con.execute("select distinct day from share_of_voice_daily order by day").fetchall()
    return [r[0] for r in rows]


def working_value(config, sql: str, params: list | None = None):
    with duckdb.connect(str(zones.warehouse_file(config)), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()[0][0]


def loaded_rows(config, day: dt.date) -> int:
    return working_value(config, "select count(*) from raw.posts where day = ?", [day])


def extract_day(config, day: dt.date) -> None:
    with serving_sample_apis(config):
        for name in pipeline.source_names(config):
            pipeline.extract(name, day)


def ingest_and_publish(config, day: dt.date) -> None:
    """Every step of both DAGs for one day, as their tasks call them."""
    with serving_sample_apis(config):
        pipeline.run_day(day)
    pipeline.build()
    pipeline.gate_marts()
    pipeline.publish()


def reddit_batch(config, day: dt.date):
    (folder,) = raw_zone.committed_batches(config, "reddit", day)
    return folder


def assert_good_day_publishes_after(config, day: dt.date, before: list[dt.date]) -> None:
    ingest_and_publish(config, day)
    assert published_days(config) == sorted({*before, day})
    assert not [r for r in batch_quarantine.records(config) if r.is_open and str(day) in r.days]


def test_a_batch_with_missing_ids_is_quarantined_and_a_good_day_after_publishes(wh):
    """Through the real ingest DAG: the raw gate's task fails with the failed expectation and the
    report, the alert callback records it, and only that batch is held back."""
    from transforms.airflow_runner import DagRunFailed, run_range

    config, day8, day9 = wh
    extract_day(config, day8)
    folder = reddit_batch(config, day8)  # a connector bug: the batch lost some of its ids
    posts = pl.read_parquet(folder / "posts.parquet")
    broken = posts.with_columns(
        post_id=pl.when(pl.int_range(pl.len()) < 3).then(None).otherwise(pl.col("post_id"))
    )
    broken.write_parquet(folder / "posts.parquet")
    before = published_digest(config)
    days_before = published_days(config)

    with pytest.raises(DagRunFailed, match=r"gate_raw"):
        run_range(config, day8, day8)

    assert published_digest(config) == before
    assert loaded_rows(config, day8) == 0
    (held,) = [r for r in batch_quarantine.records(config) if r.scope == "batch"]
    assert held.record_id == raw_zone.batch_id_of(folder) and held.source == "reddit"
    assert held.failures == ["raw_posts: expect_column_values_to_not_be_null post_id"]
    report = json.loads((zones.quality_dir(config) / "raw_posts" / f"{day8}.json").read_text())
    assert report["failures"][0]["observed"]["unexpected_count"] == 3
    alerts = zones.quality_dir(config).parent / "alerts" / "task_failures.jsonl"
    (alert,) = [json.loads(line) for line in alerts.read_text().splitlines()]
    assert alert["task_id"] == "gate_raw" and alert["dag_id"] == "listener_ingest"
    assert "expect_column_values_to_not_be_null post_id" in alert["error"]
    assert str(zones.quality_dir(config) / "raw_posts" / f"{day8}.json") in alert["error"]
    assert held.record_id in alert["error"]

    # The vendor re-delivers a corrected export: a new batch, loaded; the bad one stays out
    # and its rows are accounted for as a quarantined batch.
    export = zones.landing_file(config, config.source("reddit"), day8)
    export.write_text(export.read_text() + "\n")
    extract_day(config, day8)
    with serving_sample_apis(config):
        pipeline.run_day(day8)
    in_held = working_value(config, "select count(*) from raw.posts where batch_id = ?",
                            [held.record_id])  # fmt: skip
    held_rows = working_value(config, "select sum(rows_read) from raw.quarantined_batches "
                              "where batch_id = ?", [held.record_id])  # fmt: skip
    read = working_value(config, "select sum(rows_read) from raw.load_audit")
    snapshots = working_value(config, "select count(*) from raw.post_snapshots")
    rows_quarantined = working_value(config, "select count(*) from raw.quarantine")
    assert in_held == 0 and held_rows == posts.height
    assert loaded_rows(config, day8) > 0
    assert read == snapshots + rows_quarantined
    assert_good_day_publishes_after(config, day9, [*days_before, day8])


def test_a_day_at_two_percent_of_normal_volume_is_stopped(wh):
    config, day8, day9 = wh
    export = zones.landing_file(config, config.source("reddit"), day8)
    lines = export.read_text().splitlines()
    usual = len(lines)
    export.write_text(lines[0] + "\n")  # the extractor broke after one record
    extract_day(config, day8)
    before = published_digest(config)
    days_before = published_days(config)

    with pytest.raises(QualityGateError) as stopped:
        pipeline.gate_raw(day8)

    message = str(stopped.value)
    assert "expect_column_values_to_be_between volume_ratio in reddit" in message
    assert str(zones.quality_dir(config) / "raw_batches" / f"{day8}.json") in message
    assert published_digest(config) == before
    report = json.loads((zones.quality_dir(config) / "raw_batches" / f"{day8}.json").read_text())
    (ratio,) = report["failures"][0]["observed"]["partial_unexpected_list"]
    assert ratio == pytest.approx(1 / usual, rel=0.5) and ratio < 0.05
    held = batch_quarantine.held_back_batch_ids(config)
    assert held == {raw_zone.batch_id_of(reddit_batch(config, day8))}
    # A retry sees no reddit rows at all: still stopped, nothing new quarantined.
    with pytest.raises(QualityGateError, match="volume_ratio in reddit"):
        pipeline.gate_raw(day8)
    assert batch_quarantine.held_back_batch_ids(config) == held
    # The operator confirms the quiet day and releases the batch: the day loads with it.
    (batch_id,) = held
    batch_quarantine.release(config, batch_id, "vendor confirmed an outage")
    assert pipeline.gate_raw(day8)["batches"] == len(config.sources) - 1  # released: not gated
    assert not batch_quarantine.held_back_batch_ids(config)
    assert published_days(config) == days_before


def test_probabilities_that_do_not_sum_to_one_stop_the_load_until_reclassified(wh):
    config, day8, _ = wh
    extract_day(config, day8)
    pipeline.gate_raw(day8)
    pipeline.clean(day8)
    pipeline.classify(day8)
    path = zones.clean_partition(config, day8) / "classifications.parquet"
    good = pl.read_parquet(path)
    good.with_columns(p_positive=pl.col("p_positive") + 0.3).write_parquet(path)
    before = published_digest(config)
    days_before = published_days(config)

    with pytest.raises(QualityGateError) as stopped:
        pipeline.gate_classified(day8)

    assert "expect_column_values_to_be_between p_sum" in str(stopped.value)
    assert "data docs: file://" in str(stopped.value)
    assert published_digest(config) == before and loaded_rows(config, day8) == 0
    (record,) = [r for r in batch_quarantine.records(config) if r.is_open]
    assert (record.checkpoint, record.days) == ("classified_posts", [day8.isoformat()])
    assert len(record.batch_ids) == len(config.sources)

    # Re-classifying the day (the fix) passes the gate and resolves the record; the day loads.
    pipeline.classify(day8)
    pipeline.gate_classified(day8)
    assert not [r for r in batch_quarantine.records(config) if r.is_open]
    pipeline.load(day8)
    assert loaded_rows(config, day8) == good.height
    assert published_days(config) == days_before  # until the warehouse DAG publishes


def test_marts_whose_shares_do_not_sum_to_one_are_not_published(wh):
    config, _, _ = wh
    newest = max(published_days(config))
    with duckdb.connect(str(zones.warehouse_file(config))) as con:
        con.execute(  # a broken model: one brand's share doubled on the newest day
            "update marts.share_of_voice_daily set share_of_mentions = share_of_mentions * 2 "
            "where day = ? and brand = 'nimbus'",
            [newest],
        )
    before = published_digest(config)

    with pytest.raises(QualityGateError) as stopped:
        pipeline.gate_marts()

    assert "share_of_mentions_sum" in str(stopped.value)
    assert f"marts/through-{newest}.json" in str(stopped.value)
    assert published_digest(config) == before
    (record,) = [r for r in batch_quarantine.records(config) if r.is_open]
    assert (record.checkpoint, record.run) == ("marts", f"through-{newest}")

    # The next build redoes the newest days, so the fixed marts pass and publish.
    pipeline.build()
    pipeline.gate_marts()
    assert pipeline.publish()["share_of_voice_daily"] > 0
    assert not [r for r in batch_quarantine.records(config) if r.is_open]


def test_a_failing_dbt_test_stops_publication(wh):
    config, _, _ = wh
    with duckdb.connect(str(zones.warehouse_file(config))) as con:
        con.execute(  # a label no mart knows, slipped past the classified gate
            "update raw.posts set sentiment = 'furious' where post_id = "
            "(select min(post_id) from raw.posts where sentiment = 'negative')"
        )
        con.execute(
            "insert into raw.pending_days values ('2026-10-03', '2026-10-03', localtimestamp)"
        )
    before = published_digest(config)

    with pytest.raises(DbtBuildError) as stopped:
        pipeline.build()

    assert "accepted_values" in str(stopped.value) and "sentiment" in str(stopped.value)
    assert "run_results.json" in str(stopped.value)
    assert published_digest(config) == before
    (record,) = [r for r in batch_quarantine.records(config) if r.is_open]
    assert (record.checkpoint, record.days) == ("dbt_build", ["2026-10-03"])
