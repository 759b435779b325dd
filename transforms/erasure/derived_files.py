"""What was derived from the author's posts outside the landing and raw zones: the clean zone
(posts, brand matches, classifications, scored brand matches of every day), ground truth, the
funnel's web-session exports (a credit to an erased post goes, the visit stays), labelled CSVs
and the quality reports (Great Expectations results can quote failing values)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import polars as pl

from transforms import csv_cells, zones
from transforms.config import Config
from transforms.erasure.raw_batches import _rewrite_parquet
from transforms.erasure.report import ErasureReport
from transforms.erasure.subject import ERASED_TOKEN, Subject, redact_linked
from transforms.files import write_atomic_bytes, write_parquet_atomic

# Clean-zone files keyed on post_id: clean posts, brand matches, classify's outputs.
CLEAN_FILES = ("posts.parquet", "post_brands.parquet", "classifications.parquet", "brands.parquet")


def erase_clean_zone(config: Config, subject: Subject, report: ErasureReport) -> None:
    ids = sorted(subject.post_ids)
    for partition in sorted((config.data_dir / "clean").glob("day=*")):
        posts = partition / "posts.parquet"
        if posts.exists():
            frame = pl.read_parquet(posts)
            erased = frame.select(subject.erased().sum()).item() if frame.height else 0
            kept, redacted = redact_linked(frame.filter(~subject.erased()), subject)
            if erased or redacted:
                write_parquet_atomic(kept, posts)
            report.add("removed", "clean_post_rows", erased)
            report.add("redacted", "clean_post_rows", redacted)
        for name in CLEAN_FILES[1:]:
            gone = _rewrite_parquet(partition / name, pl.col("post_id").is_in(ids))
            report.add("removed", f"clean_{name.removesuffix('.parquet')}_rows", gone or 0)


def erase_ground_truth(config: Config, subject: Subject, report: ErasureReport) -> None:
    ids = sorted(subject.post_ids)
    post_id = pl.concat_str([pl.col("platform"), pl.col("id")], separator=":")
    for path in sorted((config.data_dir / "ground_truth").glob("*.parquet")):
        report.add("removed", "ground_truth_rows", _rewrite_parquet(path, post_id.is_in(ids)) or 0)


def erase_funnel_credits(config: Config, subject: Subject, report: ErasureReport) -> None:
    """Web-session exports credit a post by its native id in utm_content: the visit (someone
    else's) stays, the credit to an erased post goes."""
    natives = sorted(subject.native_ids())
    folder = zones.funnel_file(config, "web_sessions", dt.date(2000, 1, 1)).parent
    for path in sorted(folder.glob("*.csv")) if natives else []:
        frame = pl.read_csv(path, infer_schema=False)
        if "utm_content" not in frame.columns:
            continue
        credited = pl.col("utm_content").is_in(natives).fill_null(False)
        n = int(frame.select(credited.sum()).item())
        if n:
            frame = frame.with_columns(
                utm_content=pl.when(credited).then(None).otherwise(pl.col("utm_content"))
            )
            write_atomic_bytes(_csv_bytes(frame), path)
        report.add("redacted", "landing_web_sessions_rows", n)


def _csv_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    return buffer.getvalue()


def labels_dir(config: Config) -> Path:
    return config.data_dir / config.retraining.labels_dir


def erase_labels(config: Config, subject: Subject, report: ErasureReport) -> None:
    """Labelled CSVs: rows of an erased post (by post_id, or by text when there is none) go; a
    row of a linked post gets its text redacted."""
    for path in sorted(labels_dir(config).rglob("*.csv")):
        try:
            # Texts as they are, without the quotes written against spreadsheet formulas.
            frame = csv_cells.read_csv(path)
        except pl.exceptions.NoDataError:
            continue
        if "text" not in frame.columns:
            continue
        drop = pl.col("text").is_in(sorted(subject.texts)).fill_null(False)
        linked = pl.lit(False)
        if "post_id" in frame.columns:
            drop = drop | pl.col("post_id").is_in(sorted(subject.post_ids)).fill_null(False)
            linked = pl.col("post_id").is_in(sorted(subject.linked_ids)).fill_null(False)
        gone = int(frame.select(drop.sum()).item())
        kept = frame.filter(~drop)
        redacted = int(kept.select(linked.sum()).item())
        if not gone and not redacted:
            continue
        kept = kept.with_columns(
            text=pl.when(linked)
            .then(pl.col("text").map_elements(subject.redact, return_dtype=pl.String))
            .otherwise(pl.col("text"))
        )
        write_atomic_bytes(csv_cells.csv_bytes(kept), path)
        report.add("removed", "label_rows", gone)
        report.add("redacted", "label_rows", redacted)


def erase_quality_reports(config: Config, subject: Subject, report: ErasureReport) -> bool:
    """Strings in the quality reports and GX results that quote the author's data (a failed
    expectation lists sample values); True when a file changed (Data Docs are then rebuilt)."""
    needles = {subject.author_id, *subject.post_ids, *subject.native_ids(), *subject.texts}
    needles |= {f"@{h}" for h in subject.handles}
    finder = re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)))
    changed = False
    for path in sorted(zones.quality_dir(config).rglob("*.json")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if not finder.search(text):
            continue
        try:
            scrubbed = _scrub(json.loads(text), subject, needles)
        except ValueError:
            continue
        write_atomic_bytes(json.dumps(scrubbed, indent=2).encode(), path)
        report.add("removed", "quality_files_scrubbed", 1)
        changed = True
    return changed


def _scrub(value: Any, subject: Subject, needles: set[str]) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v, subject, needles) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, subject, needles) for v in value]
    if isinstance(value, str):
        if value in needles:
            return ERASED_TOKEN
        pattern = subject.token_pattern()
        value = re.sub(pattern, rf"\1{ERASED_TOKEN}\2", value) if pattern else value
        for post_id in subject.post_ids:
            value = value.replace(post_id, ERASED_TOKEN)
        return subject.redact(value)
    return value
