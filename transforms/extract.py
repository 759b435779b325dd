"""Extract: one source, one day -> one immutable batch in the raw zone.

A file source loads every delivered file of the day that no committed batch holds yet (by content
checksum); an API source fetches what is newer than its watermark. Each record is mapped to the
canonical post fields, typed and checked; it is either accepted or quarantined with a reason, and
the batch goes on. Nothing is dropped silently: rows_read == rows_accepted + rows_quarantined, as
the batch's manifest says. Running a day again, or re-delivering a file, adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field

import polars as pl

from transforms import mapping, parse, raw_zone, schema
from transforms.config import FILE_KIND, PLATFORMS, Config, Source
from transforms.landing import Delivery, list_deliveries, read_delivery

MAX_TEXT_CHARS = 10_000
# When each platform opened to the public: an older timestamp is a parse or export error.
PLATFORM_LAUNCH = {
    "facebook": dt.datetime(2004, 2, 4, tzinfo=dt.UTC),
    "youtube": dt.datetime(2005, 2, 14, tzinfo=dt.UTC),
    "reddit": dt.datetime(2005, 6, 23, tzinfo=dt.UTC),
    "x": dt.datetime(2006, 3, 21, tzinfo=dt.UTC),
    "instagram": dt.datetime(2010, 10, 6, tzinfo=dt.UTC),
    "reviews": dt.datetime(1995, 1, 1, tzinfo=dt.UTC),
}

_INT_COLUMNS = ("author_followers", "likes", "shares", "comments", "impressions", "rating")
_COUNT_COLUMNS = ("author_followers", "likes", "shares", "comments", "impressions")
_BOOL_COLUMNS = ("author_verified", "is_own_post")


@dataclass(frozen=True)
class ExtractReport:
    """What one extract did; Airflow keeps it as the task's XCom."""

    source: str
    day: str
    batch_id: str | None  # None when there was nothing new to load
    files: list[str] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)  # already loaded (same checksum)
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    watermark_before: str | None = None
    watermark_after: str | None = None
    requests: int = 0


@dataclass
class Batch:
    """Records read for one load, as canonical text columns, before validation."""

    frame: pl.DataFrame  # canonical fields + _line, _payload, _file
    rejected: pl.DataFrame  # _line, _reason, _payload, _file: records that could not be parsed
    files: list[raw_zone.FileEntry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    fingerprint: str = ""
    watermark_before: str | None = None
    watermark_after: str | None = None
    requests: int = 0
    missing_columns: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return self.frame.height + self.rejected.height


_REJECTED = {
    "_line": pl.Int64(),
    "_reason": pl.String(),
    "_payload": pl.String(),
    "_file": pl.String(),
}


def _rejections(rows: list[parse.Rejection], file: str) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows, schema={k: v for k, v in _REJECTED.items() if k != "_file"}, orient="row"
    )
    return frame.with_columns(_file=pl.lit(file, pl.String()))


def _unreadable(name: str, exc: Exception) -> pl.DataFrame:
    detail = (str(exc).splitlines() or [""])[0][:200]
    kind = "" if isinstance(exc, OSError) else f"{type(exc).__name__}: "
    reason = f"file not readable: {kind}{detail}"
    return _rejections([(0, reason, "")], name)


def parse_delivery(source: Source, delivery: Delivery) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """One file's records as canonical text columns, its rejections, and its row count."""
    columns = mapping.export_columns(source)
    if source.format == "csv":
        frame, rejected = parse.parse_csv(delivery.data, source.csv, columns)
    elif source.format == "parquet":
        frame, rejected = parse.parse_parquet(delivery.data, columns)
    else:
        frame, rejected = parse.parse_jsonl(delivery.data, columns)
    canonical = mapping.to_canonical(frame, source).with_columns(_file=pl.lit(delivery.name))
    return canonical, _rejections(rejected, delivery.name), frame.height + len(rejected)


def read_file_batch(config: Config, source: Source, day: dt.date) -> Batch:
    """The day's delivered files that no committed batch holds yet."""
    loaded = raw_zone.loaded_checksums(config, source.name)
    frames, rejected, entries, skipped, missing = [], [], [], [], []
    for url, name in list_deliveries(config, source, day):
        delivery = read_delivery(url, name)
        if delivery.sha256 in loaded:
            skipped.append(name)
            continue
        loaded[delivery.sha256] = "this batch"  # the same content twice in one drop loads once
        try:
            if delivery.error:
                raise OSError(delivery.error)
            present = parse.header_columns(delivery.data, source.format or "", source.csv)
            missing += [f"{name}: {c}" for c in mapping.missing_columns(source, present)]
            frame, bad, rows = parse_delivery(source, delivery)
        except (OSError, pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
            # A file that cannot be read at all is one quarantined record saying why.
            frame, bad, rows = _empty_canonical(), _unreadable(name, exc), 1
        frames.append(frame)
        rejected.append(bad)
        entries.append(raw_zone.FileEntry(name, url, delivery.sha256, len(delivery.data), rows))
    fingerprint = hashlib.sha256("".join(e.sha256 for e in entries).encode()).hexdigest()
    return Batch(
        frame=_concat(frames, _empty_canonical()),
        rejected=_concat(rejected, pl.DataFrame(schema=_REJECTED)),
        files=entries,
        skipped=skipped,
        fingerprint=fingerprint if entries else "",
        missing_columns=missing,
    )


def read_api_batch(config: Config, source: Source, day: dt.date) -> Batch:
    """Everything the platform API has that is newer than the source's watermark."""
    from transforms.connectors import ApiSettings, RetryPolicy, fetch_source
    from transforms.connectors.credentials import resolve_secret
    from transforms.sample_api import api_url

    settings = ApiSettings(
        kind=source.kind, base_url=api_url(source), query=source.query or "",
        page_size=source.page_size,
    )  # fmt: skip
    secret = resolve_secret(source.connection_id, source.secret_env_var)
    before = raw_zone.current_watermark(config, source.name)
    start, end = data_interval(day)
    lateness = dt.timedelta(days=source.max_lateness_days or 0)
    policy = RetryPolicy(max_attempts=source.max_attempts, timeout=source.timeout_seconds)
    result = fetch_source(settings, secret, before, start - lateness, end, policy=policy)
    frame = parse.records_frame(result.records, result.payloads, list(schema.LANDING_POST))
    canonical = mapping.to_canonical(frame, source).with_columns(_file=pl.lit(f"api:{source.kind}"))
    fingerprint = hashlib.sha256("\n".join(result.payloads).encode()).hexdigest()
    return Batch(
        frame=canonical,
        rejected=pl.DataFrame(schema=_REJECTED),
        fingerprint=fingerprint if result.records else "",
        watermark_before=before,
        watermark_after=result.watermark_after or before,
        requests=result.requests,
    )


def _empty_canonical() -> pl.DataFrame:
    return pl.DataFrame(
        schema={**dict.fromkeys(schema.LANDING_POST, pl.String()), **parse.META_SCHEMA,
                "_file": pl.String()}
    )  # fmt: skip


def _concat(frames: list[pl.DataFrame], empty: pl.DataFrame) -> pl.DataFrame:
    return pl.concat(frames) if frames else empty


def data_interval(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


def parse_timestamp(column: str, fmt: str | None) -> pl.Expr:
    """A timestamp in UTC: the given strftime pattern, else ISO-8601 or epoch seconds/millis.

    A value without a zone is taken as UTC, which is what platform exports mean by it.
    """
    text = pl.col(column).str.strip_chars()
    if fmt is not None:
        parsed = text.str.to_datetime(fmt, strict=False, time_unit="us")
        if "%z" in fmt or "%Z" in fmt:
            return parsed.dt.convert_time_zone("UTC")
        return parsed.dt.replace_time_zone("UTC")
    iso = text.str.replace(r"^(\d{4}-\d{2}-\d{2}) ", "${1}T").str.replace(r"Z$", "+00:00")
    with_zone = iso.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_unit="us"
    ).dt.convert_time_zone("UTC")
    naive = iso.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False, time_unit="us")
    number = text.str.extract(r"^(\d{9,13}(?:\.\d+)?)$", 1).cast(pl.Float64, strict=False)
    epoch_us = pl.when(number > 1e11).then(number * 1_000).otherwise(number * 1_000_000)
    epoch = pl.from_epoch(epoch_us.cast(pl.Int64), time_unit="us")
    return pl.coalesce(
        with_zone, naive.dt.replace_time_zone("UTC"), epoch.dt.replace_time_zone("UTC")
    )


def _parse_bool(column: str) -> pl.Expr:
    lowered = pl.col(column).str.to_lowercase()
    return (
        pl.when(lowered.is_in(["true", "1", "yes", "y", "t"]))
        .then(True)
        .when(lowered.is_in(["false", "0", "no", "n", "f"]))
        .then(False)
        .otherwise(None)
    )


def _first_failure(checks: list[tuple[pl.Expr, pl.Expr | str]]) -> pl.Expr:
    """The message of the first check that fails for a row (null when all pass)."""
    reason = pl.lit(None, pl.String())
    for failed, message in reversed(checks):
        text = pl.lit(message) if isinstance(message, str) else message
        reason = pl.when(failed.fill_null(False)).then(text).otherwise(reason)
    return reason


def type_rows(frame: pl.DataFrame, timestamp_format: str | None = None) -> pl.DataFrame:
    """Cast the text columns to their canonical types, adding `_reason` for rows that fail."""
    blank = {c: pl.col(c).str.strip_chars().replace("", None) for c in schema.LANDING_POST}
    typed = frame.with_columns(**blank).with_columns(
        _created_at=parse_timestamp("created_at", timestamp_format),
        **{f"_{c}": _parse_bool(c) for c in _BOOL_COLUMNS},
        **{f"_{c}": pl.col(c).str.to_integer(strict=False) for c in _INT_COLUMNS},
    )
    expected = f"'{timestamp_format}'" if timestamp_format else "ISO-8601 or epoch"
    checks: list[tuple[pl.Expr, pl.Expr | str]] = [
        *[
            (pl.col(f).is_null(), f"missing required field {f}")
            for f in schema.REQUIRED_LANDING_FIELDS
        ],
        (pl.col("platform").is_null(), "missing platform"),
        (
            ~pl.col("platform").is_in(list(PLATFORMS)),
            pl.format("unknown platform '{}'", pl.col("platform")),
        ),
        (pl.col("_created_at").is_null(), f"created_at is not a timestamp ({expected})"),
        *[
            (pl.col(c).is_not_null() & pl.col(f"_{c}").is_null(), f"{c} is not an integer")
            for c in _INT_COLUMNS
        ],
        *[(pl.col(f"_{c}") < 0, f"{c} is negative") for c in _COUNT_COLUMNS],
        *[
            (pl.col(c).is_not_null() & pl.col(f"_{c}").is_null(), f"{c} is not a boolean")
            for c in _BOOL_COLUMNS
        ],
        (pl.col("text").str.len_chars() > MAX_TEXT_CHARS, f"text longer than {MAX_TEXT_CHARS}"),
        (pl.col("_rating").is_not_null() & ~pl.col("_rating").is_between(1, 5), "rating not 1-5"),
    ]
    return typed.with_columns(_reason=_first_failure(checks))


def check_window(frame: pl.DataFrame, day: dt.date, max_lateness_days: int | None) -> pl.DataFrame:
    """Quarantine timestamps after the data interval, before the platform existed, or too late."""
    start, end = data_interval(day)
    launch = pl.col("platform").replace_strict(PLATFORM_LAUNCH, default=None)
    checks: list[tuple[pl.Expr, pl.Expr | str]] = [
        (pl.col("_reason").is_not_null(), pl.col("_reason")),
        (pl.col("_created_at") >= end, "created_at after the end of the data interval"),
        (pl.col("_created_at") < launch, "created_at before the platform existed"),
    ]
    if max_lateness_days is not None:
        oldest = start - dt.timedelta(days=max_lateness_days)
        checks.append(
            (pl.col("_created_at") < oldest, "created_at older than the allowed lateness")
        )
    return frame.with_columns(_reason=_first_failure(checks))


def flag_duplicate_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """The first row of an id wins; later rows with the same id in the batch are quarantined."""
    key = [pl.col("platform"), pl.col("id")]
    repeated = pl.col("id").is_not_null() & (pl.int_range(pl.len()).over(key) > 0)
    return frame.with_columns(
        _reason=pl.when(pl.col("_reason").is_null() & repeated)
        .then(pl.lit("duplicate id in batch"))
        .otherwise(pl.col("_reason"))
    )


def to_raw_posts(
    frame: pl.DataFrame, source: Source, batch_id: str, day: dt.date, observed_at: dt.datetime,
    loaded_at: dt.datetime,
) -> pl.DataFrame:  # fmt: skip
    platform_id = pl.col("platform") + pl.lit(":")

    def linked(column: str) -> pl.Expr:
        return pl.when(pl.col(column).is_not_null()).then(platform_id + pl.col(column))

    return frame.select(
        post_id=platform_id + pl.col("id"),
        platform=pl.col("platform"),
        native_id=pl.col("id"),
        created_at=pl.col("_created_at"),
        author_id=pl.col("author_id"),
        author_handle=pl.col("author_handle"),
        author_followers=pl.col("_author_followers"),
        author_verified=pl.col("_author_verified"),
        text=pl.col("text"),
        lang=pl.col("lang"),
        in_reply_to_post_id=linked("in_reply_to_id"),
        repost_of_post_id=linked("repost_of_id"),
        quote_of_post_id=linked("quote_of_id"),
        likes=pl.col("_likes").fill_null(0),
        shares=pl.col("_shares").fill_null(0),
        comments=pl.col("_comments").fill_null(0),
        impressions=pl.col("_impressions"),
        rating=pl.col("_rating"),
        declared_urls=pl.col("urls"),
        declared_hashtags=pl.col("hashtags"),
        declared_mentions=pl.col("mentions"),
        declared_brand=pl.col("brand").str.to_lowercase(),
        declared_own_post=pl.col("_is_own_post"),
        source=pl.lit(source.name),
        batch_id=pl.lit(batch_id),
        day=pl.lit(day),
        observed_at=pl.lit(observed_at),
        loaded_at=pl.lit(loaded_at),
    ).cast(schema.RAW_POST)


def quarantine_rows(
    rows: pl.DataFrame, source: Source, batch_id: str, day: dt.date
) -> pl.DataFrame:
    return rows.select(
        source=pl.lit(source.name),
        batch_id=pl.lit(batch_id),
        day=pl.lit(day),
        file=pl.col("_file"),
        line_number=pl.col("_line"),
        reason=pl.col("_reason"),
        raw_payload=pl.col("_payload"),
    ).cast(schema.QUARANTINE)


def validate(batch: Batch, source: Source, day: dt.date) -> pl.DataFrame:
    fmt = source.mapping.timestamp_format if source.mapping else None
    return flag_duplicate_ids(
        check_window(type_rows(batch.frame, fmt), day, source.max_lateness_days)
    )


def extract_source_day(
    config: Config, source: Source, day: dt.date, now: dt.datetime | None = None
) -> ExtractReport:
    """Load what is new for one source and day into a committed raw batch."""
    loaded_at = now or dt.datetime.now(dt.UTC)
    if source.kind == FILE_KIND:
        batch = read_file_batch(config, source, day)
        observed_at = data_interval(day)[1]  # an export's counts are as of the end of its day
    else:
        batch = read_api_batch(config, source, day)
        observed_at = loaded_at
    report = ExtractReport(
        source=source.name,
        day=day.isoformat(),
        batch_id=None,
        skipped_files=batch.skipped,
        watermark_before=batch.watermark_before,
        watermark_after=batch.watermark_before,
        requests=batch.requests,
    )
    if not batch.fingerprint:
        return report  # nothing new: a re-run or a re-delivery adds nothing
    batch_id = f"{source.name}-{day.isoformat()}-{batch.fingerprint[:12]}"
    checked = validate(batch, source, day)
    accepted = to_raw_posts(
        checked.filter(pl.col("_reason").is_null()), source, batch_id, day, observed_at, loaded_at
    )
    quarantined = pl.concat(
        [
            quarantine_rows(checked.filter(pl.col("_reason").is_not_null()), source, batch_id, day),
            quarantine_rows(batch.rejected, source, batch_id, day),
        ]
    ).sort("file", "line_number")
    manifest = raw_zone.Manifest(
        batch_id=batch_id,
        source=source.name,
        day=day.isoformat(),
        kind=source.kind,
        rows_read=batch.rows_read,
        rows_accepted=accepted.height,
        rows_quarantined=quarantined.height,
        committed_at=loaded_at.isoformat(),
        watermark_before=batch.watermark_before,
        watermark_after=batch.watermark_after,
        files=batch.files,
        requests=batch.requests,
        missing_columns=batch.missing_columns,
    )
    raw_zone.commit_batch(config, manifest, accepted, quarantined)
    return ExtractReport(
        **{
            **asdict(report),
            "batch_id": batch_id,
            "files": [f.name for f in batch.files],
            "rows_read": manifest.rows_read,
            "rows_accepted": manifest.rows_accepted,
            "rows_quarantined": manifest.rows_quarantined,
            "watermark_after": batch.watermark_after,
        }
    )
