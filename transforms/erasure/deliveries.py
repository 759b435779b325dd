"""Rewriting the content of one delivered file without the author's records, keeping every
other record's bytes as delivered: JSONL by line, CSV by record (a record may span lines),
Parquet by row. A judge (landing.RecordJudge) says what happens to each record: keep it, drop
it, or redact it (a record of someone else that links to an erased post)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from transforms.config import CsvOptions
from transforms.erasure.subject import Subject
from transforms.parse import CSV_FIELD_LIMIT

Verdict = Literal["keep", "drop", "redact"]
Judge = Callable[[dict | None, str], Verdict]


@dataclass
class Rewrite:
    data: bytes | None  # the new content; None: delete the file
    dropped: int
    redacted: int


def rewrite_delivery(
    data: bytes, fmt: str, options: CsvOptions, judge: Judge, subject: Subject
) -> Rewrite:
    """The delivered content without the author's records (None data: delete the file, which
    cannot be parsed at all and holds the author id)."""
    try:
        if fmt == "csv":
            return rewrite_csv(data, options, judge, subject)
        if fmt == "parquet":
            return rewrite_parquet(data, judge, subject)
        return rewrite_jsonl(data, judge, subject)
    except (pl.exceptions.PolarsError, OSError, UnicodeError):
        holds = judge(None, data.decode("utf-8", "replace")) == "drop"
        return Rewrite(None if holds else data, int(holds), 0)


def rewrite_jsonl(data: bytes, judge: Judge, subject: Subject) -> Rewrite:
    """JSONL without the dropped lines; every kept line's bytes stay as delivered."""
    out: list[bytes] = []
    dropped = redacted = 0
    for line in data.split(b"\n"):
        text = line.decode("utf-8", "replace")
        record = _json_object(text) if line.strip() else None
        verdict = judge(record, text) if line.strip() else "keep"
        if verdict == "drop":
            dropped += 1
        elif verdict == "redact" and record is not None:
            out.append(json.dumps(redact_record(subject, record), ensure_ascii=False).encode())
            redacted += 1
        else:
            out.append(line)
    return Rewrite(b"\n".join(out), dropped, redacted)


def _json_object(text: str) -> dict | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def rewrite_csv(data: bytes, options: CsvOptions, judge: Judge, subject: Subject) -> Rewrite:
    """CSV without the dropped records (a record may span lines: quoted newlines); every kept
    record's bytes stay as delivered."""
    lines = data.splitlines(keepends=True)
    decoded = [line.decode(options.encoding, "replace") for line in lines]
    reader = csv.reader(iter(decoded), delimiter=options.delimiter)
    header = list(options.columns) if not options.has_header else None
    out: list[bytes] = []
    dropped = redacted = consumed = 0
    csv.field_size_limit(CSV_FIELD_LIMIT)  # as the extractor reads it: a huge field is a field
    while True:
        try:
            row: list[str] | None = next(reader)
        except StopIteration:
            break
        except csv.Error:  # one unparseable record (a stray CR; an unterminated quote: the rest)
            row = None
        span, consumed = slice(consumed, reader.line_num), reader.line_num
        if row is not None and not any(cell.strip() for cell in row):
            out += lines[span]
            continue
        if row is not None and header is None:
            header = [cell.strip().lstrip("\ufeff") for cell in row]
            out += lines[span]
            continue
        fits = row is not None and header is not None and len(row) == len(header)
        record = dict(zip(header or [], row or [], strict=True)) if fits else None
        verdict = judge(record, "".join(decoded[span]))
        if verdict == "drop":
            dropped += 1
        elif verdict == "redact" and record is not None and row is not None:
            out.append(_csv_row(subject, row, options, lines[span][-1]))
            redacted += 1
        else:
            out += lines[span]
    return Rewrite(b"".join(out), dropped, redacted)


def _csv_row(subject: Subject, row: list[str], options: CsvOptions, last_line: bytes) -> bytes:
    ending = "\r\n" if last_line.endswith(b"\r\n") else "\n" if last_line.endswith(b"\n") else ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=options.delimiter, lineterminator=ending)
    writer.writerow(["" if cell in subject.exact_values else subject.redact(cell) for cell in row])
    return buffer.getvalue().encode(options.encoding)


def rewrite_parquet(data: bytes, judge: Judge, subject: Subject) -> Rewrite:
    frame = pl.read_parquet(io.BytesIO(data))
    rows: list[dict] = []
    dropped = redacted = 0
    for record in frame.to_dicts():
        verdict = judge(record, json.dumps(record, default=str, ensure_ascii=False))
        if verdict == "drop":
            dropped += 1
            continue
        if verdict == "redact":
            record, redacted = redact_record(subject, record), redacted + 1
        rows.append(record)
    buffer = io.BytesIO()
    pl.DataFrame(rows, schema=frame.schema).write_parquet(buffer)
    return Rewrite(buffer.getvalue(), dropped, redacted)


def redact_record(subject: Subject, value: Any) -> Any:
    """A record with erased ids (and the author id) nulled and the handle redacted, at any
    depth: the record of someone else that linked to an erased post."""
    if isinstance(value, dict):
        return {k: redact_record(subject, v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_record(subject, v) for v in value]
    identifier = isinstance(value, str | int) and not isinstance(value, bool)
    if identifier and str(value) in subject.exact_values:
        return None
    return subject.redact(value) if isinstance(value, str) else value
