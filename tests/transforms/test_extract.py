import datetime as dt
import gzip
import json

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms import zones
from transforms.extract import extract_source_day

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


def land(config, source_name: str, lines: list[str], gz: bool = False):
    source = config.source(source_name)
    path = zones.landing_file(config, source, DAY)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = ("\n".join(lines) + "\n").encode()
    if gz:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data)
    path.write_bytes(data)
    return source


def read_partition(config, source_name: str):
    partition = zones.raw_partition(config, source_name, DAY)
    return (
        pl.read_parquet(partition / "posts.parquet"),
        pl.read_parquet(partition / "quarantine.parquet"),
        json.loads((partition / "manifest.json").read_text()),
    )


def test_good_rows_are_accepted_with_canonical_ids(config):
    source = land(config, "x", [json.dumps(post(i)) for i in range(5)])
    report = extract_source_day(config, source, DAY)
    posts, quarantine, manifest = read_partition(config, "x")
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (5, 5, 0)
    assert posts["post_id"].to_list()[0] == "x:1000"
    assert posts["created_at"].dtype == pl.Datetime("us", "UTC")
    assert posts["day"].unique().to_list() == [DAY]
    assert quarantine.height == 0
    assert manifest["rows_read"] == 5 and manifest["sha256"]


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
    ]
    source = land(config, "x", lines)
    report = extract_source_day(config, source, DAY)
    _, quarantine, _ = read_partition(config, "x")
    assert report.rows_read == 10
    assert report.rows_accepted == 1
    assert report.rows_quarantined == 9
    reasons = dict(zip(quarantine["line_number"], quarantine["reason"], strict=True))
    assert reasons[2].startswith("malformed JSON")
    assert reasons[3] == "missing required field id"
    assert reasons[4] == "likes is negative"
    assert reasons[5] == "likes is not an integer"
    assert reasons[6] == "created_at after the end of the data interval"
    assert reasons[7] == "created_at is not an ISO-8601 timestamp"
    assert reasons[8] == "text longer than 10000"
    assert reasons[9] == "duplicate id in batch"
    assert reasons[10] == "not a JSON object"
    assert quarantine.filter(pl.col("line_number") == 2)["raw_payload"][0] == "{not json"


def test_invalid_utf8_is_quarantined(config):
    source = config.source("x")
    path = zones.landing_file(config, source, DAY)
    path.parent.mkdir(parents=True)
    path.write_bytes(json.dumps(post(1)).encode() + b"\n" + b'{"id": "\xff\xfe"}\n')
    report = extract_source_day(config, source, DAY)
    _, quarantine, _ = read_partition(config, "x")
    assert (report.rows_accepted, report.rows_quarantined) == (1, 1)
    assert quarantine["reason"].to_list() == ["invalid UTF-8"]


def test_rerunning_a_day_is_byte_identical(config):
    source = land(config, "x", [json.dumps(post(i)) for i in range(20)], gz=True)
    extract_source_day(config, source, DAY)
    partition = zones.raw_partition(config, "x", DAY)
    first = {p.name: p.read_bytes() for p in partition.iterdir()}
    extract_source_day(config, source, DAY)
    assert {p.name: p.read_bytes() for p in partition.iterdir()} == first


def test_csv_export_and_missing_file(config):
    source = config.source("reviews")
    path = zones.landing_file(config, source, DAY)
    path.parent.mkdir(parents=True)
    header = "id,created_at,author_id,author_handle,text,likes,rating\n"
    path.write_text(
        header
        + 'r1,2026-10-05T10:00:00Z,a1,@ann,"Great signal, love Nimbus",3,5\n'
        + "r2,2026-10-05T11:00:00Z,a2,@bob,meh,2,9\n"
    )
    report = extract_source_day(config, source, DAY)
    posts, quarantine, _ = read_partition(config, "reviews")
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (2, 1, 1)
    assert posts["text"][0] == "Great signal, love Nimbus"
    assert quarantine["reason"].to_list() == ["rating not 1-5"]
    empty = extract_source_day(config, config.source("reddit"), DAY)
    assert (empty.rows_read, empty.file) == (0, None)


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
    lines = [r.decode("latin-1") if isinstance(r, bytes) else json.dumps(r) for r in rows]
    lines = [line.replace("\n", " ") for line in lines]
    source = land(config, "x", lines)
    report = extract_source_day(config, source, DAY)
    posts, quarantine, _ = read_partition(config, "x")
    assert report.rows_read == report.rows_accepted + report.rows_quarantined
    assert posts.height == report.rows_accepted
    assert quarantine.height == report.rows_quarantined
    assert quarantine["reason"].null_count() == 0
