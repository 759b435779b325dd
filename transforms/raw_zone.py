"""The raw zone: immutable batches of accepted and quarantined posts, one folder per load.

    raw/source=<s>/day=<d>/batch=<batch_id>/posts.parquet        accepted, canonical schema
                                           /quarantine.parquet   rejected rows with reasons
                                           /manifest.json        files, checksums, counts,
                                                                 watermark before and after

A batch is written into a hidden folder and renamed into place only when all three files are
complete, so a batch is either committed or absent: a crash leaves nothing half-visible, and the
next run simply tries again. A file whose checksum a committed batch already holds is not loaded
again, and an API source's watermark is the one recorded by its last committed batch, so it
advances only when the load committed.

Batches are never rewritten, with two documented exceptions that remove personal data and keep
the manifest: retention (transforms/retention.py) deletes an old batch's two data files and
leaves an `expired.json` marker, after which the day cannot be processed again; an erasure
request (transforms/erasure/) rewrites the files without one author's rows and counts them in
the manifest's `erased_rows`, so rows_read = rows_accepted + rows_quarantined + erased_rows.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from transforms import schema, zones
from transforms.batch_quarantine import held_back_batch_ids
from transforms.config import Config
from transforms.errors import RawDataExpired
from transforms.files import (
    ParquetAppender,
    fsync_file,
    removed_on_failure,
    sort_parquet,
    storage_errors,
    write_atomic_bytes,
    write_parquet_atomic,
)

MANIFEST = "manifest.json"
EXPIRED = "expired.json"  # written by retention in place of the batch's data files


@dataclass(frozen=True)
class FileEntry:
    name: str
    url: str
    sha256: str
    bytes: int
    rows_read: int
    # Checksums the file had before an erasure rewrote it in the landing zone: still "loaded",
    # so neither the rewritten file nor a re-delivery of the original is loaded again.
    previous_sha256: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Manifest:
    batch_id: str
    source: str
    day: str
    kind: str  # file / x_recent_search / ...
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    committed_at: str
    watermark_before: str | None = None
    watermark_after: str | None = None
    files: list[FileEntry] = field(default_factory=list)
    requests: int = 0  # API calls, retries included
    missing_columns: list[str] = field(default_factory=list)
    erased_rows: int = 0  # rows an erasure request removed after the commit

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        raw = json.loads(text)
        raw["files"] = [FileEntry(**f) for f in raw.get("files", [])]
        return cls(**raw)


def batch_dir(config: Config, source: str, day: dt.date, batch_id: str) -> Path:
    return zones.raw_partition(config, source, day) / f"batch={batch_id}"


def commit_batch(
    config: Config,
    manifest: Manifest,
    posts: pl.DataFrame,
    quarantine: pl.DataFrame,
) -> Path:
    """Write a batch's files into a hidden folder, then rename it into place (the commit)."""
    check_accounting(manifest)
    day = dt.date.fromisoformat(manifest.day)
    final = batch_dir(config, manifest.source, day, manifest.batch_id)
    if final.exists():
        return final  # committed by an earlier run: batches are immutable
    staging = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    with removed_on_failure(staging), storage_errors(final):  # a full disk leaves no debris
        write_parquet_atomic(posts.cast(schema.RAW_POST), staging / "posts.parquet")
        write_parquet_atomic(quarantine.cast(schema.QUARANTINE), staging / "quarantine.parquet")
        write_manifest(staging, manifest)
        rename_into_place(staging, final)
    return final


def rename_into_place(staging: Path, final: Path) -> None:
    """Commit a staged batch folder. A batch id names its content, so when another run of the
    same day committed that id meanwhile (two runs at once), its folder is this batch: keep it
    and drop ours, instead of failing on the rename."""
    try:
        os.rename(staging, final)
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not (final / MANIFEST).exists():
            raise
        shutil.rmtree(staging, ignore_errors=True)


class StagedBatch:
    """A batch written block by block, for a load too big to hold in memory: accepted and
    quarantined rows are appended to the files in the hidden staging folder as they are
    validated, and `commit` renames the folder into place. Any failure (a full disk too) removes
    the folder, so a batch is still either committed or absent.

    The quarantine comes out ordered by file and line, as a batch written at once; rows that
    arrive out of that order (rare: invalid UTF-8 in a CSV, file names that sort unlike their
    paths) have it sorted at the commit."""

    def __init__(self, config: Config, source: str, day: dt.date, batch_id: str) -> None:
        self.final = batch_dir(config, source, day, batch_id)
        self.folder = self.final.with_name(f".{self.final.name}.{os.getpid()}.tmp")
        self.scratch = self.folder / "scratch"  # the loader's working files, gone at the commit
        self._last: tuple[str, int] = ("", -1)  # (file, line) of the last quarantined row
        self._in_order = True

    def __enter__(self) -> StagedBatch:
        with removed_on_failure(self.folder), storage_errors(self.final):
            shutil.rmtree(self.folder, ignore_errors=True)
            self.scratch.mkdir(parents=True)
            self.posts = ParquetAppender(self.folder / "posts.parquet", schema.RAW_POST)
            self.quarantine = ParquetAppender(self.folder / "quarantine.parquet", schema.QUARANTINE)
        return self

    def __exit__(self, *exc: object) -> None:
        # Committed: the folder is gone already. Otherwise nothing of it may stay behind.
        self.posts.close(quietly=True)
        self.quarantine.close(quietly=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    def add(self, posts: pl.DataFrame, quarantine: pl.DataFrame) -> None:
        """Append a block's accepted rows, and its quarantined rows (of one file, by line)."""
        self.posts.write(posts)
        if quarantine.height:
            first = (quarantine["file"][0], quarantine["line_number"][0])
            self._in_order = self._in_order and first >= self._last
            self._last = max(self._last, (quarantine["file"][-1], quarantine["line_number"][-1]))
            self.quarantine.write(quarantine)

    def mark(self) -> tuple[int, int, tuple[str, int], bool]:
        return self.posts.rows, self.quarantine.rows, self._last, self._in_order

    def rollback(self, mark: tuple[int, int, tuple[str, int], bool]) -> None:
        """Drop the rows added since `mark` (a delivery that turned out to be unreadable)."""
        posts, quarantined, self._last, self._in_order = mark
        self.posts.truncate(posts)
        self.quarantine.truncate(quarantined)

    def commit(self, manifest: Manifest) -> Path:
        """Complete the files, write the manifest, and rename the folder into place."""
        check_accounting(manifest)
        counts = (manifest.rows_accepted, manifest.rows_quarantined)
        if counts != (self.posts.rows, self.quarantine.rows):
            raise RuntimeError(f"batch {manifest.batch_id}: manifest counts differ from its files")
        with storage_errors(self.final):
            self.posts.close()
            self.quarantine.close()
            if not self._in_order:
                sort_parquet(self.quarantine.path, ["file", "line_number"])
            shutil.rmtree(self.scratch)
            if self.final.exists():
                return self.final  # committed by an earlier run: batches are immutable
            fsync_file(self.posts.path)
            fsync_file(self.quarantine.path)
            write_manifest(self.folder, manifest)
            rename_into_place(self.folder, self.final)
        return self.final


def check_accounting(manifest: Manifest) -> None:
    """Every row read is accepted, quarantined or (later) erased on request."""
    kept = manifest.rows_accepted + manifest.rows_quarantined + manifest.erased_rows
    if manifest.rows_read != kept:
        raise RuntimeError(f"row accounting does not balance for batch {manifest.batch_id}")


def write_manifest(folder: Path, manifest: Manifest) -> None:
    write_atomic_bytes(
        json.dumps(asdict(manifest), indent=2, sort_keys=True).encode(), folder / MANIFEST
    )


def committed_batches(config: Config, source: str, day: dt.date | None = None) -> list[Path]:
    """Committed batch folders of a source (one day, or all), oldest commit first."""
    root = config.data_dir / "raw" / f"source={source}"
    days = f"day={day.isoformat()}" if day else "day=*"
    folders = [p.parent for p in root.glob(f"{days}/batch=*/{MANIFEST}")]
    return sorted(folders, key=lambda p: (read_manifest(p).committed_at, p.name))


def read_manifest(folder: Path) -> Manifest:
    return Manifest.from_json((folder / MANIFEST).read_text())


def loaded_checksums(config: Config, source: str) -> dict[str, str]:
    """sha256 -> batch id, for every file a committed batch of the source holds."""
    loaded: dict[str, str] = {}
    for folder in committed_batches(config, source):
        manifest = read_manifest(folder)
        for entry in manifest.files:
            for sha256 in [entry.sha256, *entry.previous_sha256]:
                loaded.setdefault(sha256, manifest.batch_id)
    return loaded


def admitted_batches(config: Config, source: str, day: dt.date | None = None) -> list[Path]:
    """Committed batches that are not held back in quarantine, oldest commit first."""
    held = held_back_batch_ids(config)
    return [f for f in committed_batches(config, source, day) if batch_id_of(f) not in held]


def batch_id_of(folder: Path) -> str:
    return folder.name.removeprefix("batch=")


def current_watermark(config: Config, source: str) -> str | None:
    """The watermark after the source's last admitted batch (None before the first)."""
    watermark = None
    for folder in admitted_batches(config, source):
        after = read_manifest(folder).watermark_after
        watermark = after if after is not None else watermark
    return watermark


def day_manifests(config: Config, sources: list[str], day: dt.date) -> list[Manifest]:
    """Manifests of the day's admitted batches (what a load of the day reads)."""
    return [read_manifest(f) for s in sources for f in admitted_batches(config, s, day)]


def _read_all(paths: list[Path], columns: dict[str, pl.DataType]) -> pl.DataFrame:
    frames = [pl.read_parquet(p).cast(columns) for p in paths if p.exists()]
    return pl.concat(frames) if frames else pl.DataFrame(schema=columns)


def expiry(folder: Path) -> dict | None:
    """The retention marker of a batch whose data files were removed (None: not expired)."""
    marker = folder / EXPIRED
    return json.loads(marker.read_text()) if marker.exists() else None


def ensure_not_expired(config: Config, sources: list[str], day: dt.date) -> None:
    """Refuse to process a day whose admitted batches retention removed: their rows would be
    missing, and a reload would replace the day's warehouse rows with an incomplete day."""
    expired = {
        batch_id_of(f): marker
        for s in sources
        for f in admitted_batches(config, s, day)
        if (marker := expiry(f)) is not None
    }
    if expired:
        rule = next(iter(expired.values())).get("rule", "retention.raw_days")
        raise RawDataExpired(
            f"the raw data of {day} has expired ({rule}): batch(es) "
            f"{', '.join(sorted(expired))} keep only their manifests. The warehouse keeps the "
            f"day's rows; processing {day} again would replace them with an incomplete day, so "
            "it is refused."
        )


def day_posts(config: Config, sources: list[str], day: dt.date) -> pl.DataFrame:
    """Every accepted row of every admitted batch of the day (all snapshots)."""
    ensure_not_expired(config, sources, day)
    batches = [f for s in sources for f in admitted_batches(config, s, day)]
    return _read_all([b / "posts.parquet" for b in batches], schema.RAW_POST)


def day_snapshots(config: Config, sources: list[str], day: dt.date) -> pl.LazyFrame:
    """The engagement snapshots of the day's admitted batches, lazily and only their columns
    (the post text stays on disk)."""
    ensure_not_expired(config, sources, day)
    paths = [b / "posts.parquet" for s in sources for b in admitted_batches(config, s, day)]
    paths = [p for p in paths if p.exists()]
    if not paths:
        return pl.LazyFrame(schema=schema.POST_SNAPSHOT)
    return pl.concat(
        [pl.scan_parquet(p).select(list(schema.POST_SNAPSHOT)).cast(schema.POST_SNAPSHOT)
         for p in paths]
    )  # fmt: skip


def day_quarantine(config: Config, sources: list[str], day: dt.date) -> pl.DataFrame:
    """Rows the admitted batches of the day quarantined one by one, with their reasons."""
    ensure_not_expired(config, sources, day)
    batches = [f for s in sources for f in admitted_batches(config, s, day)]
    return _read_all([b / "quarantine.parquet" for b in batches], schema.QUARANTINE)


def latest_snapshots(posts: pl.DataFrame) -> pl.DataFrame:
    """One row per post: the most recently observed snapshot wins (ties: the later load)."""
    return (
        posts.sort("observed_at", "loaded_at", "batch_id")
        .unique("post_id", keep="last", maintain_order=True)
        .sort("created_at", "post_id")
    )
