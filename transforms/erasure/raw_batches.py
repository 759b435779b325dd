"""The raw zone: every committed batch's posts.parquet and quarantine.parquet are rewritten
atomically without the author's rows (batches are otherwise immutable; this is the documented
exception), and the manifest counts the removed rows in `erased_rows`, so rows_read =
rows_accepted + rows_quarantined + erased_rows still balances. Quarantined rows are often
unparseable, so they are matched conservatively (payload_matches): a row goes when its raw
payload holds the author id or an erased post's native id as a whole token."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl

from transforms import raw_zone
from transforms.config import Config
from transforms.erasure.report import ErasureReport
from transforms.erasure.subject import Subject, redact_linked
from transforms.files import write_parquet_atomic


def erase_raw_zone(config: Config, subject: Subject, report: ErasureReport) -> list[str]:
    """Rewrite every batch without the author's rows; the batch ids whose counts changed."""
    changed = []
    for folder in batch_folders(config):
        manifest = raw_zone.read_manifest(folder)
        platform = _source_platform(config, manifest.source)
        posts = _rewrite_raw_posts(folder / "posts.parquet", subject, report)
        quarantine = _rewrite_parquet(
            folder / "quarantine.parquet", payload_matches(subject, platform)
        )
        report.add("removed", "raw_quarantine_rows", quarantine or 0)
        updated = _recounted(manifest, folder)
        if updated != manifest:
            raw_zone.check_accounting(updated)
            raw_zone.write_manifest(folder, updated)
            changed.append(manifest.batch_id)
        if posts or quarantine:
            report.add("removed", "raw_batches_rewritten", 1)
    return changed


def payload_matches(subject: Subject, platform: str | None) -> pl.Expr:
    """Quarantined rows whose raw payload holds the author id or an erased post's id."""
    pattern = subject.token_pattern(platform)
    if pattern is None or not subject.covers(platform):
        return pl.lit(False)
    return pl.col("raw_payload").fill_null("").str.contains(pattern)


def batch_folders(config: Config) -> list[Path]:
    """Every committed batch of every source, configured or not any more."""
    pattern = f"source=*/day=*/batch=*/{raw_zone.MANIFEST}"
    return sorted(p.parent for p in (config.data_dir / "raw").glob(pattern))


def _source_platform(config: Config, source_name: str) -> str | None:
    known = {s.name: s.platform_name for s in config.sources}
    return known.get(source_name)


def _rewrite_raw_posts(path: Path, subject: Subject, report: ErasureReport) -> int:
    if not path.exists():
        return 0
    frame = pl.read_parquet(path)
    erased = frame.filter(subject.erased())
    kept, redacted = redact_linked(frame.filter(~subject.erased()), subject)
    if erased.is_empty() and not redacted:
        return 0
    write_parquet_atomic(kept, path)
    report.add("removed", "raw_post_rows", erased.height)
    report.add("redacted", "raw_post_rows", redacted)
    return erased.height + redacted


def _rewrite_parquet(path: Path, drop: pl.Expr) -> int | None:
    """Rewrite a Parquet file without the rows `drop` selects; how many went (None: no file)."""
    if not path.exists():
        return None
    frame = pl.read_parquet(path)
    gone = int(frame.select(drop.sum()).item()) if frame.height else 0
    if gone:
        write_parquet_atomic(frame.filter(~drop), path)
    return gone


def _recounted(manifest: raw_zone.Manifest, folder: Path) -> raw_zone.Manifest:
    """The manifest's counts after an erasure: a data file holding fewer rows than its manifest
    says can only have been rewritten by one (batches are otherwise immutable), so the
    difference is erased. Counting from the files also finishes a run that stopped between a
    file and its manifest."""
    posts, quarantine = folder / "posts.parquet", folder / "quarantine.parquet"
    accepted = _rows(posts) if posts.exists() else manifest.rows_accepted
    quarantined = _rows(quarantine) if quarantine.exists() else manifest.rows_quarantined
    return _with_counts(manifest, accepted, quarantined)


def _with_counts(manifest: raw_zone.Manifest, accepted: int, quarantined: int):
    accepted = min(accepted, manifest.rows_accepted)
    quarantined = min(quarantined, manifest.rows_quarantined)
    gone = manifest.rows_accepted - accepted + manifest.rows_quarantined - quarantined
    if not gone:
        return manifest
    return replace(
        manifest,
        rows_accepted=accepted,
        rows_quarantined=quarantined,
        erased_rows=manifest.erased_rows + gone,
    )


def _rows(path: Path) -> int:
    return pl.scan_parquet(path).select(pl.len()).collect().item()
