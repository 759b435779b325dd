"""Garbage in, nothing lost: generated hostile deliveries go through the whole pipeline.

Each example is one day of file drops for four sources (two JSONL, a plain CSV and a vendor CSV
mapped by config) mixing valid posts with random bytes, invalid UTF-8, JSON nested thousands of
levels deep, megabyte strings, control characters and odd Unicode, every field missing, null or of
the wrong type, repeated ids, edge timestamps, counts beyond int64, broken CSV rows, empty and
whitespace-only files and gz files that are not gzip. The day runs extract -> raw gate -> clean ->
classify -> classified gate -> load in a fresh data folder, and the property is:

- no step raises anything but a quality gate's documented stop, and a stop is expected: the raw
  gate quarantines only sources whose share of rejected rows is over its limit (the day then runs
  again without them, as the next run would), the classified gate stops only on its documented
  day-level limits, and a stopped day leaves nothing of itself in the warehouse;
- every row read is accounted for, from what the pipeline recorded (manifests, raw.quarantine,
  raw.quarantined_batches, raw.post_snapshots, raw.posts), not from the generator: rows read =
  rows loaded as snapshots + rows quarantined with a reason + rows of quarantined batches, and
  every loaded snapshot's post is in raw.posts;
- a file's manifest counts every record it holds where the format makes that plain (a JSONL
  line each; a CSV line each when nothing is quoted), so a parser cannot lose records while its
  counts still balance.

dbt build and publish are the costly part: `test_garbage_reaches_the_published_marts` runs them
for one pinned day of every kind of garbage and checks the published marts count the loaded posts.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gzip
import io
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from transforms import batch_quarantine, pipeline, raw_zone, zones
from transforms.config import CONFIG_ENV, DATA_DIR_ENV, PROJECT_ROOT, Config, load_config
from transforms.quality import QualityGateError

DAY = dt.date(2026, 10, 5)
REVIEW_COLUMNS = ["id", "created_at", "author_id", "author_handle", "text", "likes", "rating"]
VENDOR_COLUMNS = ["Mention Id", "Network", "Date", "Author Id", "Author", "Followers", "Content",
                  "Likes", "Reposts", "Inbound", "Is Reply", "Reply To"]  # fmt: skip
VENDOR_SOURCE = {
    "name": "vendor", "format": "csv", "csv": {"delimiter": ";"}, "path": "landing/vendor",
    "pattern": "{date}*.{format}", "max_lateness_days": None,
    "mapping": {
        "fields": {"platform": "Network", "id": "Mention Id", "created_at": "Date",
                   "author_id": "Author Id", "author_handle": "Author",
                   "author_followers": "Followers", "text": "Content", "likes": "Likes",
                   "shares": "Reposts"},
        "timestamp_format": "%Y-%m-%d %H:%M:%S%z",
        "platform_values": {"Twitter": "x", "IG": "instagram"},
        "constants": {"brand": "nimbus"},
        "own_posts": {"column": "Inbound", "own_when": "false"},
        "reply": {"flag": "Is Reply", "to": "Reply To"},
    },
}  # fmt: skip
# The raw gate's only critical check that garbage can fail once the extractor has quarantined
# every bad row; the classified gate's day-level limits (expectations/*.yml).
RAW_GATE_STOP = "raw_batches: expect_column_values_to_be_between quarantined_share"
MAX_QUARANTINED_SHARE = 0.5
MIN_ENGLISH, MAX_SPAM = 0.25, 0.6

# A database-less profile (no example database under .hypothesis/), with small examples. An
# example costs a pipeline run (about 2 s), so a failure is reported as found, with the blob to
# reproduce it, instead of being shrunk for minutes.
GARBAGE = settings(
    database=None, deadline=None, max_examples=10, print_blob=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.large_base_example],
)  # fmt: skip


@dataclass(frozen=True)
class Drop:
    """One delivered file: the source's landing folder it lands in, its name and its bytes."""

    source: str
    name: str
    data: bytes


# --- the generator ------------------------------------------------------------------------------

TEXTS = [
    "Nimbus Mobile support fixed my billing problem in ten minutes, impressed",
    "Is the Apex Wireless family plan worth it? Thinking of switching this week",
    "@NimbusHelp my signal drops every evening near the station, any fix?",
    "Orbit Telecom fiber finally arrived on our street and the speed test looks great",
    "Pulse Connect charged me twice this month and nobody answers the chat",
    "Loving the #Nimbus5G coverage on the train, downloads never stall now",
]
ODD_CHARS = [
    "\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\t", "\r", "\n", "\u2028", "\u2029",
    "\u200b", "\u200d", "\u200e", "\u200f", "\u202e", "\u2066", "\ufeff", "\ufffd", "\ufffe",
    "\ud800", "\udfff", "e\u0301", "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "\U0001f3f3\ufe0f\u200d\U0001f308", "\U0001f600", "\u0645\u0631\u062d\u0628\u0627", "\u05e9",
    '"', "'", "\\", ",", ";", "{", "}", "&amp;", "<script>", "=cmd|' /C calc'!A0", "@", "#", "$",
]  # fmt: skip
EDGE_TIMES = [
    "1970-01-01T00:00:00Z", "0", "0000000000", "-1", "1e10", "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59.999999+14:00", "+275760-09-13T00:00:00Z", "2001-01-01T00:00:00Z",
    "2026-10-05T00:00:00Z", "2026-10-05T23:59:59.999999Z", "2026-10-05T23:59:60Z",
    "2026-10-06T00:00:00Z", "2026-10-04T23:59:59.999999Z", "2026-10-06T09:00:00+14:00",
    "2026-10-04T14:00:00-12:00", "2026-10-05T12:00:00+99:99", "2026-02-30T00:00:00Z",
    "2026-10-05T25:00:00Z", "2026-10-05T12:00:00.123456789Z", "2026-10-05T12:00:00",
    "2026-10-05 12:00:00", "2026-10-05", "1791194400", "1791194400000", "1791194400.5",
    "9999999999999", "yesterday", "", " ", "\u0661\u0669\u0667\u0660", "2026-10-05 23:59:60+0000",
    "2026-10-06 09:00:00+1400", "0001-01-01 00:00:00+0000", "2026-10-05 12:00:00+0000",
]  # fmt: skip
EDGE_COUNTS = [0, -1, -(2**63), 2**63 - 1, 2**63, 2**64, 10**30, 10**12, 1.5, 1e308,
               float("nan"), float("inf"), "12", "1,000", "-0", "0x10", True, "∞"]  # fmt: skip
FIELDS = ["id", "created_at", "author_id", "author_handle", "author_followers",
          "author_verified", "text", "lang", "in_reply_to_id", "repost_of_id", "quote_of_id",
          "likes", "shares", "comments", "impressions", "rating", "urls", "hashtags",
          "mentions", "brand", "is_own_post", "platform"]  # fmt: skip
# A small pool, so that ids repeat within a file, across files and across sources.
IDS = st.sampled_from(["1", "2", "3", "dup", "v1", "v2"])

odd_pieces = st.one_of(st.sampled_from(ODD_CHARS), st.text(max_size=4))
odd_text = st.lists(odd_pieces, max_size=6).map("".join)
huge_text = st.builds(
    lambda char, size: char * size,
    st.sampled_from(["x", "\u00e9", "\U0001f600", "\u200d", " "]),
    st.sampled_from([10_000, 10_001, 100_000, 1 << 20]),
)
timestamps = st.one_of(
    st.sampled_from(EDGE_TIMES),
    st.datetimes(timezones=st.just(dt.UTC)).map(lambda t: t.isoformat()),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**80), 2**80), st.sampled_from(EDGE_COUNTS),
    st.floats(), odd_text, timestamps,
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3),
    max_leaves=6,
)


def valid_post(number: int) -> dict:
    """A post every stage accepts: English, about a brand, inside the day."""
    return {
        "id": f"v{number}", "created_at": f"2026-10-05T{number % 24:02d}:{number % 60:02d}:00Z",
        "author_id": f"u{number}", "author_handle": f"@fan{number}",
        "author_followers": 100 + number, "author_verified": False,
        "text": f"{TEXTS[number % len(TEXTS)]} (day {number})", "lang": "en",
        "likes": number % 7, "shares": 1, "comments": 2,
    }  # fmt: skip


@st.composite
def hostile_records(draw: st.DrawFn) -> dict:
    """A valid post with some fields removed or replaced, or a record of random keys."""
    if draw(st.booleans()):
        return draw(st.dictionaries(st.sampled_from(FIELDS) | odd_text, json_values, max_size=8))
    record = valid_post(draw(st.integers(0, 99)))
    record["id"] = draw(IDS)
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
        kind = draw(st.sampled_from(["missing", "value", "time", "count", "huge"]))
        if kind == "missing":
            record.pop(field, None)
        else:
            strategy = {"value": json_values, "time": timestamps, "huge": huge_text,
                        "count": st.sampled_from(EDGE_COUNTS)}[kind]  # fmt: skip
            record[field] = draw(strategy)
    return record


def deep_json(depth: int, inside_a_field: bool, kind: str) -> bytes:
    """JSON nested `depth` levels: an array or object, as the line or as a post's text."""
    opened, inner, closed = ("[", "", "]") if kind == "array" else ('{"a":', "1", "}")
    nested = opened * depth + inner + closed * depth
    if not inside_a_field:
        return nested.encode()
    post = '{"id": "deep", "created_at": "2026-10-05T01:00:00Z", "author_id": "a", "text": '
    return f"{post}{nested}}}".encode()


# An integer literal longer than Python converts by default (4,300 digits).
LONG_NUMBER = b'{"id": "long", "created_at": "2026-10-05T01:00:00Z", "likes": 1%s}' % (b"0" * 5000)


def encode_record(record: dict, ascii_only: bool) -> bytes:
    """JSON as delivered: \\uXXXX escapes, or raw UTF-8 (a lone surrogate then makes the bytes
    invalid UTF-8)."""
    text = json.dumps(record, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")


jsonl_lines = st.one_of(
    st.builds(encode_record, hostile_records(), st.booleans()),
    st.builds(lambda n: json.dumps(valid_post(n)).encode(), st.integers(0, 99)),
    st.binary(max_size=40),
    st.builds(deep_json, st.sampled_from([50, 999, 1001, 5000, 100_000]), st.booleans(),
              st.sampled_from(["array", "object"])),  # fmt: skip
    st.sampled_from([b"[1, 2]", b"42", b'"text"', b"null", b"true", b"{}", b"{", b'{"id": 1,}',
                     b"\xef\xbb\xbf{}", b"\x00", b"\xff\xfe\xfd", b"\xed\xa0\x80", LONG_NUMBER]),
    st.builds(lambda n, cut: json.dumps(valid_post(n)).encode()[:cut], st.integers(0, 99),
              st.integers(1, 40)),
)  # fmt: skip


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


@st.composite
def packaging(draw: st.DrawFn, data: bytes) -> tuple[str, bytes]:
    """The delivered file's suffix and bytes: plain, gzipped, or named .gz but not (only) gzip."""
    kind = draw(st.sampled_from(["plain", "plain", "gz", "fake_gz", "cut_gz", "gz_junk", "gz_gz"]))
    if kind == "gz":
        return ".gz", gz(data)
    if kind == "fake_gz":
        return ".gz", draw(st.sampled_from([b"\x1f\x8b not really gzip", data, b""]))
    if kind == "cut_gz":
        return ".gz", gz(data)[: max(1, len(gz(data)) // 2)]
    if kind == "gz_junk":
        return ".gz", gz(data) + draw(st.sampled_from([b"junk", b"\x00" * 8, gz(b"more\n")]))
    if kind == "gz_gz":
        return ".gz", gz(gz(data))
    return "", data


@st.composite
def jsonl_files(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(jsonl_lines, max_size=8))
    separator = draw(st.sampled_from([b"\n", b"\r\n", b"\n\n  \n"]))
    return separator.join(lines) + draw(st.sampled_from([b"", b"\n"]))


def csv_text(rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


cells = st.one_of(
    odd_text, timestamps, st.sampled_from(EDGE_COUNTS).map(str), IDS, huge_text,
    st.sampled_from(['"', '"unterminated', 'o"k', '"ok"x', ",", ";", "\r", "", "  ", "Twitter",
                     "IG", "reddit", "myspace", "true", "false", "yes"]),
)  # fmt: skip


def valid_review(number: int) -> list[str]:
    post = valid_post(number)
    return [f"r{number}", post["created_at"], post["author_id"], post["author_handle"],
            post["text"], str(post["likes"]), str(1 + number % 5)]  # fmt: skip


def valid_vendor_row(number: int) -> list[str]:
    post = valid_post(number)
    network = ["Twitter", "reddit", "IG", "facebook"][number % 4]
    return [f"v{number}", network, f"2026-10-05 {number % 24:02d}:10:00+0000", post["author_id"],
            post["author_handle"], "250", post["text"], "3", "1", "true", "no", ""]  # fmt: skip


@st.composite
def csv_files(
    draw: st.DrawFn, header: list[str], delimiter: str, valid: Callable[[int], list[str]]
) -> bytes:
    """A header, then valid rows, rows of hostile cells (quoted properly or not) and rows with
    the wrong number of fields, in any order."""
    rows: list[str] = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["valid", "cells", "raw", "count"]))
        if kind == "valid":
            rows.append(csv_text([valid(draw(st.integers(0, 99)))], delimiter))
        elif kind == "count":
            rows.append(csv_text([draw(st.lists(cells, max_size=len(header) + 3))], delimiter))
        else:
            row = [draw(cells) for _ in header]
            quoted = kind == "cells"
            rows.append(csv_text([row], delimiter) if quoted else delimiter.join(row) + "\n")
    if draw(st.booleans()) or not rows:
        rows.insert(0, csv_text([header], delimiter))
    return "".join(rows).encode("utf-8", "surrogatepass")


whole_files = st.sampled_from(
    [b"", b" ", b"\n\n\n", b" \t \r\n  \n", b"\x1f\x8b\x08\x00garbage", b"\x00" * 64]
) | st.binary(min_size=1, max_size=120)

FORMATS = {
    "reddit": ("jsonl", jsonl_files()),
    "facebook": ("jsonl", jsonl_files()),
    "reviews": ("csv", csv_files(REVIEW_COLUMNS, ",", valid_review)),
    "vendor": ("csv", csv_files(VENDOR_COLUMNS, ";", valid_vendor_row)),
}


@st.composite
def hostile_drops(draw: st.DrawFn, index: int) -> Drop:
    source = draw(st.sampled_from(sorted(FORMATS)))
    extension, contents = FORMATS[source]
    data = draw(contents | whole_files)
    suffix, delivered = draw(packaging(data))
    return Drop(source, f"{DAY}-{index}.{extension}{suffix}", delivered)


@st.composite
def days(draw: st.DrawFn) -> list[Drop]:
    """Valid posts that should reach the marts, and a few hostile files for any source."""
    valid = [json.dumps(valid_post(n)) for n in range(draw(st.integers(1, 6)))]
    drops = [Drop("facebook", f"{DAY}-valid.jsonl", "\n".join(valid).encode() + b"\n")]
    return drops + [draw(hostile_drops(i)) for i in range(draw(st.integers(1, 4)))]


# --- pinned days: every class of garbage, always run ----------------------------------------------


def jsonl(*records: dict | bytes) -> bytes:
    lines = [r if isinstance(r, bytes) else encode_record(r, ascii_only=False) for r in records]
    return b"\n".join(lines) + b"\n"


def with_valid(*drops: Drop, posts: int = 6) -> list[Drop]:
    """The drops, with valid posts and each garbage source padded with valid rows, so that no
    source is over the raw gate's rejection limit and the oddities it accepts go on to the load."""
    valid = jsonl(*[valid_post(n) for n in range(posts)])
    return [Drop("facebook", f"{DAY}-valid.jsonl", valid), *drops, *padding(range(200, 260))]


def padding(numbers: range, name: str = "pad") -> list[Drop]:
    """Valid rows with ids of their own for the reddit, reviews and vendor sources."""
    reviews = csv_text([REVIEW_COLUMNS, *[valid_review(n) for n in numbers]], ",")
    vendor = csv_text([VENDOR_COLUMNS, *[valid_vendor_row(n) for n in numbers]], ";")
    return [
        Drop("reddit", f"{DAY}-{name}.jsonl", jsonl(*[override(n, id=f"pad{n}") for n in numbers])),
        Drop("reviews", f"{DAY}-{name}.csv", reviews.encode()),
        Drop("vendor", f"{DAY}-{name}.csv", vendor.encode()),
    ]


def override(number: int, **fields: object) -> dict:
    return {**valid_post(number), **fields}


BYTES_AND_ENCODINGS = with_valid(
    Drop("reddit", f"{DAY}-0.jsonl", bytes(range(256)) * 2),
    Drop("reddit", f"{DAY}-1.jsonl", jsonl(
        override(10), b'{"id": "u8", "text": "caf\xe9 \xff\xfe"}',
        b"\xef\xbb\xbf" + jsonl(override(11)),
        override(12, text="nul\x00 and \x01\x1b[31m escape \x7f Nimbus Mobile"),
        override(13, text="lone \ud800 surrogate Nimbus"), override(14, author_handle="\udfff"),
        json.dumps(override(15, text="escaped \ud83d lone Nimbus")).encode(),
        override(16, text="\u202eRTL\u200f \u200d\u200b zero-width \U0001f469\u200d\U0001f469\u200d"
                         "\U0001f467 Nimbus Mobile \ufeff\u2028\u2029 e\u0301"),
        override(17, lang="\U0001f600", author_id="\u202e\u0645"),
    )),  # fmt: skip
    Drop("reviews", f"{DAY}-2.csv",
         ",".join(REVIEW_COLUMNS).encode() + b"\nr1,2026-10-05T10:00:00Z,a1,@a,caf\xe9,1,5\n"
         + "r2,2026-10-05T10:00:00Z,a2,@b,Nimbus \x00 nul \u202e,1,5\n".encode()
         + "r3,2026-10-05T10:00:00Z,a3,@c,\ud800,1,5\n".encode("utf-8", "surrogatepass")),
)  # fmt: skip
DEEP_NESTING = with_valid(
    Drop("reddit", f"{DAY}-0.jsonl", jsonl(
        deep_json(5000, False, "array"), deep_json(100_000, False, "object"),
        deep_json(5000, True, "array"), deep_json(999, True, "object"),
        deep_json(50, True, "array"),
        override(20, text={"nested": [[[["Nimbus"]]]]}, author_id=[1, {"a": None}]),
    )),
)  # fmt: skip
HUGE_STRINGS = with_valid(
    Drop("reddit", f"{DAY}-0.jsonl", jsonl(
        override(30, text="Nimbus " + "x" * 9_993), override(31, text="Nimbus " + "x" * 9_994),
        override(32, text="\U0001f600" * 10_001), override(33, text="y" * (2 << 20)),
        override(34, author_handle="@" + "h" * (1 << 20)), override(35, lang="en" * 100_000),
    )),
    Drop("reviews", f"{DAY}-1.csv", ",".join(REVIEW_COLUMNS).encode() + b"\n"
         + b"r1,2026-10-05T10:00:00Z,a1,@a," + b"z" * (1 << 20) + b",1,5\n"
         + b"r2,2026-10-05T11:00:00Z,a2,@b,Nimbus Mobile after a huge field,1,5\n"),
)  # fmt: skip
WRONG_TYPES = with_valid(
    Drop("reddit", f"{DAY}-0.jsonl", jsonl(
        {}, dict.fromkeys(FIELDS), override(40, id=40, author_id=7, text=12.5),
        override(41, id={"a": 1}, text=["Nimbus"]), override(42, created_at=1791194400),
        override(43, author_verified="maybe", is_own_post=[]), override(44, likes="many"),
        override(45, text=True, lang=False), override(46, rating=7, urls={"u": 1}),
        override(47, created_at=None), override(48, platform="myspace"), override(49, id=""),
        override(50, text="   "), override(51, hashtags=[["#x"]], mentions={"@a": 1}),
    )),
)  # fmt: skip
DUPLICATE_IDS = with_valid(
    Drop("reddit", f"{DAY}-0.jsonl", jsonl(override(60, id="dup"), override(61, id="dup"),
                                            override(62, id="dup", likes=-1))),
    Drop("reddit", f"{DAY}-1.jsonl.gz", gz(jsonl(override(63, id="dup"), override(64, id="v1")))),
    Drop("vendor", f"{DAY}-2.csv", csv_text(
        [VENDOR_COLUMNS, valid_vendor_row(1), valid_vendor_row(1), valid_vendor_row(5)], ";"
    ).encode()),
    # The same content twice in one drop: loaded once.
    Drop("reddit", f"{DAY}-3.jsonl", jsonl(override(65), override(66))),
    Drop("reddit", f"{DAY}-4.jsonl", jsonl(override(65), override(66))),
)  # fmt: skip
EDGE_TIMESTAMPS = with_valid(
    Drop("reddit", f"{DAY}-0.jsonl",
         jsonl(*[override(70 + i, id=f"t{i}", created_at=t) for i, t in enumerate(EDGE_TIMES)])),
    Drop("vendor", f"{DAY}-1.csv", csv_text([VENDOR_COLUMNS] + [
        [f"w{i}", "reddit", t, "a", "@a", "1", "Nimbus Mobile", "1", "0", "true", "no", ""]
        for i, t in enumerate(EDGE_TIMES)], ";").encode()),
)  # fmt: skip
EDGE_COUNTS_DAY = with_valid(
    Drop("reddit", f"{DAY}-0.jsonl", jsonl(*[
        override(80 + i, id=f"c{i}", **{field: value})
        for i, value in enumerate(EDGE_COUNTS)
        for field in ("likes", "author_followers", "impressions")
    ], LONG_NUMBER)),
)  # fmt: skip
BROKEN_CSV = with_valid(
    Drop("reviews", f"{DAY}-0.csv", (  # nothing quoted: one record a line
        ",".join(REVIEW_COLUMNS) + "\n"
        + csv_text([valid_review(1)], ",")
        + "r2,2026-10-05T10:00:00Z,a2\n"  # too few fields
        + "r3,2026-10-05T10:00:00Z,a3,@c,Nimbus,1,5,extra,fields\n"
        + ",,,,,,\n,\n"  # every field empty; too few, and empty
        + csv_text([valid_review(2)], ",")
    ).encode()),
    Drop("reviews", f"{DAY}-1.csv", (
        ",".join(REVIEW_COLUMNS) + "\n"
        + "r4,2026-10-05T10:00:00Z,a4,@d,bare\rreturn,1,5\n"
        + csv_text([valid_review(5)], ",")
        + 'r6,2026-10-05T10:00:00Z,a6,@f,"Nimbus, quoted ""well"" and\nacross lines",1,5\n'
        + 'r7,2026-10-05T10:00:00Z,a7,@g,"unterminated quote,1,5\n'
        + csv_text([valid_review(8)], ",")  # swallowed by the open quote
    ).encode()),
    Drop("vendor", f"{DAY}-2.csv", (";".join(VENDOR_COLUMNS) + "\nonly;three;fields\n").encode()),
    Drop("vendor", f"{DAY}-3.csv", b"Mention Id;Network\n"),  # a header without its columns
)  # fmt: skip
BAD_FILES = with_valid(
    Drop("reddit", f"{DAY}-0.jsonl", b""),
    Drop("reddit", f"{DAY}-1.jsonl", b"   \n\t\n \r\n"),
    Drop("reddit", f"{DAY}-2.jsonl.gz", b"\x1f\x8b not really gzip"),
    Drop("reddit", f"{DAY}-3.jsonl.gz", gz(jsonl(override(90)))[:20]),
    Drop("reviews", f"{DAY}-4.csv", b""),
    Drop("reviews", f"{DAY}-5.csv.gz", b"plain text named .gz"),
    Drop("vendor", f"{DAY}-6.csv", b"  \n \n"),
    Drop("facebook", f"{DAY}-7.jsonl.gz", gz(b"")),
)  # fmt: skip
# A source whose rows are mostly rejected: the raw gate quarantines its batch, the rest loads.
MOSTLY_GARBAGE_SOURCE = [
    *with_valid(posts=6)[:1],
    Drop("reddit", f"{DAY}-0.jsonl", jsonl(override(95, id="ok"), b"{", b"[", b"nope", b"\xff")),
]
# Nothing to load at all: deliveries that hold no post.
NO_POSTS = [
    Drop("reddit", f"{DAY}-0.jsonl", b""), Drop("reviews", f"{DAY}-1.csv", b"id,text\n"),
    Drop("vendor", f"{DAY}-2.csv", b"\n \n"),
]  # fmt: skip
PINNED = {
    "bytes and encodings": BYTES_AND_ENCODINGS, "deep nesting": DEEP_NESTING,
    "huge strings": HUGE_STRINGS, "wrong types": WRONG_TYPES, "duplicate ids": DUPLICATE_IDS,
    "edge timestamps": EDGE_TIMESTAMPS, "edge counts": EDGE_COUNTS_DAY,
    "broken csv": BROKEN_CSV, "bad files": BAD_FILES,
    "mostly garbage source": MOSTLY_GARBAGE_SOURCE, "no posts": NO_POSTS,
}  # fmt: skip


# --- running a day --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    """The out-of-the-box classifiers, built once and copied into every example's data."""
    from transforms.classify import ensure_default_models

    data_dir = tmp_path_factory.mktemp("garbage-models") / "data"
    ensure_default_models(load_config().model_copy(update={"data_dir": data_dir}))
    return data_dir / "models"


def write_config(path: Path) -> Path:
    """The project config with file sources only (no API to serve), each reading every file of
    the day (`<day>*`), plus a vendor export mapped by config."""
    raw = yaml.safe_load((PROJECT_ROOT / "config" / "listener.yml").read_text())
    raw["sources"] = [
        {"name": name, "platform": name, "format": fmt, "path": f"landing/{name}",
         "pattern": "{date}*.{format}"}
        for name, fmt in (("reddit", "jsonl"), ("facebook", "jsonl"), ("reviews", "csv"))
    ] + [VENDOR_SOURCE]  # fmt: skip
    path.write_text(yaml.safe_dump(raw))
    return path


@contextlib.contextmanager
def listener_home(root: Path, models: Path) -> Iterator[Config]:
    """A fresh data folder with the trained models, as $LISTENER_CONFIG / $LISTENER_DATA_DIR
    (the pipeline's steps read them) for the duration."""
    root.mkdir(parents=True, exist_ok=True)
    config_file = write_config(root / "listener.yml")
    saved = {name: os.environ.get(name) for name in (CONFIG_ENV, DATA_DIR_ENV)}
    os.environ[CONFIG_ENV], os.environ[DATA_DIR_ENV] = str(config_file), str(root / "data")
    try:
        config = load_config()
        shutil.copytree(models, zones.models_dir(config))
        yield config
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
        shutil.rmtree(root, ignore_errors=True)


def land(config: Config, drops: list[Drop]) -> None:
    for drop in drops:
        path = config.data_dir / config.source(drop.source).path / drop.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(drop.data)


def ingest(config: Config) -> str:
    """Run the day as the ingest DAG would: "loaded", or "stopped" when the classified gate
    stopped it. A raw-gate stop quarantines the sources over their rejection limit; the day then
    runs again without them, as the next run of the DAG does."""
    for _ in range(2):
        try:
            run_day()
            return "loaded"
        except QualityGateError:
            if open_stops(config) != {"raw"}:
                assert_classified_stop(config)
                return "stopped"
            assert_raw_stop(config)
    raise AssertionError("the raw gate stopped the day again without the quarantined batches")


def open_stops(config: Config) -> set[str]:
    """The checkpoints whose stop of a load is still open in the quarantine ledger."""
    stops = [r for r in batch_quarantine.records(config) if r.scope == "load" and r.is_open]
    return {r.checkpoint for r in stops}


def run_day() -> None:
    """pipeline.run_day, where a source whose extract raised is reported, not raised (the DAG
    runs each source's extract as its own task): garbage must not fail any."""
    result = pipeline.run_day(DAY)
    assert result["extract_failed"] == {}, result["extract_failed"]


def held_batches(config: Config) -> list[batch_quarantine.QuarantineRecord]:
    return [r for r in batch_quarantine.records(config) if r.scope == "batch" and r.is_open]


def every_manifest(config: Config) -> list[raw_zone.Manifest]:
    """Every committed batch of the day, quarantined or not."""
    return [
        raw_zone.read_manifest(folder)
        for source in config.sources
        for folder in raw_zone.committed_batches(config, source.name, DAY)
    ]


def assert_raw_stop(config: Config) -> None:
    """The raw gate stopped the day for a documented reason only: a source whose share of
    rejected rows is over the limit, with its batches quarantined and nothing loaded."""
    manifests = {m.batch_id: m for m in every_manifest(config)}
    for record in held_batches(config):
        assert record.failures and set(record.failures) == {RAW_GATE_STOP}, record.failures
        mine = [m for m in manifests.values() if m.source == record.source]
        rejected = sum(m.rows_quarantined for m in mine) / sum(m.rows_read for m in mine)
        assert rejected > MAX_QUARANTINED_SHARE
        assert record.rows == manifests[record.record_id].rows_read
    assert loaded_posts(config) == 0  # the day stopped before anything was loaded
    listed = quarantine_list()
    for record in held_batches(config):
        assert record.record_id in listed and RAW_GATE_STOP in listed


def quarantine_list() -> str:
    """What `listener quarantine list` prints for the current config."""
    from transforms.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["quarantine", "list"]) == 0
    return out.getvalue()


def assert_classified_stop(config: Config) -> None:
    """The classified gate stops a day only on its day-level limits (too little English, too
    much spam); the day stays out of the warehouse and the ledger says why."""
    from transforms.classify import classified_day

    posts = classified_day(config, DAY)
    english = posts["is_english"].cast(pl.Float64).mean()
    spam = posts["is_spam"].cast(pl.Float64).mean()
    assert english < MIN_ENGLISH or spam > MAX_SPAM, (english, spam)
    (record,) = [r for r in batch_quarantine.records(config) if r.scope == "load" and r.is_open]
    assert record.checkpoint == "classified_posts" and record.failures
    assert loaded_posts(config) == 0


def warehouse_rows(config: Config, sql: str) -> list[tuple]:
    path = zones.warehouse_file(config)
    if not path.exists():
        return []
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, [DAY] * sql.count("?")).fetchall()


def loaded_posts(config: Config) -> int:
    rows = warehouse_rows(config, "select count(*) from raw.posts where day = ?")
    return rows[0][0] if rows else 0


def per_batch(config: Config, sql: str) -> dict[str, int]:
    return {batch: int(n) for batch, n in warehouse_rows(config, sql)}


def assert_accounted(config: Config) -> None:
    """Rows read = snapshots loaded + rows quarantined with a reason + rows of quarantined
    batches, batch by batch, from the manifests and the warehouse's raw tables."""
    manifests = every_manifest(config)
    count = "select batch_id, count(*) from raw.{} where day = ? {}group by batch_id"
    snapshots = per_batch(config, count.format("post_snapshots", ""))
    reasoned = "and coalesce(trim(reason), '') <> '' "
    quarantined = per_batch(config, count.format("quarantine", reasoned))
    rows_read = "select batch_id, rows_read from raw.{} where day = ?"
    held = per_batch(config, rows_read.format("quarantined_batches"))
    audit = per_batch(config, rows_read.format("load_audit"))
    for m in manifests:
        assert m.rows_read == m.rows_accepted + m.rows_quarantined, m
        if m.batch_id in held:
            assert held[m.batch_id] == m.rows_read
            assert m.batch_id not in snapshots and m.batch_id not in quarantined
        else:
            assert audit.get(m.batch_id) == m.rows_read
            assert snapshots.get(m.batch_id, 0) == m.rows_accepted, m.batch_id
            assert quarantined.get(m.batch_id, 0) == m.rows_quarantined, m.batch_id
    assert set(snapshots) | set(quarantined) | set(held) <= {m.batch_id for m in manifests}
    total = sum(snapshots.values()) + sum(quarantined.values()) + sum(held.values())
    assert sum(m.rows_read for m in manifests) == total
    assert_snapshots_are_posts(config)


def assert_snapshots_are_posts(config: Config) -> None:
    """Every post with a loaded snapshot of the day is in raw.posts once (several snapshots of
    one post, from two sources say, are one post with its history)."""
    posts = [r[0] for r in warehouse_rows(config, "select post_id from raw.posts where day = ?")]
    snapshot_posts = warehouse_rows(
        config, "select distinct post_id from raw.post_snapshots where day = ?"
    )
    assert len(posts) == len(set(posts))
    assert set(posts) == {r[0] for r in snapshot_posts}


def expected_records(name: str, content: bytes) -> int | None:
    """The records a delivery holds by its format's own rules, where they are that simple: a
    JSONL line each (blank lines aside); in a CSV file without quotes or carriage returns a line
    each after the header (lines of whitespace aside). None where quoting decides."""
    if ".jsonl" in name:
        return sum(1 for line in content.split(b"\n") if line.strip())
    if b'"' in content or b"\r" in content:
        return None
    try:
        lines = content.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None
    return max(0, sum(1 for line in lines if line.strip()) - 1)


def assert_files_fully_read(config: Config) -> None:
    """Each delivery's row count in its manifest is every record it holds (an unreadable file:
    one row saying why), so that a parser cannot lose records while the counts still balance."""
    for manifest in every_manifest(config):
        for entry in manifest.files:
            data = Path(entry.url).read_bytes()
            try:
                content = gzip.decompress(data) if entry.name.endswith(".gz") else data
            except (OSError, EOFError):
                assert entry.rows_read == 1, entry
                continue
            expected = expected_records(entry.name, content)
            assert expected is None or entry.rows_read == expected, (entry, expected)


def run_and_check(root: Path, models: Path, drops: list[Drop]) -> Config:
    with listener_home(root, models) as config:
        land(config, drops)
        outcome = ingest(config)
        assert_files_fully_read(config)
        if outcome == "loaded":
            assert_accounted(config)
        return config


# --- the tests ----------------------------------------------------------------------------------


@GARBAGE
@given(drops=days())
@example(drops=BYTES_AND_ENCODINGS)
@example(drops=DEEP_NESTING)
@example(drops=HUGE_STRINGS)
@example(drops=WRONG_TYPES)
@example(drops=DUPLICATE_IDS)
@example(drops=EDGE_TIMESTAMPS)
@example(drops=EDGE_COUNTS_DAY)
@example(drops=BROKEN_CSV)
@example(drops=BAD_FILES)
@example(drops=MOSTLY_GARBAGE_SOURCE)
@example(drops=NO_POSTS)
def test_garbage_never_crashes_and_every_row_is_accounted_for(models, tmp_path_factory, drops):
    run_and_check(tmp_path_factory.mktemp("garbage"), models, drops)


def every_kind_of_garbage() -> list[Drop]:
    """Every pinned day in one (the same file twice is loaded once), padded with more valid rows
    so that no source is over the raw gate's rejection limit: the accepted oddities (megabyte
    handles, the largest counts, control characters, RTL marks) all go on to dbt and publish."""
    drops = [*with_valid(posts=200), *padding(range(300, 700), "more")]
    for number, day in enumerate(PINNED.values()):
        drops += [
            Drop(d.source, d.name.replace(f"{DAY}-", f"{DAY}-{number}-", 1), d.data) for d in day
        ]
    return drops


def assert_published(config: Config) -> None:
    """The published marts hold one post_engagement row per post of raw.posts (the only day
    loaded; a late post counts on the day it was written), and every published table is
    complete and readable."""
    loaded = {r[0] for r in warehouse_rows(config, "select post_id from raw.posts where day = ?")}
    published = zones.published_warehouse(config)
    counts = json.loads(published.with_name("published.json").read_text())["tables"]
    with duckdb.connect(str(published), read_only=True) as con:
        posts = con.execute("select post_id from post_engagement").fetchall()
        for table, rows in counts.items():
            assert con.execute(f"select count(*) from {table}").fetchone()[0] == rows
    assert len(posts) == len(loaded) and {r[0] for r in posts} == loaded


@pytest.mark.slow
def test_garbage_reaches_the_published_marts(models, tmp_path):
    """The full chain, through dbt build, the marts gate and publish, on every kind of garbage."""
    with listener_home(tmp_path / "home", models) as config:
        land(config, every_kind_of_garbage())
        assert ingest(config) == "loaded"
        assert held_batches(config) == []
        assert_files_fully_read(config)
        assert_accounted(config)
        pipeline.build()
        pipeline.gate_marts()
        pipeline.publish()
        assert_published(config)
