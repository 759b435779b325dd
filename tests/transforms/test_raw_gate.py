"""The raw checkpoint on crafted raw batches: sound batches pass; bad rows, a broken schema and a
collapsed or exploded volume stop the day and quarantine exactly the batches at fault."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from tests.transforms.raw_batches import DAY, commit, raw_posts
from transforms import batch_quarantine, raw_zone, zones
from transforms.quality import QualityGateError
from transforms.raw_gate import gate_raw_day


def history(config, days: int = 5, per_day: int = 100) -> None:
    """`days` normal days of reddit and facebook before DAY."""
    for back in range(1, days + 1):
        day = DAY - dt.timedelta(days=back)
        for source in ("reddit", "facebook"):
            commit(config, source, day, raw_posts(per_day, source, day, f"{source}-{day}"))


def test_sound_batches_pass_and_resolve_an_earlier_stop(config):
    history(config)
    commit(config, "reddit", DAY, raw_posts(90, "reddit", DAY, "r1"))
    commit(config, "facebook", DAY, raw_posts(110, "facebook", DAY, "f1"))
    batch_quarantine.record_stopped_load(
        config, checkpoint="raw", run=DAY.isoformat(), days=[DAY], failures=["x"], report="r"
    )
    result = gate_raw_day(config, DAY)
    assert (result["rows"], result["batches"]) == (200, 2)
    assert not [r for r in batch_quarantine.records(config) if r.is_open]


@pytest.mark.parametrize(
    ("overrides", "expectation"),
    [
        (
            {"post_id": [None] * 3 + ["reddit:1", "reddit:2"]},
            "expect_column_values_to_not_be_null post_id",
        ),
        ({"post_id": ["reddit:1"] * 5}, "expect_compound_columns_to_be_unique batch_id,post_id"),
        ({"likes": [1, 2, -4, 0, 0]}, "expect_column_values_to_be_between likes"),
        ({"text": ["ok"] * 4 + [""]}, "expect_column_values_to_be_between text_length"),
        ({"platform": ["reddit"] * 4 + ["myspace"]}, "expect_column_values_to_be_in_set platform"),
        (  # written after the data interval ended
            {"created_at": [dt.datetime(2026, 10, 11, 0, 30, tzinfo=dt.UTC)] * 5},
            "expect_column_values_to_be_between created_offset_hours",
        ),
        (  # older than the source's 7 days of allowed lateness
            {"created_at": [dt.datetime(2026, 10, 1, tzinfo=dt.UTC)] * 5},
            "expect_column_values_to_be_between lateness_margin_hours",
        ),
    ],
)
def test_a_bad_row_quarantines_its_batch_only(config, overrides, expectation):
    good = commit(config, "facebook", DAY, raw_posts(5, "facebook", DAY, "f1"))
    bad = commit(config, "reddit", DAY, raw_posts(5, "reddit", DAY, "r1", **overrides))
    with pytest.raises(QualityGateError) as stopped:
        gate_raw_day(config, DAY)
    assert f"{expectation} in {bad}" in str(stopped.value)
    assert f"quarantined batches: {bad}" in str(stopped.value)
    assert batch_quarantine.held_back_batch_ids(config) == {bad}
    assert [p.name for p in raw_zone.admitted_batches(config, "facebook", DAY)] == [f"batch={good}"]
    assert raw_zone.day_posts(config, ["reddit", "facebook"], DAY)["source"].unique().to_list() == [
        "facebook"
    ]


def test_a_history_export_without_a_lateness_limit_may_hold_old_posts(config):
    source = config.source("reviews").model_copy(update={"max_lateness_days": None})
    config = config.model_copy(update={"sources": [source]})
    old = [dt.datetime(2024, 1, 1, tzinfo=dt.UTC)] * 5
    commit(config, "reviews", DAY, raw_posts(5, "reviews", DAY, "v1", created_at=old))
    assert gate_raw_day(config, DAY)["rows"] == 5


def test_a_collapsed_day_is_stopped_and_a_retry_still_is(config):
    history(config)
    commit(config, "facebook", DAY, raw_posts(100, "facebook", DAY, "f1"))
    tiny = commit(config, "reddit", DAY, raw_posts(2, "reddit", DAY, "r1"))  # 2% of the usual
    with pytest.raises(QualityGateError, match="volume_ratio in reddit"):
        gate_raw_day(config, DAY)
    assert batch_quarantine.held_back_batch_ids(config) == {tiny}
    report = json.loads((zones.quality_dir(config) / "raw_batches" / f"{DAY}.json").read_text())
    assert report["failures"][0]["observed"]["partial_unexpected_list"] == [0.02]
    with pytest.raises(QualityGateError, match="volume_ratio in reddit"):
        gate_raw_day(config, DAY)  # no reddit rows left at all
    (stopped,) = [r for r in batch_quarantine.records(config) if r.scope == "load"]
    assert stopped.is_open and stopped.run == DAY.isoformat()


def test_an_exploded_day_is_stopped_and_a_quiet_or_busy_day_only_warned(config):
    history(config)
    commit(config, "facebook", DAY, raw_posts(250, "facebook", DAY, "f1"))  # a busy day: 2.5x
    commit(config, "reddit", DAY, raw_posts(500, "reddit", DAY, "r1"))  # 5x: a double delivery
    with pytest.raises(QualityGateError, match="volume_ratio in reddit"):
        gate_raw_day(config, DAY)
    assert batch_quarantine.held_back_batch_ids(config) == {"r1"}
    report = json.loads((zones.quality_dir(config) / "raw_batches" / f"{DAY}.json").read_text())
    assert [w["culprits"] for w in report["warnings"]] == [["facebook", "reddit"]]


def test_too_little_history_skips_the_volume_check(config):
    history(config, days=2)  # under min_baseline_days
    commit(config, "reddit", DAY, raw_posts(1, "reddit", DAY, "r1"))
    assert gate_raw_day(config, DAY)["batches"] == 1


def test_mostly_unparsable_exports_and_a_wrong_schema_are_stopped(config):
    history(config)
    commit(config, "reddit", DAY, raw_posts(40, "reddit", DAY, "r1"), quarantined=60)
    folder = raw_zone.batch_dir(config, "facebook", DAY, "f1")
    commit(config, "facebook", DAY, raw_posts(100, "facebook", DAY, "f1"))
    posts = pl.read_parquet(folder / "posts.parquet")
    posts.with_columns(pl.col("likes").cast(pl.String)).write_parquet(folder / "posts.parquet")
    with pytest.raises(QualityGateError) as stopped:
        gate_raw_day(config, DAY)
    message = str(stopped.value)
    assert "quarantined_share in reddit" in message
    assert "schema_mismatches in facebook" in message
    assert batch_quarantine.held_back_batch_ids(config) == {"r1", "f1"}


def test_a_released_batch_is_admitted_as_it_is(config):
    history(config)
    commit(config, "facebook", DAY, raw_posts(100, "facebook", DAY, "f1"))
    commit(config, "reddit", DAY, raw_posts(2, "reddit", DAY, "r1"))
    with pytest.raises(QualityGateError):
        gate_raw_day(config, DAY)
    batch_quarantine.release(config, "r1", "the subreddit was closed for the day")
    assert gate_raw_day(config, DAY)["batches"] == 1  # facebook; reddit is admitted ungated
    assert {p.name for p in raw_zone.admitted_batches(config, "reddit", DAY)} == {"batch=r1"}
    assert not [r for r in batch_quarantine.records(config) if r.is_open]
