"""Raw-data retention: old days lose their raw, clean and landing files but keep their manifests,
and processing an expired day again is refused instead of loading an empty day."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from tests.transforms.raw_batches import commit, raw_posts
from transforms import raw_zone, zones
from transforms.clean import clean_day
from transforms.config import Retention
from transforms.errors import RawDataExpired
from transforms.extract import extract_source_day
from transforms.raw_gate import gate_raw_day
from transforms.retention import expire_raw
from transforms.warehouse import load_day

AS_OF = dt.date(2026, 10, 10)
RAW_DAYS = 30  # days before 2026-09-10 expire
OLD = dt.date(2026, 9, 9)  # the newest expired day
KEPT = dt.date(2026, 9, 10)  # the oldest kept day
CLEAN_FILES = ("posts.parquet", "post_brands.parquet", "classifications.parquet", "brands.parquet")


def record(day: dt.date, i: int, **overrides) -> dict:
    return {
        "id": f"{day:%m%d}{i}",
        "created_at": f"{day}T0{i}:00:00Z",
        "author_id": f"u{i}",
        "author_handle": f"@user{i}",
        "text": f"post {i} about Nimbus Mobile",
        "likes": 1,
        **overrides,
    }


def deliver(config, day: dt.date) -> bytes:
    """A reddit export of the day: two posts and a broken line (quarantined)."""
    lines = [json.dumps(record(day, 1)), json.dumps(record(day, 2)), "{broken"]
    data = ("\n".join(lines) + "\n").encode()
    path = zones.landing_file(config, config.source("reddit"), day)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def fill_clean_partition(config, day: dt.date) -> None:
    partition = zones.clean_partition(config, day)
    partition.mkdir(parents=True)
    for name in CLEAN_FILES:
        pl.DataFrame({"post_id": [f"reddit:{day}"]}).write_parquet(partition / name)


def sample_api_file(config, day: dt.date):
    path = zones.generated_landing_file(config, config.source("x"), day)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record(day, 3)) + "\n")
    return path


@pytest.fixture
def stored(config):
    """An expired day and a kept one, each with a reddit batch loaded from a landing file, an
    API batch with a watermark, a sample-API file and a clean partition."""
    config = config.model_copy(update={"retention": Retention(raw_days=RAW_DAYS)})
    for day in (OLD, KEPT):
        deliver(config, day)
        extract_source_day(config, config.source("reddit"), day)
        watermark = f"{day}T23:00:00Z"
        commit(config, "x", day, raw_posts(2, "x", day, f"x-{day}"), watermark_after=watermark)
        sample_api_file(config, day)
        fill_clean_partition(config, day)
    return config


def data_files(config, day: dt.date) -> list:
    batches = raw_zone.committed_batches(config, "reddit", day) + raw_zone.committed_batches(
        config, "x", day
    )
    return [
        *(b / name for b in batches for name in ("posts.parquet", "quarantine.parquet")),
        *(zones.clean_partition(config, day) / name for name in CLEAN_FILES),
        zones.landing_file(config, config.source("reddit"), day),
        zones.generated_landing_file(config, config.source("x"), day),
    ]


def test_expired_days_lose_their_data_files_and_keep_their_manifests(stored):
    old_files = data_files(stored, OLD)
    size = sum(p.stat().st_size for p in old_files)
    kept_before = {p: p.read_bytes() for p in data_files(stored, KEPT)}

    report = expire_raw(stored, AS_OF)

    assert (report.days_expired, report.days, report.batches_expired) == (1, [str(OLD)], 2)
    assert report.expired_before == "2026-09-10"
    assert (report.files_removed, report.bytes_removed) == (len(old_files), size)
    assert not any(p.exists() for p in old_files)
    assert not zones.clean_partition(stored, OLD).exists()
    for folder in raw_zone.committed_batches(stored, "reddit", OLD):
        assert raw_zone.read_manifest(folder).rows_accepted == 2  # counts kept
        marker = json.loads((folder / raw_zone.EXPIRED).read_text())
        assert marker["as_of"] == str(AS_OF)
        assert marker["rule"] == "retention.raw_days = 30 as of 2026-10-10: days before 2026-09-10"
        assert marker["removed"] == ["posts.parquet", "quarantine.parquet"]
    # The oldest kept day is untouched, byte for byte.
    assert {p: p.read_bytes() for p in data_files(stored, KEPT)} == kept_before
    assert not list(zones.clean_partition(stored, KEPT).parent.glob(f"day={KEPT}/*.json"))


def test_a_second_run_removes_nothing(stored):
    expire_raw(stored, AS_OF)
    markers = {p: p.read_bytes() for p in (stored.data_dir / "raw").rglob(raw_zone.EXPIRED)}

    again = expire_raw(stored, AS_OF)

    assert (again.days_expired, again.batches_expired, again.files_removed) == (0, 0, 0)
    assert again.bytes_removed == 0 and again.days == []
    assert {p: p.read_bytes() for p in (stored.data_dir / "raw").rglob(raw_zone.EXPIRED)} == (
        markers
    )


def test_the_rule_follows_as_of_not_the_clock(stored):
    # As of a day 31 days after OLD nothing is old enough yet (cutoff 2026-09-09).
    early = expire_raw(stored, OLD + dt.timedelta(days=RAW_DAYS))
    assert early.days_expired == 0
    assert all(p.exists() for p in data_files(stored, OLD))


@pytest.mark.parametrize(
    "step",
    [
        lambda config: raw_zone.day_posts(config, ["reddit", "x"], OLD),
        lambda config: raw_zone.day_quarantine(config, ["reddit"], OLD),
        lambda config: gate_raw_day(config, OLD),
        lambda config: clean_day(config, OLD),
        lambda config: load_day(config, OLD),
    ],
    ids=["day_posts", "day_quarantine", "gate_raw", "clean", "load"],
)
def test_processing_an_expired_day_again_is_refused_with_the_rule(stored, step):
    expire_raw(stored, AS_OF)
    with pytest.raises(RawDataExpired) as raised:
        step(stored)
    message = str(raised.value)
    assert str(OLD) in message
    assert "retention.raw_days = 30" in message
    # Nothing was written for the day: the clean partition stays gone, no warehouse appeared.
    assert not zones.clean_partition(stored, OLD).exists()
    assert not zones.warehouse_file(stored).exists()


def test_a_kept_day_is_still_processed(stored):
    expire_raw(stored, AS_OF)
    assert raw_zone.day_posts(stored, ["reddit", "x"], KEPT).height == 4


def test_an_expired_file_redelivered_is_still_known_and_watermarks_hold(stored):
    expire_raw(stored, AS_OF)
    deliver(stored, OLD)  # the vendor sends the same export again

    again = extract_source_day(stored, stored.source("reddit"), OLD)

    assert again.batch_id is None and again.skipped_files == [f"{OLD}.jsonl"]
    assert raw_zone.current_watermark(stored, "x") == f"{KEPT}T23:00:00Z"
    assert len(raw_zone.committed_batches(stored, "x", OLD)) == 1  # manifest kept


def test_nothing_to_expire_is_an_empty_report(config):
    report = expire_raw(config, AS_OF)
    assert (report.days_expired, report.files_removed, report.bytes_removed) == (0, 0, 0)
