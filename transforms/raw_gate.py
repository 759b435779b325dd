"""The raw checkpoint: a day's new raw batches, checked before they are cleaned and loaded.

Two Great Expectations suites run on the day's admitted batches of every source:

- `raw_posts` on their rows: required fields, id uniqueness within a batch, timestamps inside the
  data interval plus the source's allowed lateness, known platforms, non-negative counts, text
  length bounds;
- `raw_batches` on one row per configured source: the day's volume against the same source's
  trailing days (a collapse means a broken extractor, an explosion a duplicated delivery), the
  share of rows the extractor quarantined one by one, and the stored file schema.

A critical failure quarantines the batches it names (transforms/batch_quarantine.py), records the
stopped day, and raises: nothing of the day is cleaned or loaded, and the published marts stay as
they were. Batches an operator released are admitted as they are and not gated again.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from transforms import batch_quarantine, raw_zone, schema, zones
from transforms.config import Config
from transforms.extract import data_interval
from transforms.quality import (
    GateResult,
    QualityGateError,
    describe_failures,
    failure_lines,
    validate,
)

CHECKPOINT = "raw"
POSTS_SUITE = "raw_posts"
BATCHES_SUITE = "raw_batches"
# The raw columns the row checks read (besides the text, read only for its length).
GATED_COLUMNS = (
    "post_id", "native_id", "batch_id", "source", "platform", "created_at", "author_id",
    "likes", "shares", "comments", "impressions", "author_followers",
)  # fmt: skip


@dataclass(frozen=True)
class DayBatch:
    source: str
    folder: Path
    manifest: raw_zone.Manifest

    @property
    def batch_id(self) -> str:
        return self.manifest.batch_id


def day_batches(config: Config, day: dt.date) -> list[DayBatch]:
    """The day's admitted batches of every configured source."""
    return [
        DayBatch(source.name, folder, raw_zone.read_manifest(folder))
        for source in config.sources
        for folder in raw_zone.admitted_batches(config, source.name, day)
    ]


def _scan_posts(folder: Path) -> pl.LazyFrame:
    """A batch's rows in the canonical columns the suite reads, lazily (the text only as its
    length); a column that is missing or cannot be read as its type comes back null, for the
    suite to catch."""
    scan = pl.scan_parquet(folder / "posts.parquet")
    stored = scan.collect_schema().names()
    columns = {**{c: schema.RAW_POST[c] for c in GATED_COLUMNS}, "text": schema.RAW_POST["text"]}
    typed = scan.select(
        pl.col(name).cast(dtype, strict=False) if name in stored
        else pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in columns.items()
    )  # fmt: skip
    return typed.with_columns(text_length=pl.col("text").str.len_chars()).drop("text")


def raw_posts_frame(config: Config, batches: list[DayBatch], day: dt.date) -> pl.LazyFrame:
    """The rows `raw_posts` checks, with the derived columns its expectations name, lazily:
    the gate reads them a partition at a time."""
    scans = [_scan_posts(b.folder) for b in batches]
    empty = pl.LazyFrame(schema={c: schema.RAW_POST[c] for c in GATED_COLUMNS})
    posts = pl.concat(scans) if scans else empty.with_columns(text_length=pl.lit(None, pl.UInt32))
    start, _ = data_interval(day)
    lateness_hours = {
        s.name: None if s.max_lateness_days is None else s.max_lateness_days * 24.0
        for s in config.sources
    }
    offset = (pl.col("created_at") - pl.lit(start)).dt.total_seconds() / 3600
    return posts.with_columns(
        created_offset_hours=offset,
        # >= 0 when the post is no older than its source allows (null: no limit, history loads)
        lateness_margin_hours=offset
        + pl.col("source").replace_strict(lateness_hours, default=None, return_dtype=pl.Float64),
    )


def schema_mismatches(folder: Path) -> int:
    """Columns of a batch file that are missing or stored with another type than canonical."""
    stored = pq.read_schema(folder / "posts.parquet")
    expected = pl.DataFrame(schema=schema.RAW_POST).to_arrow().schema
    return sum(
        1
        for column in expected
        if column.name not in stored.names or stored.field(column.name).type != column.type
    )


def accepted_rows(config: Config, source: str, day: dt.date) -> int:
    """Rows the source's admitted batches of a day accepted."""
    return sum(
        raw_zone.read_manifest(f).rows_accepted
        for f in raw_zone.admitted_batches(config, source, day)
    )


def trailing_volumes(config: Config, source: str, day: dt.date) -> list[int]:
    """The source's accepted rows on each of the trailing days that had any."""
    window = config.quality.volume.trailing_days
    days = [day - dt.timedelta(days=n) for n in range(1, window + 1)]
    return [v for v in (accepted_rows(config, source, d) for d in days) if v > 0]


def raw_batches_frame(config: Config, batches: list[DayBatch], day: dt.date) -> pl.DataFrame:
    """One row per configured source: the day's volume against its baseline, the share of rows
    quarantined, and schema mismatches of its batch files."""
    released = batch_quarantine.released_batch_ids(config)
    rows: list[dict[str, Any]] = []
    for source in config.sources:
        mine = [b for b in batches if b.source == source.name]
        accepted = accepted_rows(config, source.name, day)  # released batches count too
        baseline = trailing_volumes(config, source.name, day)
        enough = len(baseline) >= config.quality.volume.min_baseline_days
        median = statistics.median(baseline) if baseline else None
        operator_accepted = any(
            raw_zone.batch_id_of(f) in released
            for f in raw_zone.admitted_batches(config, source.name, day)
        )
        read = sum(b.manifest.rows_read for b in mine)
        rows.append(
            {
                "source": source.name,
                "batches": len(mine),
                "rows_accepted": accepted,
                "baseline_days": len(baseline),
                "baseline_median": median,
                "volume_ratio": accepted / median
                if enough and median and not operator_accepted
                else None,
                "quarantined_share": sum(b.manifest.rows_quarantined for b in mine) / read
                if read
                else None,
                "schema_mismatches": sum(schema_mismatches(b.folder) for b in mine),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "source": pl.String, "batches": pl.Int64, "rows_accepted": pl.Int64,
            "baseline_days": pl.Int64, "baseline_median": pl.Float64,
            "volume_ratio": pl.Float64, "quarantined_share": pl.Float64,
            "schema_mismatches": pl.Int64,
        },
    )  # fmt: skip


def _culprit_batches(result: GateResult, batches: list[DayBatch], by: str) -> dict[str, list[str]]:
    """batch id -> the failed expectations that name it (by batch id or by source)."""
    named: dict[str, list[str]] = {}
    for failure in result.failures:
        culprits = set(failure.get("culprits", []))
        column = failure["kwargs"].get("column") or ",".join(failure["kwargs"]["column_list"])
        for batch in batches:
            if (batch.batch_id if by == "batch_id" else batch.source) in culprits:
                named.setdefault(batch.batch_id, []).append(
                    f"{result.suite}: {failure['expectation']} {column}"
                )
    return named


def gate_raw_day(config: Config, day: dt.date) -> dict[str, Any]:
    """Validate the day's raw batches; on a critical failure quarantine the batches at fault,
    record the stopped day and raise QualityGateError."""
    # An expired day has no rows left to check: say so before the suites read missing files.
    raw_zone.ensure_not_expired(config, [s.name for s in config.sources], day)
    released = batch_quarantine.released_batch_ids(config)
    batches = [b for b in day_batches(config, day) if b.batch_id not in released]
    report_dir = zones.quality_dir(config)
    run = day.isoformat()
    posts = validate(raw_posts_frame(config, batches, day), POSTS_SUITE, run, report_dir,
                     index_column="batch_id", partition_column="post_id")  # fmt: skip
    volume = validate(raw_batches_frame(config, batches, day), BATCHES_SUITE, run, report_dir,
                      index_column="source")  # fmt: skip
    if posts.passed and volume.passed:
        batch_quarantine.resolve_loads(config, CHECKPOINT, run)
        return {
            "rows": posts.rows,
            "batches": len(batches),
            "warnings": len(posts.warnings) + len(volume.warnings),
            "reports": [posts.report, volume.report],
        }
    culprits = _culprit_batches(posts, batches, "batch_id")
    for batch_id, reasons in _culprit_batches(volume, batches, "source").items():
        culprits.setdefault(batch_id, []).extend(reasons)
    _quarantine(config, day, batches, culprits, [posts, volume])
    raise QualityGateError(_message(day, [posts, volume], culprits))


def _quarantine(
    config: Config,
    day: dt.date,
    batches: list[DayBatch],
    culprits: dict[str, list[str]],
    results: list[GateResult],
) -> None:
    failed = [r for r in results if not r.passed]
    for batch in batches:
        if batch.batch_id in culprits:
            batch_quarantine.quarantine_batch(
                config, batch_id=batch.batch_id, source=batch.source, day=day,
                checkpoint=CHECKPOINT, rows=batch.manifest.rows_read,
                failures=culprits[batch.batch_id], report=failed[0].report,
                data_docs=failed[0].data_docs,
            )  # fmt: skip
    batch_quarantine.record_stopped_load(
        config, checkpoint=CHECKPOINT, run=day.isoformat(), days=[day],
        failures=[f"{r.suite}: {line}" for r in failed for line in failure_lines(r)],
        report=" ".join(r.report for r in failed), batch_ids=sorted(culprits),
        rows=sum(b.manifest.rows_read for b in batches), data_docs=failed[0].data_docs,
    )  # fmt: skip


def _message(day: dt.date, results: list[GateResult], culprits: dict[str, list[str]]) -> str:
    parts = [describe_failures(r, f"the load of {day}") for r in results if not r.passed]
    if culprits:
        parts.append(
            f"quarantined batches: {', '.join(sorted(culprits))} (left out of {day} until "
            "released: `listener quarantine list`, `listener quarantine release BATCH`)"
        )
    return "\n".join(parts)
