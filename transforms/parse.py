"""Parse delivered bytes into a frame of text columns, one row per record, keeping each record's
line number and raw payload for the quarantine.

Nothing is typed here: every value stays text so that a bad value becomes a quarantine reason in
`transforms.extract`, not a parse failure that loses the whole file. Records that cannot be parsed
at all (malformed JSON, invalid UTF-8, a CSV row with the wrong number of fields) are returned as
(line number, reason, payload) rejections.
"""

from __future__ import annotations

import csv
import io
import json

import polars as pl

from transforms.config import CsvOptions

Rejection = tuple[int, str, str]
META_SCHEMA = {"_line": pl.Int64(), "_payload": pl.String()}


def as_text(value: object) -> str | None:
    """JSON values as the strings Polars will cast; nested objects stay JSON text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
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
    records: list[dict], payloads: list[str], columns: list[str], first_line: int = 1
) -> pl.DataFrame:
    """Records (already decoded) as text columns, numbered from `first_line`."""
    data = {name: [as_text(lookup(r, name)) for r in records] for name in columns}
    data["_line"] = list(range(first_line, first_line + len(records)))
    data["_payload"] = payloads
    return pl.DataFrame(data, schema={**dict.fromkeys(columns, pl.String()), **META_SCHEMA})


def parse_jsonl(data: bytes, columns: list[str]) -> tuple[pl.DataFrame, list[Rejection]]:
    """Polars reads a clean file in one go; a file with any bad line is read line by line, so
    each bad line is rejected with its own reason and the good ones still load."""
    fast = _parse_clean_jsonl(data, columns)
    return (fast, []) if fast is not None else _parse_jsonl_by_line(data, columns)


def _parse_clean_jsonl(data: bytes, columns: list[str]) -> pl.DataFrame | None:
    """The whole file through Polars' reader, or None when any line is not a JSON object."""
    if any("." in c for c in columns):
        return None  # dotted paths into nested objects: the line reader handles those
    numbered = [(n, line) for n, line in enumerate(data.split(b"\n"), start=1) if line.strip()]
    if not numbered:
        return None
    try:
        frame = pl.read_ndjson(io.BytesIO(data), schema=dict.fromkeys(columns, pl.String()))
        payloads = [line.decode("utf-8") for _, line in numbered]
    except (pl.exceptions.PolarsError, UnicodeDecodeError, ValueError):
        return None
    if frame.height != len(numbered):
        return None
    return frame.with_columns(
        _line=pl.Series([n for n, _ in numbered], dtype=pl.Int64()),
        _payload=pl.Series(payloads, dtype=pl.String()),
    )


def _parse_jsonl_by_line(data: bytes, columns: list[str]) -> tuple[pl.DataFrame, list[Rejection]]:
    records: list[dict] = []
    payloads: list[str] = []
    lines: list[int] = []
    rejected: list[Rejection] = []
    for number, raw_line in enumerate(data.split(b"\n"), start=1):
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
        if not isinstance(record, dict):
            rejected.append((number, "not a JSON object", line))
            continue
        records.append(record)
        payloads.append(line)
        lines.append(number)
    frame = records_frame(records, payloads, columns)
    return frame.with_columns(_line=pl.Series(lines, dtype=pl.Int64())), rejected


def _decode_csv(data: bytes, options: CsvOptions) -> tuple[list[str], list[Rejection]]:
    """Physical lines of the file; lines that are not valid in the file's encoding are rejected."""
    if options.encoding != "utf-8":
        return data.decode(options.encoding).splitlines(keepends=True), []
    lines: list[str] = []
    rejected: list[Rejection] = []
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            rejected.append((number, "invalid UTF-8", raw.decode("utf-8", "replace").rstrip()))
            lines.append("\n")  # keep line numbers aligned; the empty line is skipped below
    return lines, rejected


def parse_csv(
    data: bytes, options: CsvOptions, columns: list[str]
) -> tuple[pl.DataFrame, list[Rejection]]:
    """CSV with quoting (fields may hold commas and newlines); every value read as text."""
    lines, rejected = _decode_csv(data, options)
    reader = csv.reader(io.StringIO("".join(lines)), delimiter=options.delimiter)
    header = list(options.columns) if not options.has_header else None
    records: list[dict] = []
    payloads: list[str] = []
    numbers: list[int] = []
    try:
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip().lstrip("\ufeff") for cell in row]
                continue
            payload = options.delimiter.join(row)
            if len(row) != len(header):
                reason = f"CSV row has {len(row)} fields, the header has {len(header)}"
                rejected.append((number, reason, payload))
                continue
            records.append(dict(zip(header, row, strict=True)))
            payloads.append(payload)
            numbers.append(number)
    except csv.Error as exc:
        # An unterminated quote swallows the rest of the file: say so for what is left.
        rejected.append((reader.line_num, f"CSV not parseable: {exc}", ""))
    frame = records_frame(records, payloads, columns)
    return frame.with_columns(_line=pl.Series(numbers, dtype=pl.Int64())), rejected


def _text(series: pl.Series) -> pl.Series:
    """A typed Parquet column as the text the other formats give (lists space-separated)."""
    if isinstance(series.dtype, pl.List):
        return series.list.eval(pl.element().cast(pl.String)).list.join(" ")
    if isinstance(series.dtype, pl.Struct):
        return series.struct.json_encode()
    return series.cast(pl.String)


def parse_parquet(data: bytes, columns: list[str]) -> tuple[pl.DataFrame, list[Rejection]]:
    frame = pl.read_parquet(io.BytesIO(data))
    present = [c for c in columns if c in frame.columns]
    payloads = [
        json.dumps(r, default=str, ensure_ascii=False)
        for r in frame.select(present).rows(named=True)
    ]
    text = pl.DataFrame(
        {c: _text(frame[c]) if c in present else pl.Series(c, [None] * frame.height, pl.String())
         for c in columns}
    )  # fmt: skip
    return text.with_columns(
        _line=pl.int_range(1, frame.height + 1, dtype=pl.Int64()),
        _payload=pl.Series(payloads, dtype=pl.String()),
    ), []


def header_columns(data: bytes, fmt: str, options: CsvOptions) -> list[str] | None:
    """The columns a file carries (None for JSONL, whose keys vary by line)."""
    if fmt == "csv":
        if not options.has_header:
            return list(options.columns)
        first = data.split(b"\n", 1)[0].decode(options.encoding, "replace")
        return [
            c.strip().lstrip("\ufeff")
            for c in next(csv.reader([first], delimiter=options.delimiter), [])
        ]
    if fmt == "parquet":
        return list(pl.read_parquet_schema(io.BytesIO(data)))
    return None
