"""Retention: the raw data of days older than `retention.raw_days` is removed.

    expire_raw(config, as_of) -> RetentionReport

A day is expired when it is older than `as_of - raw_days` (`as_of` is the run's date, the
Airflow data interval, never the wall clock: a re-run of the same maintenance run removes the
same days). For each expired day:

- raw zone: each batch's `posts.parquet` and `quarantine.parquet` are deleted; its
  `manifest.json` stays (counts, checksums, watermarks: no personal data), so a re-delivered file
  is still recognized as loaded and API watermarks keep working. An `expired.json` marker says
  when and under which rule; it is written before the files go, so a crash in between still
  leaves the batch marked (the next run finishes the deletion);
- clean zone: the day's partition (clean posts and brand matches, and what classify wrote:
  classifications and scored brand matches);
- landing zone: the day's export file of every file source (plain or gzipped) and the day's file
  of every sample-API folder. Remote drops (fsspec URLs) are the vendor's to expire.

The warehouse keeps its rows. Processing an expired day again raises RawDataExpired
(raw_zone.ensure_not_expired) instead of loading an empty day over the warehouse's rows.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from transforms import raw_zone, zones
from transforms.config import Config
from transforms.files import write_atomic_bytes

RAW_DATA_FILES = ("posts.parquet", "quarantine.parquet")
_DAY_FOLDER = re.compile(r"^day=(\d{4}-\d{2}-\d{2})$")
_DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.")


@dataclass
class RetentionReport:
    as_of: str
    raw_days: int
    expired_before: str  # days before this one are expired
    days_expired: int = 0  # days of which this run removed something
    batches_expired: int = 0
    files_removed: int = 0
    bytes_removed: int = 0
    days: list[str] = field(default_factory=list)

    def count(self, sizes: list[int]) -> None:
        self.files_removed += len(sizes)
        self.bytes_removed += sum(sizes)


def rule_text(config: Config, as_of: dt.date) -> str:
    cutoff = expiry_cutoff(config, as_of)
    return f"retention.raw_days = {config.retention.raw_days} as of {as_of}: days before {cutoff}"


def expiry_cutoff(config: Config, as_of: dt.date) -> dt.date:
    return as_of - dt.timedelta(days=config.retention.raw_days)


def expire_raw(config: Config, as_of: dt.date) -> RetentionReport:
    """Remove the raw data of every day older than `as_of - retention.raw_days`."""
    cutoff = expiry_cutoff(config, as_of)
    report = RetentionReport(
        as_of=as_of.isoformat(),
        raw_days=config.retention.raw_days,
        expired_before=cutoff.isoformat(),
    )
    for day in sorted(d for d in stored_days(config) if d < cutoff):
        before = (report.files_removed, report.batches_expired)
        for folder in day_batches(config, day):
            if expire_batch(folder, config, as_of, report):
                report.batches_expired += 1
        report.count(remove_tree(zones.clean_partition(config, day)))
        report.count(remove_files(landing_files(config, day)))
        if (report.files_removed, report.batches_expired) != before:
            report.days_expired += 1
            report.days.append(day.isoformat())
    return report


def stored_days(config: Config) -> set[dt.date]:
    """Every day of which the raw, clean or landing zone holds something."""
    days: set[dt.date] = set()
    for folder in (config.data_dir / "raw").glob("source=*/day=*"):
        days |= _parsed(_DAY_FOLDER, folder.name)
    for folder in (config.data_dir / "clean").glob("day=*"):
        days |= _parsed(_DAY_FOLDER, folder.name)
    for folder in landing_folders(config):
        for path in folder.glob("*"):
            days |= _parsed(_DAY_FILE, path.name)
    return days


def _parsed(pattern: re.Pattern, name: str) -> set[dt.date]:
    match = pattern.match(name)
    if not match:
        return set()
    try:
        return {dt.date.fromisoformat(match.group(1))}
    except ValueError:
        return set()


def landing_folders(config: Config) -> list[Path]:
    """Local folders that hold one file per day: file sources' drops and sample-API folders."""
    probe = dt.date(2000, 1, 1)
    folders = {p.parent for p in (_local_landing(config, s, probe) for s in config.sources) if p}
    return sorted(folders)


def _local_landing(config: Config, source, day: dt.date) -> Path | None:
    if source.kind == "file" and source.path and "://" in source.path:
        return None  # a remote drop: the vendor's retention applies there
    return zones.generated_landing_file(config, source, day)


def landing_files(config: Config, day: dt.date) -> Iterator[Path]:
    """The day's landing files (a file source's export, plain or gzipped; a sample-API file)."""
    for source in config.sources:
        path = _local_landing(config, source, day)
        if path is not None:
            yield path
            yield path.with_name(path.name + ".gz")


def day_batches(config: Config, day: dt.date) -> list[Path]:
    """Committed batch folders of every source (configured or not any more) of the day."""
    pattern = f"source=*/day={day.isoformat()}/batch=*/{raw_zone.MANIFEST}"
    return sorted(p.parent for p in (config.data_dir / "raw").glob(pattern))


def expire_batch(folder: Path, config: Config, as_of: dt.date, report: RetentionReport) -> bool:
    """Mark the batch expired (first), then delete its data files; True when anything changed."""
    wrote_marker = False
    if raw_zone.expiry(folder) is None:
        marker = {
            "expired_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),  # the record
            "as_of": as_of.isoformat(),  # what decided it
            "rule": rule_text(config, as_of),
            "removed": [name for name in RAW_DATA_FILES if (folder / name).exists()],
        }
        body = json.dumps(marker, indent=2, sort_keys=True).encode()
        write_atomic_bytes(body, folder / raw_zone.EXPIRED)
        wrote_marker = True
    sizes = remove_files(folder / name for name in RAW_DATA_FILES)
    report.count(sizes)
    return wrote_marker or bool(sizes)


def remove_files(paths) -> list[int]:
    """Delete the files that exist; their sizes."""
    sizes = []
    for path in paths:
        if path.is_file():
            sizes.append(path.stat().st_size)
            path.unlink()
    return sizes


def remove_tree(folder: Path) -> list[int]:
    """Delete a folder and everything in it; the sizes of the files it held."""
    if not folder.is_dir():
        return []
    sizes = [p.stat().st_size for p in folder.rglob("*") if p.is_file()]
    shutil.rmtree(folder)
    return sizes
