import datetime as dt
import gzip
import json
import shutil
import uuid

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms import parse, raw_zone, zones
from transforms.extract import extract_source_day, parse_timestamp

DAY = dt.date(2026, 10, 5)


def post(i: int, **overrides) -> dict:
    row = {
        "id": str(1000 + i),
        "created_at": f"2026-10-05T{i % 24:02d}:15:00Z",
        "author_id": f"u{i}",
        "author_handle": f"@user{i}",
        "author_followers": 10 * i,
        "author_verified": False,
        "text": f"post number {i} about @NimbusMobile",
        "lang": "en",
        "in_reply_to_id": None,
        "repost_of_id": None,
        "likes": i,
        "shares": 0,
        "comments": 1,
        "impressions": None,
        "rating": None,
    }
    row.update(overrides)
    return row


def land(config, source_name: str, lines: list[str], gz: bool = False, name: str | None = None):
    source = config.source(source_name)
    path = zones.landing_file(config, source, DAY)
    if name:
        path = path.with_name(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = ("\n".join(lines) + "\n").encode()
    if gz:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data)
    path.write_bytes(data)
    return source


def read_batch(config, source_name: str, batch_id: str):
    folder = raw_zone.batch_dir(config, source_name, DAY, batch_id)
    return (
        pl.read_parquet(folder / "posts.parquet"),
        pl.read_parquet(folder / "quarantine.parquet"),
        json.loads((folder / "manifest.json").read_text()),
    )


def test_good_rows_are_accepted_with_canonical_ids(config):
    source = land(config, "reddit", [json.dumps(post(i)) for i in range(5)])
    report = extract_source_day(config, source, DAY)
    posts, quarantine, manifest = read_batch(config, "reddit", report.batch_id)
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (5, 5, 0)
    assert posts["post_id"].to_list()[0] == "reddit:1000"
    assert posts["created_at"].dtype == pl.Datetime("us", "UTC")
    assert posts["day"].unique().to_list() == [DAY]
    assert quarantine.height == 0
    assert manifest["rows_read"] == 5
    assert manifest["files"][0]["name"] == "2026-10-05.jsonl"
    assert len(manifest["files"][0]["sha256"]) == 64
    assert manifest["files"][0]["rows_read"] == 5


def test_bad_rows_are_quarantined_with_reasons_and_the_batch_goes_on(config):
    lines = [
        json.dumps(post(1)),
        "{not json",
        json.dumps(post(2, id=None)),
        json.dumps(post(3, likes=-4)),
        json.dumps(post(4, likes="many")),
        json.dumps(post(5, created_at="2026-10-09T00:00:00Z")),
        json.dumps(post(6, created_at="yesterday")),
        json.dumps(post(7, text="x" * 10_001)),
        json.dumps(post(1)),  # same id again
        json.dumps([1, 2]),
        json.dumps(post(8, created_at="2001-01-01T00:00:00Z", id="old")),
        json.dumps(post(9, created_at="2026-09-20T00:00:00Z")),
        json.dumps(post(10, author_verified="maybe")),
    ]
    source = land(config, "reddit", lines)
    report = extract_source_day(config, source, DAY)
    _, quarantine, manifest = read_batch(config, "reddit", report.batch_id)
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (13, 1, 12)
    assert manifest["rows_quarantined"] == 12
    reasons = dict(zip(quarantine["line_number"], quarantine["reason"], strict=True))
    assert reasons[2].startswith("malformed JSON")
    assert reasons[3] == "missing required field id"
    assert reasons[4] == "likes is negative"
    assert reasons[5] == "likes is not an integer"
    assert reasons[6] == "created_at after the end of the data interval"
    assert reasons[7] == "created_at is not a timestamp (ISO-8601 or epoch)"
    assert reasons[8] == "text longer than 10000"
    assert reasons[9] == "duplicate id in batch"
    assert reasons[10] == "not a JSON object"
    assert reasons[11] == "created_at before the platform existed"
    assert reasons[12] == "created_at older than the allowed lateness"
    assert reasons[13] == "author_verified is not a boolean"
    assert quarantine.filter(pl.col("line_number") == 2)["raw_payload"][0] == "{not json"
    assert set(quarantine["batch_id"]) == {report.batch_id}
    assert set(quarantine["source"]) == {"reddit"}
    assert set(quarantine["file"]) == {"2026-10-05.jsonl"}


def test_invalid_utf8_is_quarantined(config):
    source = config.source("reddit")
    path = zones.landing_file(config, source, DAY)
    path.parent.mkdir(parents=True)
    path.write_bytes(json.dumps(post(1)).encode() + b"\n" + b'{"id": "\xff\xfe"}\n')
    report = extract_source_day(config, source, DAY)
    _, quarantine, _ = read_batch(config, "reddit", report.batch_id)
    assert (report.rows_accepted, report.rows_quarantined) == (1, 1)
    assert quarantine["reason"].to_list() == ["invalid UTF-8"]


def test_rerunning_a_day_or_redelivering_a_file_adds_nothing(config):
    lines = [json.dumps(post(i)) for i in range(20)]
    source = land(config, "reddit", lines, gz=True)
    first = extract_source_day(config, source, DAY)
    partition = zones.raw_partition(config, "reddit", DAY)
    snapshot = {p: p.read_bytes() for p in partition.rglob("*") if p.is_file()}

    again = extract_source_day(config, source, DAY)
    assert again.batch_id is None and again.rows_read == 0
    assert again.skipped_files == ["2026-10-05.jsonl.gz"]
    # The same content delivered again, uncompressed, beside the first copy.
    land(config, "reddit", lines)
    redelivered = extract_source_day(config, source, DAY)
    assert redelivered.batch_id is None
    assert sorted(redelivered.skipped_files) == ["2026-10-05.jsonl", "2026-10-05.jsonl.gz"]
    assert {p: p.read_bytes() for p in partition.rglob("*") if p.is_file()} == snapshot
    assert len(raw_zone.committed_batches(config, "reddit", DAY)) == 1
    assert first.rows_accepted == 20


def test_a_later_snapshot_updates_engagement_and_history_is_kept(config):
    source = land(config, "reddit", [json.dumps(post(i, likes=1)) for i in range(3)])
    early = dt.datetime(2026, 10, 6, 1, tzinfo=dt.UTC)
    extract_source_day(config, source, DAY, now=early)
    # A corrected export arrives with higher counts for the same posts, plus one new post.
    land(config, "reddit", [json.dumps(post(i, likes=50)) for i in range(4)], name="late.jsonl")
    source = source.model_copy(update={"pattern": "*.jsonl"})
    later = extract_source_day(config, source, DAY, now=early + dt.timedelta(hours=5))
    assert later.rows_accepted == 4 and later.skipped_files == ["2026-10-05.jsonl"]

    every = raw_zone.day_posts(config, ["reddit"], DAY)
    assert every.height == 7  # all snapshots are kept
    latest = raw_zone.latest_snapshots(every)
    assert latest.height == 4
    assert latest["likes"].to_list() == [50, 50, 50, 50]
    snapshots = raw_zone.day_snapshots(config, ["reddit"], DAY).collect()
    assert snapshots.height == 7
    history = snapshots.filter(pl.col("post_id") == "reddit:1000")
    assert sorted(history["likes"].to_list()) == [1, 50]


def test_csv_export_and_missing_file(config):
    source = config.source("reviews")
    path = zones.landing_file(config, source, DAY)
    path.parent.mkdir(parents=True)
    header = "id,created_at,author_id,author_handle,text,likes,rating\n"
    path.write_text(
        header
        + 'r1,2026-10-05T10:00:00Z,a1,@ann,"Great signal, love Nimbus",3,5\n'
        + "r2,2026-10-05T11:00:00Z,a2,@bob,meh,2,9\n"
        + "r3,2026-10-05T11:00:00Z,a3\n"
    )
    report = extract_source_day(config, source, DAY)
    posts, quarantine, _ = read_batch(config, "reviews", report.batch_id)
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (3, 1, 2)
    assert posts["text"][0] == "Great signal, love Nimbus"
    assert quarantine["reason"].to_list() == [
        "rating not 1-5",
        "CSV row has 3 fields, the header has 7",
    ]
    empty = extract_source_day(config, config.source("reddit"), DAY)
    assert (empty.rows_read, empty.batch_id, empty.files) == (0, None, [])


def test_invalid_utf8_in_a_csv_quarantines_only_that_line(config):
    source = config.source("reviews")
    path = zones.landing_file(config, source, DAY)
    path.parent.mkdir(parents=True)
    path.write_bytes(
        b"id,created_at,author_id,text\n"
        b"r1,2026-10-05T10:00:00Z,a1,fine\n"
        b"r2,2026-10-05T10:00:00Z,a2,caf\xe9\n"
    )
    report = extract_source_day(config, source, DAY)
    _, quarantine, _ = read_batch(config, "reviews", report.batch_id)
    assert (report.rows_accepted, report.rows_quarantined) == (1, 1)
    assert quarantine.select("line_number", "reason").row(0) == (3, "invalid UTF-8")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-10-05T10:00:00Z", dt.datetime(2026, 10, 5, 10, tzinfo=dt.UTC)),
        ("2026-10-05T12:00:00+02:00", dt.datetime(2026, 10, 5, 10, tzinfo=dt.UTC)),
        ("2026-10-05 10:00:00", dt.datetime(2026, 10, 5, 10, tzinfo=dt.UTC)),
        ("2026-10-05T10:00:00.250Z", dt.datetime(2026, 10, 5, 10, 0, 0, 250000, tzinfo=dt.UTC)),
        ("1791194400", dt.datetime(2026, 10, 5, 10, tzinfo=dt.UTC)),
        ("1791194400000", dt.datetime(2026, 10, 5, 10, tzinfo=dt.UTC)),
        ("05/10/2026", None),
    ],
)
def test_default_timestamps_are_iso_8601_or_epoch(value, expected):
    frame = pl.DataFrame({"t": [value]}).select(parse_timestamp("t", None))
    assert frame["t"][0] == expected


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**12), st.text(max_size=30),
    st.floats(allow_nan=False),
)  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.one_of(
            st.dictionaries(st.sampled_from(list(post(0))), scalars, max_size=15),
            st.builds(lambda i: post(i), st.integers(0, 50)),
            st.binary(max_size=40),
        ),
        max_size=30,
    )
)
def test_every_row_read_is_accepted_or_quarantined(config, rows):
    # A fresh data folder per example: the raw zone would (rightly) skip a repeated file.
    config = config.model_copy(update={"data_dir": config.data_dir / uuid.uuid4().hex})
    lines = [r.decode("latin-1") if isinstance(r, bytes) else json.dumps(r) for r in rows]
    lines = [line.replace("\n", " ") for line in lines]
    source = land(config, "reddit", lines)
    report = extract_source_day(config, source, DAY)
    assert report.rows_read == len([line for line in lines if line.encode().strip()])
    assert report.rows_read == report.rows_accepted + report.rows_quarantined
    if report.batch_id is None:
        return
    posts, quarantine, _ = read_batch(config, "reddit", report.batch_id)
    assert posts.height == report.rows_accepted
    assert quarantine.height == report.rows_quarantined
    assert quarantine["reason"].null_count() == 0


csv_cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(['"', ",", "\n", '""', "2026-10-05T01:00:00Z", "-1", "5", "nimbus"]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(csv_cells, max_size=9), max_size=20), junk=st.binary(max_size=20))
def test_every_csv_row_read_is_accepted_or_quarantined(config, rows, junk):
    config = config.model_copy(update={"data_dir": config.data_dir / uuid.uuid4().hex})
    source = config.source("reviews")
    path = zones.landing_file(config, source, DAY)
    path.parent.mkdir(parents=True)
    header = "id,created_at,author_id,author_handle,text,likes,rating\n"
    body = "\n".join(",".join(row) for row in rows)
    path.write_bytes(header.encode() + body.encode("utf-8", "surrogatepass") + junk)
    report = extract_source_day(config, source, DAY)
    assert report.rows_read == report.rows_accepted + report.rows_quarantined
    if report.batch_id is not None:
        posts, quarantine, manifest = read_batch(config, "reviews", report.batch_id)
        assert (posts.height, quarantine.height) == (report.rows_accepted, report.rows_quarantined)
        assert manifest["files"][0]["rows_read"] == report.rows_read
        assert quarantine["reason"].null_count() == 0


def test_an_unreadable_file_is_quarantined_and_the_others_load(config):
    source = config.source("reddit").model_copy(update={"pattern": "*.jsonl*"})
    folder = zones.landing_file(config, source, DAY).parent
    folder.mkdir(parents=True)
    (folder / "good.jsonl").write_text(json.dumps(post(1)) + "\n")
    (folder / "broken.jsonl.gz").write_bytes(b"\x1f\x8b not really gzip")
    report = extract_source_day(config, source, DAY)
    _, quarantine, manifest = read_batch(config, "reddit", report.batch_id)
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (2, 1, 1)
    assert quarantine["reason"][0].startswith("file not readable: BadGzipFile")
    assert [f["name"] for f in manifest["files"]] == ["broken.jsonl.gz", "good.jsonl"]
    assert extract_source_day(config, source, DAY).batch_id is None  # not quarantined twice


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**15), 10**15), st.text(max_size=20)
)


@settings(max_examples=60, deadline=None)
@given(records=st.lists(st.dictionaries(st.sampled_from(list(post(0))), json_scalars), max_size=8))
def test_the_fast_jsonl_reader_reads_what_the_line_reader_reads(records):
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    columns = list(post(0))
    fast = parse._parse_clean_jsonl(data, columns)
    slow, rejected = parse._parse_jsonl_by_line(data, columns)
    assert rejected == []
    if records:
        assert fast is not None
        assert fast.equals(slow.select(fast.columns))


def test_a_batch_another_run_committed_meanwhile_is_kept(config, monkeypatch):
    """Two runs of a day at once stage the same batch (its id names its content); the one that
    renames it into place second finds it committed, keeps it and leaves no staging behind."""
    source = land(config, "reddit", [json.dumps(post(i)) for i in range(5)])
    write_manifest = raw_zone.write_manifest

    def other_run_commits_first(folder, manifest):
        write_manifest(folder, manifest)  # ours is complete; the other run renames its copy first
        shutil.copytree(folder, folder.with_name(f"batch={manifest.batch_id}"))

    monkeypatch.setattr(raw_zone, "write_manifest", other_run_commits_first)
    report = extract_source_day(config, source, DAY)

    partition = zones.raw_partition(config, "reddit", DAY)
    assert [p.name for p in partition.iterdir()] == [f"batch={report.batch_id}"]
    posts, _, manifest = read_batch(config, "reddit", report.batch_id)
    assert posts.height == manifest["rows_accepted"] == 5


def test_counts_over_the_plausible_maximum_are_quarantined(config):
    # 2**63 - 1 likes once loaded, and the marts' likes + shares + comments overflowed in dbt.
    lines = [
        json.dumps(post(1, likes=10**12, impressions=10**12)),
        json.dumps(post(2, likes=2**63 - 1)),
        json.dumps(post(3, author_followers=10**12 + 1)),
    ]
    report = extract_source_day(config, land(config, "reddit", lines), DAY)
    posts, quarantine, _ = read_batch(config, "reddit", report.batch_id)
    assert posts["likes"].to_list() == [10**12]
    assert quarantine["reason"].to_list() == [
        "likes is over 1,000,000,000,000",
        "author_followers is over 1,000,000,000,000",
    ]
