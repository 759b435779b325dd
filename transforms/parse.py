"""Parse delivered bytes into frames of text columns, one row per record, block by block, keeping
each record's line number (and the way back to its raw payload) for the quarantine.

Nothing is typed here: every value stays text so that a bad value becomes a quarantine reason in
`transforms.extract`, not a parse failure that loses the whole file. Records that cannot be parsed
at all (malformed JSON, invalid UTF-8, a CSV row with the wrong number of fields) are returned as
(line number, reason, payload) rejections.

A delivery is read as a stream of blocks (`line_chunks`: pieces of about a given size cut at a
newline), so memory stays bounded whatever the file's size. Only quarantined records need their
raw payload: a block keeps the way to it (`Block.payloads`) instead of a copy of every line.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import BinaryIO

import polars as pl
import pyarrow.parquet as pq

from transforms.config import CsvOptions

Rejection = tuple[int, str, str]
META_SCHEMA = {"_line": pl.Int64(), "_payload": pl.String()}


@dataclass
class Block:
    """Records of one piece of a delivery: the export columns as text plus `_line` and `_payload`
    (null until needed: `payloads` gives the raw text of given line numbers), and the records that
    could not be parsed at all."""

    frame: pl.DataFrame
    rejected: list[Rejection] = field(default_factory=list)
    payloads: Callable[[list[int]], list[str]] | None = None

    @property
    def rows(self) -> int:
        return self.frame.height + len(self.rejected)


def as_text(value: object) -> str | None:
    """JSON values as the strings Polars will cast; nested objects stay JSON text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)  # what json.dumps gives, several times faster
    if isinstance(value, float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


def lookup(record: dict, path: str) -> object:
    """A value by key, or by a dotted path into nested objects (`user.screen_name`)."""
    if path in record:
        return record[path]
    value: object = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def empty_frame(columns: list[str]) -> pl.DataFrame:
    return pl.DataFrame(schema={**dict.fromkeys(columns, pl.String()), **META_SCHEMA})


def records_frame(
    records: list[dict], payloads: list[str] | None, columns: list[str], first_line: int = 1
) -> pl.DataFrame:
    """Records (already decoded) as text columns, numbered from `first_line`; without payloads the
    `_payload` column is null."""
    data = {name: [as_text(lookup(r, name)) for r in records] for name in columns}
    data["_line"] = list(range(first_line, first_line + len(records)))
    data["_payload"] = payloads if payloads is not None else [None] * len(records)
    return pl.DataFrame(data, schema={**dict.fromkeys(columns, pl.String()), **META_SCHEMA})


def records_block(records: list[dict], payloads: list[str], columns: list[str]) -> Block:
    """Records an API sent (already decoded), numbered from 1 in the order received, with their
    payloads; a record with a value Polars cannot hold (a lone surrogate) or cannot turn into text
    (nested too deeply) is rejected alone, with its payload."""
    rows: list[dict] = []
    kept: list[str] = []
    lines: list[int] = []
    rejected: list[Rejection] = []
    for number, (record, payload) in enumerate(zip(records, payloads, strict=True), start=1):
        try:
            rows.append(_text_record(record, columns))
        except UnicodeEncodeError:
            rejected.append((number, "invalid Unicode: a lone surrogate escape", payload))
            continue
        except RecursionError:
            rejected.append((number, "malformed JSON: nested too deeply", payload))
            continue
        kept.append(payload)
        lines.append(number)
    frame = records_frame(rows, kept, columns)
    return Block(frame.with_columns(_line=pl.Series(lines, dtype=pl.Int64())), rejected)


def line_chunks(stream: BinaryIO, size: int) -> Iterator[bytes]:
    """The stream in pieces of about `size` bytes, each ending at a newline (the last may not)."""
    while chunk := stream.read(size):
        if not chunk.endswith(b"\n"):
            chunk += stream.readline()  # complete the last line: a record is never cut in two
        yield chunk


# --- JSON lines ---------------------------------------------------------------------------------


def jsonl_blocks(chunks: Iterable[bytes], columns: list[str]) -> Iterator[Block]:
    """One block per chunk, its lines numbered on from the previous chunk's."""
    first_line = 1
    for data in chunks:
        newlines = data.count(b"\n")
        yield jsonl_block(data, columns, first_line, newlines)
        first_line += newlines


# A block with a bad line is read again in pieces of this size, and only the pieces with a bad
# line go line by line (Python's json, some 20x slower than Polars' reader).
PIECE_BYTES = 1 << 20


def jsonl_block(
    data: bytes, columns: list[str], first_line: int = 1, newlines: int | None = None
) -> Block:
    """Polars reads a clean block in one go; in a block with a bad line, each piece that has one
    is read line by line, so each bad line is rejected with its own reason and the good ones
    still load."""
    frame = _parse_clean_jsonl(data, columns, first_line, newlines)
    rejected: list[Rejection] = []
    if frame is None:
        frames = []
        for piece, first in _pieces(data, first_line, PIECE_BYTES):
            clean = _parse_clean_jsonl(piece, columns, first)
            if clean is None:
                clean, bad = _parse_jsonl_by_line(piece, columns, first)
                rejected += bad
            frames.append(clean)
        frame = pl.concat(frames) if frames else empty_frame(columns)
    return Block(frame, rejected, partial(_jsonl_payloads, data, first_line))


def _pieces(data: bytes, first_line: int, size: int) -> Iterator[tuple[bytes, int]]:
    """The block in pieces of about `size` bytes cut after a newline, with their first lines."""
    start = 0
    while start < len(data):
        cut = data.find(b"\n", start + size)
        end = len(data) if cut < 0 else cut + 1
        piece = data[start:end]
        yield piece, first_line
        first_line += piece.count(b"\n")
        start = end


def _jsonl_payloads(data: bytes, first_line: int, lines: list[int]) -> list[str]:
    split = data.split(b"\n")
    return [split[n - first_line].decode("utf-8", "replace") for n in lines]


def _parse_clean_jsonl(
    data: bytes, columns: list[str], first_line: int = 1, newlines: int | None = None
) -> pl.DataFrame | None:
    """The whole block through Polars' reader, or None when any line is not a JSON object (or not
    UTF-8: Polars' reader checks that too)."""
    if any("." in c for c in columns):
        return None  # dotted paths into nested objects: the line reader handles those
    try:
        frame = pl.read_ndjson(data, schema=dict.fromkeys(columns, pl.String()))
    except (pl.exceptions.PolarsError, ValueError):
        return None
    if frame.height == 0:
        return None
    lines = _numbered_lines(data, first_line, frame.height, newlines)
    if lines is None:
        return None
    return frame.with_columns(_line=lines, _payload=pl.lit(None, pl.String()))


def _numbered_lines(
    data: bytes, first_line: int, rows: int, newlines: int | None = None
) -> pl.Series | None:
    """The numbers of the block's non-blank lines (which Polars' reader skips), when there are
    `rows` of them. `newlines`: the block's count of them, when the caller has it."""
    newlines = data.count(b"\n") if newlines is None else newlines
    segments = newlines + (0 if data.endswith(b"\n") else 1)
    if rows == segments:  # no blank line: the common case, without splitting the block
        return pl.int_range(first_line, first_line + rows, dtype=pl.Int64(), eager=True)
    numbered = [n for n, line in enumerate(data.split(b"\n"), start=first_line) if line.strip()]
    return pl.Series(numbered, dtype=pl.Int64()) if len(numbered) == rows else None


def _text_record(record: dict, columns: list[str]) -> dict[str, str | None]:
    """A decoded record's columns as text, checked here so that a value Polars cannot hold (a
    lone surrogate) or cannot turn into text (nested too deeply) rejects this record alone."""
    row = {name: as_text(lookup(record, name)) for name in columns}
    for value in row.values():
        if value is not None:
            value.encode("utf-8")
    return row


def _parse_jsonl_by_line(
    data: bytes, columns: list[str], first_line: int = 1
) -> tuple[pl.DataFrame, list[Rejection]]:
    records: list[dict] = []
    lines: list[int] = []
    rejected: list[Rejection] = []
    for number, raw_line in enumerate(data.split(b"\n"), start=first_line):
        if not raw_line.strip():
            continue
        try:
            line = raw_line.decode("utf-8")
        except UnicodeDecodeError:
            rejected.append((number, "invalid UTF-8", raw_line.decode("utf-8", "replace")))
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            rejected.append((number, f"malformed JSON: {exc.msg}", line))
            continue
        except RecursionError:  # thousands of nested arrays or objects
            rejected.append((number, "malformed JSON: nested too deeply", line))
            continue
        except ValueError:  # an integer beyond Python's digit limit for conversions
            rejected.append((number, "malformed JSON: a number with too many digits", line))
            continue
        if not isinstance(record, dict):
            rejected.append((number, "not a JSON object", line))
            continue
        try:
            records.append(_text_record(record, columns))
        except UnicodeEncodeError:  # "\ud800": an escape that is not a character
            rejected.append((number, "invalid Unicode: a lone surrogate escape", line))
            continue
        except RecursionError:
            rejected.append((number, "malformed JSON: nested too deeply", line))
            continue
        lines.append(number)
    frame = records_frame(records, None, columns)
    return frame.with_columns(_line=pl.Series(lines, dtype=pl.Int64())), rejected


# --- CSV ----------------------------------------------------------------------------------------


class _CsvText:
    """A CSV stream's text as the lines the csv module reads (split at "\\n" only, as io.StringIO
    splits). In UTF-8, a physical line that is not valid UTF-8 is rejected and read as an empty
    line, so line numbers stay aligned; in another encoding an undecodable byte makes the whole
    file unreadable (UnicodeDecodeError). `chars` counts the text decoded so far."""

    def __init__(self, chunks: Iterable[bytes], encoding: str) -> None:
        self.rejected: list[Rejection] = []
        self.chars = 0
        self.ended = False  # every line was read: a record returned now ran out of lines
        self.lines = self._lines(self._texts(chunks, encoding))

    def take_rejected(self) -> list[Rejection]:
        taken, self.rejected = self.rejected, []
        return taken

    def _texts(self, chunks: Iterable[bytes], encoding: str) -> Iterator[str]:
        if encoding != "utf-8":
            decoder = codecs.getincrementaldecoder(encoding)()
            for chunk in chunks:
                yield decoder.decode(chunk)
            yield decoder.decode(b"", final=True)
            return
        physical = 0  # lines before the chunk, as bytes.splitlines counts them (\n, \r\n, \r)
        for chunk in chunks:
            yield self._utf8(chunk, physical + 1)
            physical += _physical_lines(chunk)

    def _utf8(self, chunk: bytes, first_line: int) -> str:
        try:
            return chunk.decode("utf-8")
        except UnicodeDecodeError:
            pass
        lines: list[str] = []
        for number, raw in enumerate(chunk.splitlines(keepends=True), start=first_line):
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                payload = raw.decode("utf-8", "replace").rstrip()
                self.rejected.append((number, "invalid UTF-8", payload))
                lines.append("\n")  # keep line numbers aligned; the empty line is skipped
        return "".join(lines)

    def _lines(self, texts: Iterator[str]) -> Iterator[str]:
        pending = ""  # a line cut between two texts
        for text in texts:
            self.chars += len(text)
            lines = io.StringIO(pending + text).readlines()
            pending = lines.pop() if lines and not lines[-1].endswith("\n") else ""
            yield from lines
        if pending:
            yield pending
        self.ended = True


def _physical_lines(chunk: bytes) -> int:
    breaks = chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
    return breaks + (1 if chunk and not chunk.endswith((b"\n", b"\r")) else 0)


CSV_FIELD_LIMIT = 2**31 - 1  # the largest the csv module takes on every platform


def csv_blocks(
    chunks: Iterable[bytes], options: CsvOptions, columns: list[str], block_chars: int
) -> Iterator[Block]:
    """CSV with quoting (fields may hold commas and newlines); every value read as text. A block
    ends once about `block_chars` of text were read."""
    text = _CsvText(chunks, options.encoding)
    header = list(options.columns) if not options.has_header else None
    rows: list[list[str]] = []
    numbers: list[int] = []
    rejected: list[Rejection] = []
    # A field of any size is read, so an oversized text is quarantined with its reason instead
    # of failing the parse and losing the rows after it (the csv module's default is 128 KiB).
    csv.field_size_limit(CSV_FIELD_LIMIT)
    for number, row, problem in _csv_records(text, options.delimiter):
        if problem is not None:
            rejected.append((number, problem, options.delimiter.join(row)))
            continue
        if len(row) <= 1 and not "".join(row).strip():
            continue  # a blank line; a row of empty fields is a record, quarantined below
        if header is None:
            header = [cell.strip().lstrip("\ufeff") for cell in row]
            continue
        if len(row) != len(header):
            reason = f"CSV row has {len(row)} fields, the header has {len(header)}"
            rejected.append((number, reason, options.delimiter.join(row)))
            continue
        rows.append(row)
        numbers.append(number)
        if text.chars >= block_chars:
            yield _csv_block(header, rows, numbers, rejected + text.take_rejected(), columns,
                             options.delimiter)  # fmt: skip
            rows, numbers, rejected, text.chars = [], [], [], 0
    yield _csv_block(header or [], rows, numbers, rejected + text.take_rejected(), columns,
                     options.delimiter)  # fmt: skip


def _csv_records(text: _CsvText, delimiter: str) -> Iterator[tuple[int, list[str], str | None]]:
    """The text's records with their line numbers, and why one cannot be read (else None).
    A record the csv module refuses (a carriage return inside an unquoted field) is rejected and
    reading goes on from the next line; a quote still open at the end of the file swallowed
    every line after it into one field, so that record is rejected too, not loaded."""
    reader = csv.reader(text.lines, delimiter=delimiter)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, [], f"CSV not parseable: {exc}"
            continue
        unterminated = "CSV quote not closed before the end of the file" if text.ended else None
        yield reader.line_num, row, unterminated


def _csv_block(
    header: list[str], rows: list[list[str]], numbers: list[int], rejected: list[Rejection],
    columns: list[str], delimiter: str,
) -> Block:  # fmt: skip
    index = {name: i for i, name in enumerate(header)}  # a repeated name: the last one wins
    cells = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    data = {
        c: pl.Series(c, cells[index[c]] if c in index else [None] * len(rows), pl.String())
        for c in columns
    }
    frame = pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String()))
    frame = frame.with_columns(
        _line=pl.Series(numbers, dtype=pl.Int64()), _payload=pl.lit(None, pl.String())
    )
    return Block(frame, rejected, partial(_csv_payloads, rows, numbers, delimiter))


def _csv_payloads(
    rows: list[list[str]], numbers: list[int], delimiter: str, lines: list[int]
) -> list[str]:
    return [delimiter.join(rows[bisect.bisect_left(numbers, n)]) for n in lines]


# --- Parquet ------------------------------------------------------------------------------------


def _text(series: pl.Series) -> pl.Series:
    """A typed Parquet column as the text the other formats give (lists space-separated)."""
    if isinstance(series.dtype, pl.List):
        return series.list.eval(pl.element().cast(pl.String)).list.join(" ")
    if isinstance(series.dtype, pl.Struct):
        return series.struct.json_encode()
    return series.cast(pl.String)


def parquet_blocks(path: Path, columns: list[str], block_bytes: int) -> Iterator[Block]:
    """A local Parquet file by row groups (gathered up to about `block_bytes` uncompressed)."""
    present = [c for c in columns if c in pl.read_parquet_schema(path)]
    metadata = pq.ParquetFile(path).metadata
    start = rows = size = 0
    for group in range(metadata.num_row_groups):
        rows += metadata.row_group(group).num_rows
        size += metadata.row_group(group).total_byte_size
        if size >= block_bytes or group == metadata.num_row_groups - 1:
            typed = pl.scan_parquet(path).select(present).slice(start, rows).collect()
            yield _parquet_block(typed, rows, columns, start + 1)
            start, rows, size = start + rows, 0, 0


def _parquet_block(typed: pl.DataFrame, rows: int, columns: list[str], first_line: int) -> Block:
    """`rows` records (`typed` has no rows when the file has none of the columns)."""
    text = pl.DataFrame(
        {c: _text(typed[c]) if c in typed.columns else pl.Series(c, [None] * rows, pl.String())
         for c in columns}
    )  # fmt: skip
    frame = text.with_columns(
        _line=pl.int_range(first_line, first_line + rows, dtype=pl.Int64()),
        _payload=pl.lit(None, pl.String()),
    )
    return Block(frame, [], partial(_parquet_payloads, typed, first_line))


def _parquet_payloads(typed: pl.DataFrame, first_line: int, lines: list[int]) -> list[str]:
    if not typed.columns:
        return ["{}"] * len(lines)
    rows = typed[[n - first_line for n in lines]].rows(named=True)
    return [json.dumps(r, default=str, ensure_ascii=False) for r in rows]


def header_columns(data: bytes, fmt: str, options: CsvOptions) -> list[str] | None:
    """The columns a CSV carries, from its first line (None for JSONL, whose keys vary by line)."""
    if fmt == "csv":
        if not options.has_header:
            return list(options.columns)
        first = data.split(b"\n", 1)[0].decode(options.encoding, "replace")
        try:
            cells = next(csv.reader([first], delimiter=options.delimiter), [])
        except csv.Error:  # not a header (a stray carriage return): it names no column
            return []
        return [c.strip().lstrip("\ufeff") for c in cells]
    return None
