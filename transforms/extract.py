"""Extract: one source's landing file for one day -> the raw zone.

Each row of the export is parsed, type-checked and either accepted into
`raw/source=<s>/day=<d>/posts.parquet` or written to `quarantine.parquet` beside it with a reason.
Nothing is dropped silently: rows_read == rows_accepted + rows_quarantined, as the manifest says.

Re-running a day rewrites the partition from the same file and gives byte-identical output, so a
load is idempotent by (source, day).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from transforms import schema, zones
from transforms.config import Config, Source
from transforms.files import write_atomic_bytes, write_parquet_atomic

MAX_TEXT_CHARS = 10_000
# Posts may arrive late (a day's export can hold yesterday's posts); older ones are quarantined.
ALLOWED_LATENESS = dt.timedelta(days=7)
PLATFORM_EPOCH = dt.datetime(2004, 1, 1, tzinfo=dt.UTC)

_INT_COLUMNS = ("author_followers", "likes", "shares", "comments", "impressions", "rating")
_COUNT_COLUMNS = ("author_followers", "likes", "shares", "comments", "impressions")


@dataclass(frozen=True)
class ExtractReport:
    source: str
    day: str
    batch_id: str
    file: str | None
    sha256: str | None
    rows_read: int
    rows_accepted: int
    rows_quarantined: int


def find_landing_file(config: Config, source: Source, day: dt.date) -> Path | None:
    """The day's export for a source, plain or gzipped; None when nothing was delivered."""
    plain = zones.landing_file(config, source, day)
    for candidate in (plain, plain.with_name(plain.name + ".gz")):
        if candidate.exists():
            return candidate
    return None


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _as_text(value: object) -> str | None:
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


def parse_jsonl(data: bytes) -> tuple[pl.DataFrame, list[tuple[int, str, str]]]:
    """Split JSONL into string columns plus (line number, reason, payload) for unparseable lines."""
    columns: dict[str, list[str | None]] = {name: [] for name in schema.LANDING_POST}
    line_numbers: list[int] = []
    payloads: list[str] = []
    rejected: list[tuple[int, str, str]] = []
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
        for name, values in columns.items():
            values.append(_as_text(record.get(name)))
        line_numbers.append(number)
        payloads.append(line)
    frame = pl.DataFrame(
        {**columns, "_line": line_numbers, "_payload": payloads},
        schema={
            **dict.fromkeys(schema.LANDING_POST, pl.String()),
            "_line": pl.Int64(),
            "_payload": pl.String(),
        },
    )
    return frame, rejected


def parse_csv(data: bytes) -> tuple[pl.DataFrame, list[tuple[int, str, str]]]:
    """CSV exports: every column read as text; the header must name the canonical fields."""
    text = data.decode("utf-8", errors="replace")
    try:
        frame = pl.read_csv(text.encode(), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        # An unreadable file is quarantined line by line rather than crashing the load.
        lines = [line for line in text.splitlines()[1:] if line.strip()]
        reason = f"CSV not parseable: {str(exc).splitlines()[0]}"
        empty = parse_jsonl(b"")[0]
        return empty, [(n, reason, line) for n, line in enumerate(lines, start=2)]
    for name in schema.LANDING_POST:
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String()).alias(name))
    payload = pl.concat_str([pl.col(c).fill_null("") for c in frame.columns], separator=",").alias(
        "_payload"
    )
    frame = frame.with_columns(payload, (pl.int_range(pl.len()) + 2).alias("_line"))
    frame = frame.select([*schema.LANDING_POST, "_line", "_payload"])
    rejected = []
    if "\ufffd" in text:
        bad = frame.filter(pl.col("_payload").str.contains("\ufffd"))
        rejected = [(r["_line"], "invalid UTF-8", r["_payload"]) for r in bad.iter_rows(named=True)]
        frame = frame.filter(~pl.col("_payload").str.contains("\ufffd"))
    return frame, rejected


def _parse_timestamp(column: str) -> pl.Expr:
    """ISO-8601 with a zone or 'Z', converted to UTC."""
    return (
        pl.col(column)
        .str.replace(r"Z$", "+00:00")
        .str.to_datetime(format="%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_unit="us")
        .dt.convert_time_zone("UTC")
    )


def _parse_bool(column: str) -> pl.Expr:
    lowered = pl.col(column).str.to_lowercase()
    return (
        pl.when(lowered.is_in(["true", "1", "yes"]))
        .then(True)
        .when(lowered.is_in(["false", "0", "no", ""]))
        .then(False)
        .otherwise(None)
    )


def type_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Cast the text columns to their canonical types, adding `_reason` for rows that fail."""
    blank = {c: pl.col(c).str.strip_chars().replace("", None) for c in schema.LANDING_POST}
    frame = frame.with_columns(**blank)
    typed = frame.with_columns(
        _created_at=_parse_timestamp("created_at"),
        _author_verified=_parse_bool("author_verified"),
        **{f"_{c}": pl.col(c).str.to_integer(strict=False) for c in _INT_COLUMNS},
    )
    checks: list[tuple[pl.Expr, str]] = [
        *[
            (pl.col(f).is_null(), f"missing required field {f}")
            for f in schema.REQUIRED_LANDING_FIELDS
        ],
        (pl.col("_created_at").is_null(), "created_at is not an ISO-8601 timestamp"),
        *[
            (pl.col(c).is_not_null() & pl.col(f"_{c}").is_null(), f"{c} is not an integer")
            for c in _INT_COLUMNS
        ],
        *[(pl.col(f"_{c}") < 0, f"{c} is negative") for c in _COUNT_COLUMNS],
        (
            pl.col("author_verified").is_not_null() & pl.col("_author_verified").is_null(),
            "author_verified is not a boolean",
        ),
        (pl.col("text").str.len_chars() > MAX_TEXT_CHARS, f"text longer than {MAX_TEXT_CHARS}"),
        (pl.col("_rating").is_not_null() & ~pl.col("_rating").is_between(1, 5), "rating not 1-5"),
    ]
    reason = pl.lit(None, pl.String())
    for failed, message in reversed(checks):
        reason = pl.when(failed.fill_null(False)).then(pl.lit(message)).otherwise(reason)
    return typed.with_columns(_reason=reason)


def check_window(frame: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """Quarantine timestamps in the future of the data interval, or too old to be this load's."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    end = start + dt.timedelta(days=1)
    too_new = pl.col("_created_at") >= end
    too_old = (pl.col("_created_at") < start - ALLOWED_LATENESS) | (
        pl.col("_created_at") < PLATFORM_EPOCH
    )
    return frame.with_columns(
        _reason=pl.when(pl.col("_reason").is_not_null())
        .then(pl.col("_reason"))
        .when(too_new)
        .then(pl.lit("created_at after the end of the data interval"))
        .when(too_old)
        .then(pl.lit("created_at older than the allowed lateness"))
        .otherwise(None)
    )


def flag_duplicate_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """The first row of an id wins; later rows with the same id are quarantined."""
    repeated = pl.col("id").is_not_null() & (pl.int_range(pl.len()).over("id") > 0)
    return frame.with_columns(
        _reason=pl.when(pl.col("_reason").is_null() & repeated)
        .then(pl.lit("duplicate id in batch"))
        .otherwise(pl.col("_reason"))
    )


def to_raw_posts(frame: pl.DataFrame, source: Source, batch_id: str, day: dt.date) -> pl.DataFrame:
    platform_id = pl.lit(source.platform + ":")
    return frame.select(
        post_id=platform_id + pl.col("id"),
        platform=pl.lit(source.platform),
        native_id=pl.col("id"),
        created_at=pl.col("_created_at"),
        author_id=pl.col("author_id"),
        author_handle=pl.col("author_handle"),
        author_followers=pl.col("_author_followers"),
        author_verified=pl.col("_author_verified"),
        text=pl.col("text"),
        lang=pl.col("lang"),
        in_reply_to_post_id=pl.when(pl.col("in_reply_to_id").is_not_null()).then(
            platform_id + pl.col("in_reply_to_id")
        ),
        repost_of_post_id=pl.when(pl.col("repost_of_id").is_not_null()).then(
            platform_id + pl.col("repost_of_id")
        ),
        likes=pl.col("_likes").fill_null(0),
        shares=pl.col("_shares").fill_null(0),
        comments=pl.col("_comments").fill_null(0),
        impressions=pl.col("_impressions"),
        rating=pl.col("_rating"),
        source=pl.lit(source.name),
        batch_id=pl.lit(batch_id),
        day=pl.lit(day),
    ).cast(schema.RAW_POST)


def quarantine_rows(
    rows: pl.DataFrame, source: Source, batch_id: str, day: dt.date, file: str
) -> pl.DataFrame:
    return rows.select(
        source=pl.lit(source.name),
        batch_id=pl.lit(batch_id),
        day=pl.lit(day),
        file=pl.lit(file),
        line_number=pl.col("_line"),
        reason=pl.col("_reason"),
        raw_payload=pl.col("_payload"),
    ).cast(schema.QUARANTINE)


def extract_source_day(config: Config, source: Source, day: dt.date) -> ExtractReport:
    """Load one source's export for one day into the raw zone (idempotent)."""
    path = find_landing_file(config, source, day)
    partition = zones.raw_partition(config, source.name, day)
    if path is None:
        data, digest, file_name = b"", None, None
    else:
        data = read_bytes(path)
        digest = hashlib.sha256(data).hexdigest()
        file_name = str(path.relative_to(config.data_dir))
    batch_id = f"{source.name}-{day.isoformat()}-{(digest or 'empty')[:12]}"

    parse = parse_csv if source.format == "csv" else parse_jsonl
    if source.format == "parquet" and data:
        frame = pl.read_parquet(path).cast(pl.String).with_row_index("_line", offset=1)
        frame = frame.with_columns(_payload=pl.lit(None, pl.String()))
        rejected: list[tuple[int, str, str]] = []
    else:
        frame, rejected = parse(data) if data else parse_jsonl(b"")
    checked = flag_duplicate_ids(check_window(type_rows(frame), day))

    accepted = to_raw_posts(checked.filter(pl.col("_reason").is_null()), source, batch_id, day)
    unparsed = pl.DataFrame(
        rejected,
        schema={"_line": pl.Int64(), "_reason": pl.String(), "_payload": pl.String()},
        orient="row",
    )
    quarantined = pl.concat(
        [
            quarantine_rows(
                checked.filter(pl.col("_reason").is_not_null()),
                source,
                batch_id,
                day,
                file_name or "",
            ),
            quarantine_rows(unparsed, source, batch_id, day, file_name or ""),
        ]
    ).sort("line_number")

    write_parquet_atomic(accepted, partition / "posts.parquet")
    write_parquet_atomic(quarantined, partition / "quarantine.parquet")
    report = ExtractReport(
        source=source.name,
        day=day.isoformat(),
        batch_id=batch_id,
        file=file_name,
        sha256=digest,
        rows_read=frame.height + len(rejected),
        rows_accepted=accepted.height,
        rows_quarantined=quarantined.height,
    )
    if report.rows_read != report.rows_accepted + report.rows_quarantined:
        raise RuntimeError(f"row accounting does not balance for {report}")
    manifest = json.dumps(asdict(report), indent=2, sort_keys=True).encode()
    write_atomic_bytes(manifest, partition / "manifest.json")
    return report
