"""The files `generate_sample` writes: where, which columns, which formats."""

from __future__ import annotations

import csv
import datetime as dt
import json

import polars as pl
import pyarrow.parquet as pq

from transforms import zones
from transforms.generate.posts import GENERATED_FIELDS as LANDING_POST
from transforms.schema import FUNNEL, GROUND_TRUTH

from .conftest import Sample
from .helpers import read_funnel


def _days(sample: Sample) -> list[dt.date]:
    return [sample.start + dt.timedelta(days=k) for k in range(sample.days)]


def test_every_landing_file_has_exactly_the_landing_columns(sample: Sample) -> None:
    for day in _days(sample):
        for source in sample.config.sources:
            path = zones.generated_landing_file(sample.config, source, day)
            assert path.exists(), path
            if source.format == "csv":
                with path.open(newline="", encoding="utf-8") as handle:
                    header = next(csv.reader(handle))
                assert header == list(LANDING_POST)
            else:
                with path.open(encoding="utf-8") as handle:
                    for line in handle:
                        assert list(json.loads(line)) == list(LANDING_POST)


def test_nulls_are_json_null_and_empty_csv_cells(sample: Sample) -> None:
    day = sample.start
    x = sample.config.source("x")
    first = json.loads(
        zones.generated_landing_file(sample.config, x, day).read_text().splitlines()[0]
    )
    assert first["rating"] is None and first["in_reply_to_id"] is None
    reviews = zones.generated_landing_file(sample.config, sample.config.source("reviews"), day)
    with reviews.open(newline="", encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    assert row["impressions"] == "" and row["lang"] == "" and row["rating"] in "12345"


def test_funnel_and_ground_truth_files_have_exactly_their_columns(sample: Sample) -> None:
    for day in _days(sample):
        for table, columns in FUNNEL.items():
            path = zones.funnel_file(sample.config, table, day)
            with path.open(newline="", encoding="utf-8") as handle:
                assert next(csv.reader(handle)) == list(columns), path
        truth = pl.read_parquet(zones.ground_truth_file(sample.config, day))
        assert truth.schema == pl.Schema(GROUND_TRUTH)
        assert pq.ParquetFile(zones.ground_truth_file(sample.config, day)).metadata.num_rows


def test_ground_truth_has_one_row_per_landing_post(sample: Sample) -> None:
    total = 0
    for day in _days(sample):
        truth = pl.read_parquet(zones.ground_truth_file(sample.config, day))
        landed = sample.posts.filter(pl.col("day") == day)
        assert truth.height == landed.height  # the joined window lost no post
        total += truth.height
    assert total == sample.report.total_posts == sample.posts.height


def test_native_ids_are_unique_per_platform_and_look_native(sample: Sample) -> None:
    posts = sample.posts
    assert posts.select(pl.struct("platform", "id").n_unique()).item() == posts.height
    patterns = {
        "x": r"^\d{18,19}$",
        "youtube": r"^\d{16,19}$",
        "instagram": r"^\d{18,19}$",
        "reddit": r"^t[13]_[0-9a-z]{8}$",
        "facebook": r"^\d{15}_\d{16,19}$",
        "reviews": r"^R[0-9A-Z]{12}$",
    }
    for platform, pattern in patterns.items():
        ids = posts.filter(pl.col("platform") == platform)["id"]
        assert ids.len() > 0
        assert ids.str.contains(pattern).all(), (platform, ids.head(3).to_list())


def test_post_times_are_utc_and_inside_their_day(sample: Sample) -> None:
    posts = sample.posts
    assert posts["created_at"].str.ends_with("Z").all()
    assert (posts["ts"].dt.date() == posts["day"]).all()
    x = posts.filter(pl.col("platform") == "x")["created_at"]
    assert x.str.contains(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$").all()  # API milliseconds
    other = posts.filter(pl.col("platform") != "x")["created_at"]
    assert other.str.contains(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").all()


def test_funnel_timestamps_are_utc_and_inside_their_file_day(sample: Sample) -> None:
    for table in ("web_sessions", "leads", "opportunities", "orders"):
        frame = read_funnel(sample.config, table, sample.start, sample.days)
        assert frame.height > 0, table
        assert (frame["ts"].dt.date() == frame["file_day"]).all(), table
    spend = read_funnel(sample.config, "campaign_spend", sample.start, sample.days)
    assert (spend["day"] == spend["file_day"].dt.to_string("%Y-%m-%d")).all()


def test_report_counts_what_was_written(sample: Sample) -> None:
    report = sample.report
    counts = sample.posts.group_by("platform").len()
    assert dict(counts.iter_rows()) == report.posts
    assert all(path.exists() for path in report.files)
    expected = sample.days * (len(sample.config.sources) + 1 + len(FUNNEL))
    assert len(report.files) == expected
    sessions = read_funnel(sample.config, "web_sessions", sample.start, sample.days)
    assert report.funnel_rows["web_sessions"] == sessions.height
    assert report.seconds > 0
    assert not list(sample.config.data_dir.rglob("*.tmp"))  # every file was completed
