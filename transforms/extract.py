"""Extract: one source, one day -> one immutable batch in the raw zone.

A file source loads every delivered file of the day that no committed batch holds yet (by content
checksum); an API source fetches what is newer than its watermark. Each record is mapped to the
canonical post fields, typed and checked; it is either accepted or quarantined with a reason, and
the batch goes on. Nothing is dropped silently: rows_read == rows_accepted + rows_quarantined, as
the batch's manifest says. Running a day again, or re-delivering a file, adds nothing.

A delivery is streamed, never read whole: a first pass checksums each file (so one already loaded
is not parsed, and the batch id is known before any row is written), then its records are parsed,
validated and appended to the staged batch's files block by block (BLOCK_BYTES of content at a
time). Memory is bounded by the block, not by the delivery.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl

from transforms import mapping, parse, raw_zone, schema
from transforms.config import FILE_KIND, PLATFORMS, Config, Source
from transforms.errors import ListenerError
from transforms.files import storage_errors
from transforms.landing import ScannedDelivery, list_deliveries, open_delivery, scan_delivery

MAX_TEXT_CHARS = 10_000
# Counts above this are export errors (the most viewed video ever has under 2 * 10^10 views), and
# the marts add a post's counts up as 64-bit integers: far below the limit, they cannot overflow.
MAX_COUNT = 10**12
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

# Delivered bytes parsed at a time. It bounds the extract's memory (a JSONL block takes about
# ten times its size while it is parsed, validated and written) and is big enough that per-block
# costs vanish: 32 MB measured as fast as 64 MB, with 30% less memory. CSV is parsed by Python's
# csv module, whose rows take more memory: a quarter of it.
BLOCK_BYTES = 32 << 20
# Files up to this size (in all) keep their content from the checksum pass: read only once.
KEEP_BYTES = 64 << 20
# What reading or parsing a delivery raises when the file itself is bad: it is quarantined.
UNREADABLE = (OSError, pl.exceptions.PolarsError, UnicodeDecodeError)


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


class DeliveryChanged(ListenerError):
    """A delivered file changed while it was loaded (it was still being written): nothing is
    committed, and the next run loads what is there then."""


@dataclass
class Load:
    """What one load reads, known before any record is parsed (its fingerprint names the batch):
    the day's new deliveries, checksummed, or the records an API returned."""

    fingerprint: str  # empty when there is nothing new
    deliveries: list[ScannedDelivery] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already loaded (same checksum)
    api: parse.Block | None = None
    watermark_before: str | None = None
    watermark_after: str | None = None
    requests: int = 0


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


def _unreadable(name: str, exc: BaseException) -> pl.DataFrame:
    detail = (str(exc).splitlines() or [""])[0][:200]
    kind = "" if isinstance(exc, OSError) else f"{type(exc).__name__}: "
    reason = f"file not readable: {kind}{detail}"
    return _rejections([(0, reason, "")], name)


def plan_file_load(config: Config, source: Source, day: dt.date) -> Load:
    """The day's delivered files that no committed batch holds yet, checksummed in one streaming
    pass; small ones keep their content (up to KEEP_BYTES in all), so they are read only once."""
    loaded = raw_zone.loaded_checksums(config, source.name)
    deliveries: list[ScannedDelivery] = []
    skipped: list[str] = []
    budget = KEEP_BYTES
    for url, name in list_deliveries(config, source, day):
        delivery = scan_delivery(url, name, keep_up_to=budget)
        if delivery.sha256 in loaded:
            skipped.append(name)
            continue
        loaded[delivery.sha256] = "this batch"  # the same content twice in one drop loads once
        budget -= len(delivery.content or b"")
        deliveries.append(delivery)
    fingerprint = hashlib.sha256("".join(d.sha256 for d in deliveries).encode()).hexdigest()
    return Load(fingerprint if deliveries else "", deliveries=deliveries, skipped=skipped)


def read_api_load(config: Config, source: Source, day: dt.date) -> Load:
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
    block = parse.records_block(result.records, result.payloads, list(schema.LANDING_POST))
    fingerprint = hashlib.sha256("\n".join(result.payloads).encode()).hexdigest()
    return Load(
        fingerprint=fingerprint if result.records else "",
        api=parse.Block(mapping.to_canonical(block.frame, source), block.rejected),
        watermark_before=before,
        watermark_after=result.watermark_after or before,
        requests=result.requests,
    )


class _Hashing:
    """A binary stream that checksums what is read from it, to check that the parsing pass read
    the content the checksum pass saw."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        return data

    def readline(self) -> bytes:
        line = self.stream.readline()
        self.digest.update(line)
        return line


@contextmanager
def _content(delivery: ScannedDelivery) -> Iterator[BinaryIO]:
    if delivery.content is not None:
        yield io.BytesIO(delivery.content)
        return
    with open_delivery(delivery.url, delivery.name) as stream:
        yield _Hashing(stream)  # type: ignore[misc]


def _format_blocks(
    source: Source, stream: BinaryIO, scratch: Path
) -> tuple[list[str] | None, Iterator[parse.Block]]:
    """The columns the file has (None for JSONL) and its records, block by block."""
    columns = mapping.export_columns(source)
    if source.format == "parquet":
        # Parquet needs random access: spool the (decompressed, maybe remote) content to disk.
        path = scratch / "delivery.parquet"
        with storage_errors(path), open(path, "wb") as spooled:
            shutil.copyfileobj(stream, spooled, 8 << 20)
        present = list(pl.read_parquet_schema(path))
        return present, parse.parquet_blocks(path, columns, BLOCK_BYTES)
    if source.format == "csv":
        chunks = parse.line_chunks(stream, BLOCK_BYTES // 4)
        head = next(chunks, b"")
        present = parse.header_columns(head, "csv", source.csv)
        rows = parse.csv_blocks(itertools.chain([head], chunks), source.csv, columns,
                                BLOCK_BYTES // 4)  # fmt: skip
        return present, rows
    return None, parse.jsonl_blocks(parse.line_chunks(stream, BLOCK_BYTES), columns)


def delivery_blocks(
    source: Source, delivery: ScannedDelivery, scratch: Path, missing: list[str]
) -> Iterator[parse.Block]:
    """A delivery's records as canonical text columns, block by block; mapped columns the file
    lacks are added to `missing`."""
    if delivery.error:
        raise OSError(delivery.error)
    try:
        with _content(delivery) as stream:
            present, blocks = _format_blocks(source, stream, scratch)
            missing += [f"{delivery.name}: {c}" for c in mapping.missing_columns(source, present)]
            for block in blocks:
                yield replace(block, frame=mapping.to_canonical(block.frame, source))
            if isinstance(stream, _Hashing) and stream.digest.hexdigest() != delivery.sha256:
                raise DeliveryChanged(
                    f"{delivery.url} changed while it was being loaded; nothing was committed"
                )
    finally:
        (scratch / "delivery.parquet").unlink(missing_ok=True)


class Unreadable(Exception):
    """A delivery that cannot be read: it becomes one quarantined record saying why."""


def _guarded(blocks: Iterator[parse.Block]) -> Iterator[parse.Block]:
    """The blocks, with a failure to read or parse them raised as Unreadable; what the caller's
    loop raises (writing the blocks: a full disk, say) is not mistaken for a bad file."""
    while True:
        try:
            block = next(blocks, None)
        except UNREADABLE as exc:
            raise Unreadable from exc
        if block is None:
            return
        yield block


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
    iso = _iso(text)
    with_zone = _with_zone(iso)
    naive = iso.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False, time_unit="us")
    number = text.str.extract(r"^(\d{9,13}(?:\.\d+)?)$", 1).cast(pl.Float64, strict=False)
    epoch_us = pl.when(number > 1e11).then(number * 1_000).otherwise(number * 1_000_000)
    epoch = pl.from_epoch(epoch_us.cast(pl.Int64), time_unit="us")
    return pl.coalesce(
        with_zone, naive.dt.replace_time_zone("UTC"), epoch.dt.replace_time_zone("UTC")
    )


def _iso(text: pl.Expr) -> pl.Expr:
    return text.str.replace(r"^(\d{4}-\d{2}-\d{2}) ", "${1}T").str.replace(r"Z$", "+00:00")


def _with_zone(iso: pl.Expr) -> pl.Expr:
    return iso.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_unit="us"
    ).dt.convert_time_zone("UTC")


def _timestamps(frame: pl.DataFrame, fmt: str | None) -> pl.Series:
    """parse_timestamp of created_at. When every value is ISO-8601 with a zone (the usual case)
    that is what its coalesce returns, so the other formats are not tried on the block."""
    if fmt is None:
        zoned = frame.select(_with_zone(_iso(pl.col("created_at").str.strip_chars()))).to_series()
        if zoned.null_count() == frame["created_at"].null_count():
            return zoned
    return frame.select(parse_timestamp("created_at", fmt)).to_series()


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
    stripped = frame.with_columns(**blank)
    typed = stripped.with_columns(
        _created_at=_timestamps(stripped, timestamp_format),
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
        *[(pl.col(f"_{c}") > MAX_COUNT, f"{c} is over {MAX_COUNT:,}") for c in _COUNT_COLUMNS],
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
    repeated = pl.col("id").is_not_null() & ~pl.struct("platform", "id").is_first_distinct()
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


def validate(frame: pl.DataFrame, source: Source, day: dt.date) -> pl.DataFrame:
    fmt = source.mapping.timestamp_format if source.mapping else None
    return flag_duplicate_ids(check_window(type_rows(frame, fmt), day, source.max_lateness_days))


def key_hash() -> pl.Expr:
    """A 64-bit hash of a row's (platform, id): stable within one process, which is all it
    needs to be (nothing stores it beyond the load)."""
    return pl.struct("platform", "id").hash()


class SeenKeys:
    """The (platform, id) keys of a batch's earlier blocks, so that "duplicate id in batch" holds
    across blocks and files as within one: 64-bit hashes in memory (8 bytes a key), the exact
    keys on disk (a small file per block), read back only when a hash repeats. A key counts from
    its first row in whatever state, as flag_duplicate_ids counts it.

    The hashes are sorted runs, each at least twice as long as the next: a block is looked up in
    a few binary searches, and each hash is merged again only about log2(blocks) times."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.runs: list[np.ndarray] = []
        self.files: list[Path] = []

    def flag_repeats(self, checked: pl.DataFrame) -> pl.DataFrame:
        """Quarantine the block's rows whose key an earlier block had; remember its keys."""
        keys = checked.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"), "platform", "id"
        ).filter(
            pl.col("platform").is_not_null() & pl.col("id").is_not_null()
            & pl.struct("platform", "id").is_first_distinct()
        ).with_columns(_hash=key_hash())  # fmt: skip
        hashes = np.sort(keys["_hash"].to_numpy())  # sorted needles search faster, too
        repeated = self._earlier(keys, hashes)
        self._remember(keys, hashes)
        if not repeated.size:
            return checked
        again = np.zeros(checked.height, dtype=bool)
        again[repeated] = True
        return checked.with_columns(
            _reason=pl.when(pl.col("_reason").is_null() & pl.Series(again))
            .then(pl.lit("duplicate id in batch"))
            .otherwise(pl.col("_reason"))
        )

    def _earlier(self, keys: pl.DataFrame, hashes: np.ndarray) -> np.ndarray:
        """Rows of keys an earlier block had: hashes find candidates, exact keys decide."""
        hit = np.zeros(hashes.size, dtype=bool)
        for run in self.runs:
            at = np.searchsorted(run, hashes).clip(max=run.size - 1)
            hit |= run[at] == hashes
        if not hit.any():
            return np.empty(0, dtype=np.uint32)
        candidates = keys.filter(pl.col("_hash").is_in(hashes[hit].tolist()))
        earlier = (
            pl.scan_parquet(self.files)
            .filter(pl.col("_hash").is_in(hashes[hit].tolist()))
            .select("platform", "id")
            .collect()
        )
        return candidates.join(earlier, on=["platform", "id"], how="semi")["_row"].to_numpy()

    def _remember(self, keys: pl.DataFrame, hashes: np.ndarray) -> None:
        if not hashes.size:
            return
        path = self.folder / f"keys-{len(self.files):06d}.parquet"
        with storage_errors(path):
            keys.select("_hash", "platform", "id").write_parquet(
                path, compression="lz4", statistics=False
            )
        self.files.append(path)
        runs = [*self.runs, hashes]  # a new list: a mark keeps the old one
        while len(runs) > 1 and runs[-2].size <= 2 * runs[-1].size:
            last = runs.pop()  # timsort merges two sorted runs in linear time
            runs[-1] = np.sort(np.concatenate([runs[-1], last]), kind="stable")
        self.runs = runs

    def mark(self) -> tuple[int, list[np.ndarray]]:
        return len(self.files), self.runs

    def rollback(self, mark: tuple[int, list[np.ndarray]]) -> None:
        count, self.runs = mark
        for path in self.files[count:]:
            path.unlink()
        del self.files[count:]


class BatchWriter:
    """Validates blocks of records and appends them to a staged batch: accepted rows to its
    posts, the others with their reasons and raw payloads to its quarantine."""

    def __init__(
        self, staged: raw_zone.StagedBatch, source: Source, day: dt.date, batch_id: str,
        observed_at: dt.datetime, loaded_at: dt.datetime,
    ) -> None:  # fmt: skip
        self.staged = staged
        self.source = source
        self.day = day
        self.batch_id = batch_id
        self.observed_at = observed_at
        self.loaded_at = loaded_at
        self.seen = SeenKeys(staged.scratch)
        self.rows_read = 0

    def add(self, block: parse.Block, file: str) -> int:
        """Validate one block of a file and append its rows; the number of records it read."""
        checked = self.seen.flag_repeats(validate(block.frame, self.source, self.day))
        failed = pl.col("_reason").is_not_null()
        bad = _with_payloads(checked.filter(failed), block).with_columns(_file=pl.lit(file))
        quarantined = pl.concat(
            [self._quarantine(bad), self._quarantine(_rejections(block.rejected, file))]
        ).sort("line_number", maintain_order=True)
        accepted = to_raw_posts(
            checked.filter(~failed), self.source, self.batch_id, self.day, self.observed_at,
            self.loaded_at,
        )  # fmt: skip
        self.staged.add(accepted, quarantined)
        self.rows_read += block.rows
        return block.rows

    def add_unreadable(self, file: str, exc: BaseException) -> int:
        """A file that cannot be read at all is one quarantined record saying why."""
        quarantined = self._quarantine(_unreadable(file, exc))
        self.staged.add(pl.DataFrame(schema=schema.RAW_POST), quarantined)
        self.rows_read += 1
        return 1

    def _quarantine(self, rows: pl.DataFrame) -> pl.DataFrame:
        return quarantine_rows(rows, self.source, self.batch_id, self.day)

    def mark(self) -> tuple:
        return self.staged.mark(), self.seen.mark(), self.rows_read

    def rollback(self, mark: tuple) -> None:
        """Forget what was added since `mark`: a delivery that turned out to be unreadable."""
        staged, seen, self.rows_read = mark
        self.staged.rollback(staged)
        self.seen.rollback(seen)


def _with_payloads(rows: pl.DataFrame, block: parse.Block) -> pl.DataFrame:
    """Quarantined rows with their raw payloads, which blocks keep only a way back to."""
    if block.payloads is None or rows.height == 0:
        return rows
    payloads = block.payloads(rows["_line"].to_list())
    return rows.with_columns(_payload=pl.Series(payloads, dtype=pl.String()))


def load_file(
    writer: BatchWriter, source: Source, delivery: ScannedDelivery
) -> tuple[raw_zone.FileEntry, list[str]]:
    """Stream one delivery into the batch: its manifest entry and the columns it lacks."""
    mark, missing, rows = writer.mark(), [], 0
    try:
        for block in _guarded(delivery_blocks(source, delivery, writer.staged.scratch, missing)):
            rows += writer.add(block, delivery.name)
    except Unreadable as exc:
        writer.rollback(mark)  # what the file added before it failed goes too
        rows = writer.add_unreadable(delivery.name, exc.__cause__ or exc)
    entry = raw_zone.FileEntry(delivery.name, delivery.url, delivery.sha256, delivery.size, rows)
    return entry, missing


def load_files(
    writer: BatchWriter, source: Source, deliveries: list[ScannedDelivery]
) -> tuple[list[raw_zone.FileEntry], list[str]]:
    """Stream the deliveries into the batch, in order: their manifest entries, missing columns."""
    files: list[raw_zone.FileEntry] = []
    missing: list[str] = []
    for delivery in deliveries:
        entry, absent = load_file(writer, source, delivery)
        files.append(entry)
        missing += absent
    return files, missing


def extract_source_day(
    config: Config, source: Source, day: dt.date, now: dt.datetime | None = None
) -> ExtractReport:
    """Load what is new for one source and day into a committed raw batch."""
    loaded_at = now or dt.datetime.now(dt.UTC)
    if source.kind == FILE_KIND:
        load = plan_file_load(config, source, day)
        observed_at = data_interval(day)[1]  # an export's counts are as of the end of its day
    else:
        load = read_api_load(config, source, day)
        observed_at = loaded_at
    report = ExtractReport(
        source=source.name,
        day=day.isoformat(),
        batch_id=None,
        skipped_files=load.skipped,
        watermark_before=load.watermark_before,
        watermark_after=load.watermark_before,
        requests=load.requests,
    )
    if not load.fingerprint:
        return report  # nothing new: a re-run or a re-delivery adds nothing
    batch_id = f"{source.name}-{day.isoformat()}-{load.fingerprint[:12]}"
    with raw_zone.StagedBatch(config, source.name, day, batch_id) as staged:
        writer = BatchWriter(staged, source, day, batch_id, observed_at, loaded_at)
        files, missing = load_files(writer, source, load.deliveries)
        if load.api is not None:
            writer.add(load.api, f"api:{source.kind}")
        manifest = raw_zone.Manifest(
            batch_id=batch_id,
            source=source.name,
            day=day.isoformat(),
            kind=source.kind,
            rows_read=writer.rows_read,
            rows_accepted=staged.posts.rows,
            rows_quarantined=staged.quarantine.rows,
            committed_at=loaded_at.isoformat(),
            watermark_before=load.watermark_before,
            watermark_after=load.watermark_after,
            files=files,
            requests=load.requests,
            missing_columns=missing,
        )
        staged.commit(manifest)
    return ExtractReport(
        **{
            **asdict(report),
            "batch_id": batch_id,
            "files": [f.name for f in files],
            "rows_read": manifest.rows_read,
            "rows_accepted": manifest.rows_accepted,
            "rows_quarantined": manifest.rows_quarantined,
            "watermark_after": load.watermark_after,
        }
    )
