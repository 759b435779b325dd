"""A delivery is streamed block by block: whatever the block size, the batch is the one a single
block gives (same rows accepted and quarantined, same reasons, line numbers and payloads)."""

import datetime as dt
import hashlib
import json
import uuid

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.transforms.test_extract import DAY, land, post, read_batch
from transforms import extract, parse, raw_zone, zones
from transforms.config import Source
from transforms.landing import ScannedDelivery

NOW = dt.datetime(2026, 10, 6, 3, tzinfo=dt.UTC)


def extract_batch(config, source, block_bytes: int, monkeypatch, piece_bytes: int = 1 << 20):
    """Extract with the given block size, in a data folder of its own; the batch's three parts.
    Files bigger than a block are streamed again after their checksum pass, as big files are."""
    monkeypatch.setattr(extract, "BLOCK_BYTES", block_bytes)
    monkeypatch.setattr(extract, "KEEP_BYTES", block_bytes)
    monkeypatch.setattr(parse, "PIECE_BYTES", piece_bytes)
    report = extract.extract_source_day(config, source, DAY, now=NOW)
    if report.batch_id is None:
        return report, None
    return report, read_batch(config, source.name, report.batch_id)


def copy_landing(config, tmp_path):
    """The same deliveries under a second data folder."""
    other = config.model_copy(update={"data_dir": tmp_path / uuid.uuid4().hex})
    source_dir = config.data_dir / "landing"
    for path in source_dir.rglob("*"):
        if path.is_file():
            target = other.data_dir / "landing" / path.relative_to(source_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    return other


def assert_same_batch(small, large):
    """The same report, posts (in order), quarantine and manifest."""
    (report_a, batch_a), (report_b, batch_b) = small, large
    assert report_a == report_b
    assert batch_a[0].equals(batch_b[0])
    assert batch_a[1].equals(batch_b[1])
    for manifest in (batch_a[2], batch_b[2]):
        for entry in manifest["files"]:
            entry.pop("url")  # the data folders differ
    assert batch_a[2] == batch_b[2]


def dirty_lines(count: int) -> list[str]:
    """Good posts with bad lines, blank lines and repeated ids spread over the file."""
    lines = []
    for i in range(count):
        lines.append(json.dumps(post(i)))
        if i % 7 == 3:
            lines.append("{not json")
        if i % 11 == 5:
            lines.append("   ")
        if i % 13 == 8:
            lines.append(json.dumps(post(i // 2)))  # an id seen many lines before
        if i % 17 == 2:
            lines.append(json.dumps(post(1000 + i, likes=-1)))  # quarantined first...
            lines.append(json.dumps(post(1000 + i)))  # ...so this one is a duplicate
    return lines


def test_a_file_larger_than_a_block_gives_the_batch_one_block_gives(config, tmp_path, monkeypatch):
    source = land(config, "reddit", dirty_lines(300))
    other = copy_landing(config, tmp_path)
    small = extract_batch(config, source, 2_000, monkeypatch, piece_bytes=500)
    large = extract_batch(other, source, 64 << 20, monkeypatch)
    assert_same_batch(small, large)
    report, (_, quarantine, manifest) = small
    assert report.rows_read == report.rows_accepted + report.rows_quarantined
    assert manifest["files"][0]["rows_read"] == report.rows_read
    assert set(quarantine["reason"]) == {
        "malformed JSON: Expecting property name enclosed in double quotes",
        "duplicate id in batch",
        "likes is negative",
    }


def test_a_duplicate_id_in_another_block_is_quarantined(config, monkeypatch):
    lines = [json.dumps(post(i)) for i in range(40)] + [json.dumps(post(3, likes=99))]
    source = land(config, "reddit", lines)
    report, (posts, quarantine, _) = extract_batch(config, source, 500, monkeypatch)
    assert (report.rows_accepted, report.rows_quarantined) == (40, 1)
    assert quarantine.select("line_number", "reason").row(0) == (41, "duplicate id in batch")
    assert json.loads(quarantine["raw_payload"][0])["likes"] == 99
    assert posts.filter(pl.col("native_id") == "1003")["likes"].to_list() == [3]  # the first wins


def test_duplicates_are_decided_on_exact_keys_when_hashes_collide(config, monkeypatch):
    # Every key hashes alike: only the exact (platform, id) may decide what is a duplicate.
    monkeypatch.setattr(extract, "key_hash", lambda: pl.lit(7, pl.UInt64()))
    lines = [json.dumps(post(i)) for i in range(30)] + [json.dumps(post(12)), json.dumps(post(99))]
    source = land(config, "reddit", lines)
    report, (posts, quarantine, _) = extract_batch(config, source, 400, monkeypatch)
    assert (report.rows_accepted, report.rows_quarantined) == (31, 1)
    assert quarantine.select("line_number", "reason").row(0) == (31, "duplicate id in batch")
    assert posts["native_id"].n_unique() == 31


def test_a_duplicate_across_files_of_one_batch_is_quarantined(config, monkeypatch):
    source = land(config, "reddit", [json.dumps(post(i)) for i in range(5)], name="a.jsonl")
    land(config, "reddit", [json.dumps(post(i)) for i in range(3, 8)], name="b.jsonl")
    source = source.model_copy(update={"pattern": "*.jsonl"})
    report, (_, quarantine, _) = extract_batch(config, source, 300, monkeypatch)
    assert (report.rows_accepted, report.rows_quarantined) == (8, 2)
    assert quarantine.select("file", "line_number").rows() == [("b.jsonl", 1), ("b.jsonl", 2)]


def test_a_bad_line_in_a_later_block_keeps_its_line_number_and_payload(config, monkeypatch):
    lines = [json.dumps(post(i)) for i in range(30)]
    lines[24] = '{"id": "broken", '
    lines[26] = json.dumps(post(26, created_at="soon"))
    source = land(config, "reddit", lines)
    report, (_, quarantine, _) = extract_batch(config, source, 1_000, monkeypatch)
    assert report.rows_quarantined == 2
    assert quarantine.select("line_number", "raw_payload").rows() == [
        (25, '{"id": "broken", '),
        (27, lines[26]),
    ]
    assert quarantine["reason"][0].startswith("malformed JSON")
    assert quarantine["reason"][1] == "created_at is not a timestamp (ISO-8601 or epoch)"


def test_a_gzipped_delivery_is_streamed_in_blocks(config, tmp_path, monkeypatch):
    lines = dirty_lines(200)
    source = land(config, "reddit", lines, gz=True)
    plain = config.model_copy(update={"data_dir": tmp_path / "plain"})
    land(plain, "reddit", lines)
    blocks = []
    counted = parse.jsonl_block
    monkeypatch.setattr(parse, "jsonl_block", lambda *a: blocks.append(1) or counted(*a))
    streamed, (posts, quarantine, manifest) = extract_batch(config, source, 4_000, monkeypatch)
    assert len(blocks) > 5  # read in pieces, never whole
    whole, (plain_posts, plain_quarantine, _) = extract_batch(plain, source, 64 << 20, monkeypatch)
    assert streamed.batch_id == whole.batch_id  # the checksum is of the content
    assert posts.equals(plain_posts)
    assert quarantine.drop("file").equals(plain_quarantine.drop("file"))
    content = ("\n".join(lines) + "\n").encode()
    entry = manifest["files"][0]
    assert entry["name"] == "2026-10-05.jsonl.gz"
    assert (entry["sha256"], entry["bytes"]) == (hashlib.sha256(content).hexdigest(), len(content))


def test_a_csv_with_quoted_newlines_and_bad_bytes_reads_alike_in_blocks(
    config, tmp_path, monkeypatch
):
    source = config.source("reviews")
    path = zones.landing_file(config, source, DAY)
    path.parent.mkdir(parents=True)
    rows = [b"id,created_at,author_id,author_handle,text,likes,rating"]
    for i in range(60):
        text = f'"line one, of {i}\nline two"' if i % 4 == 0 else f"plain {i}"
        rows.append(f"r{i % 50},2026-10-05T10:00:00Z,a{i},@u{i},{text},{i},{1 + i % 6}".encode())
        if i % 9 == 4:
            rows.append(b"r-bad,2026-10-05T10:00:00Z,a,@u,caf\xe9,1,5")
            rows.append(b"too,few")
    path.write_bytes(b"\r\n".join(rows) + b"\r\n")
    other = copy_landing(config, tmp_path)
    small = extract_batch(config, source, 1_200, monkeypatch)
    assert_same_batch(small, extract_batch(other, source, 64 << 20, monkeypatch))
    reasons = set(small[1][1]["reason"])
    assert reasons == {
        "invalid UTF-8",
        "CSV row has 2 fields, the header has 7",
        "duplicate id in batch",
        "rating not 1-5",
    }


def test_a_parquet_export_is_read_by_row_groups(config, tmp_path, monkeypatch):
    source = Source.model_validate(
        {"name": "archive", "platform": "instagram", "format": "parquet",
         "path": "landing/archive", "max_lateness_days": None}
    )  # fmt: skip
    folder = config.data_dir / "landing" / "archive"
    folder.mkdir(parents=True)
    frame = pl.DataFrame([post(i) for i in range(100)] + [post(7, likes=5)]).with_columns(
        likes=pl.when(pl.col("id") == "1050").then(-1).otherwise(pl.col("likes"))
    )
    frame.write_parquet(folder / "2026-10-05.parquet", row_group_size=10)
    other = copy_landing(config, tmp_path)
    small = extract_batch(config, source, 500, monkeypatch)
    assert_same_batch(small, extract_batch(other, source, 64 << 20, monkeypatch))
    quarantine = small[1][1]
    assert quarantine.select("line_number", "reason").rows() == [
        (51, "likes is negative"),
        (101, "duplicate id in batch"),
    ]
    assert json.loads(quarantine["raw_payload"][1])["likes"] == 5


def test_a_file_failing_half_way_is_one_quarantined_record(config, monkeypatch):
    # cp1252 has no character for 0x81: the file cannot be decoded, but only its third block
    # shows it, after two blocks were already written.
    source = config.source("reviews").model_copy(
        update={"csv": config.source("reviews").csv.model_copy(update={"encoding": "cp1252"}),
                "pattern": "*.csv"}
    )  # fmt: skip
    folder = zones.landing_file(config, source, DAY).parent
    folder.mkdir(parents=True)
    header = b"id,created_at,author_id,text\n"
    good = b"".join(f"g{i},2026-10-05T10:00:00Z,a{i},fine\n".encode() for i in range(40))
    (folder / "a-broken.csv").write_bytes(header + good + b"z1,2026-10-05T10:00:00Z,a,\x81\n")
    (folder / "b-good.csv").write_bytes(header + good)
    report, (posts, quarantine, manifest) = extract_batch(config, source, 800, monkeypatch)
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (41, 40, 1)
    assert set(posts["native_id"]) == {f"g{i}" for i in range(40)}  # from b-good.csv only
    assert quarantine.select("file", "line_number").row(0) == ("a-broken.csv", 0)
    assert quarantine["reason"][0].startswith("file not readable: UnicodeDecodeError")
    assert [f["rows_read"] for f in manifest["files"]] == [1, 40]


def test_a_delivery_that_changes_while_it_is_loaded_commits_nothing(config, monkeypatch):
    source = land(config, "reddit", [json.dumps(post(i)) for i in range(50)])
    scan = extract.scan_delivery

    def stale(url, name, keep_up_to):  # as if the file changed after its checksum was taken
        scanned = scan(url, name, keep_up_to)
        return ScannedDelivery(url, name, "0" * 64, scanned.size)

    monkeypatch.setattr(extract, "scan_delivery", stale)
    with pytest.raises(extract.DeliveryChanged):
        extract_batch(config, source, 1_000, monkeypatch)
    partition = zones.raw_partition(config, "reddit", DAY)
    assert not partition.exists() or not any(partition.iterdir())
    assert raw_zone.committed_batches(config, "reddit") == []


lines_strategy = st.lists(
    st.one_of(
        st.builds(lambda i, likes: json.dumps(post(i, likes=likes)), st.integers(0, 15),
                  st.sampled_from([1, 2, -1, "x"])),
        st.sampled_from(["{bad", "", "  ", "[1]", '{"id": 5}', json.dumps(post(3, id=None))]),
    ),
    max_size=40,
)  # fmt: skip


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=lines_strategy, block=st.integers(1, 600), piece=st.integers(1, 300))
def test_any_block_size_gives_the_same_batch(config, tmp_path, monkeypatch, lines, block, piece):
    config = config.model_copy(update={"data_dir": tmp_path / uuid.uuid4().hex})
    source = land(config, "reddit", lines)
    other = copy_landing(config, tmp_path)
    small = extract_batch(config, source, block, monkeypatch, piece_bytes=piece)
    large = extract_batch(other, source, 64 << 20, monkeypatch)
    if large[1] is None:
        assert small == large
        return
    assert_same_batch(small, large)


def test_the_checksum_is_of_the_whole_content_and_a_redelivery_is_skipped(config, monkeypatch):
    lines = [json.dumps(post(i)) for i in range(100)]
    source = land(config, "reddit", lines, gz=True)
    first, _ = extract_batch(config, source, 700, monkeypatch)
    land(config, "reddit", lines)  # the same export, uncompressed
    again, _ = extract_batch(config, source, 700, monkeypatch)
    assert first.rows_accepted == 100
    assert again.batch_id is None and len(again.skipped_files) == 2
    manifest = raw_zone.read_manifest(raw_zone.committed_batches(config, "reddit", DAY)[0])
    content = ("\n".join(lines) + "\n").encode()
    assert manifest.files[0].sha256 == hashlib.sha256(content).hexdigest()


def test_the_quarantine_is_ordered_by_file_name_and_line(config, monkeypatch):
    # Files found in subfolders: read in path order (b/ after a/), quarantined by name order.
    source = Source.model_validate(
        {"name": "drop", "platform": "reddit", "format": "jsonl", "path": "landing/drop",
         "pattern": "*/*.jsonl"}
    )  # fmt: skip
    folder = config.data_dir / "landing" / "drop"
    for sub, name, first in (("a", "z.jsonl", 0), ("b", "m.jsonl", 10)):
        (folder / sub).mkdir(parents=True)
        lines = [json.dumps(post(i)) for i in range(first, first + 5)] + ["{bad", "{bad"]
        (folder / sub / name).write_text("\n".join(lines) + "\n")
    report, (_, quarantine, _) = extract_batch(config, source, 200, monkeypatch)
    assert report.files == ["z.jsonl", "m.jsonl"]
    assert quarantine.select("file", "line_number").rows() == [
        ("m.jsonl", 6), ("m.jsonl", 7), ("z.jsonl", 6), ("z.jsonl", 7)
    ]  # fmt: skip
