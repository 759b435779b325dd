"""The landing zone: file drops (gzipped or not) and the sample-API folders. erase_landing
rewrites each file that held one of the author's records without it (deleting a file that
cannot be parsed at all and holds their id), so other authors' records of files not loaded yet
stay; the batch that loaded a rewritten file records its new checksum and keeps the old one
(`previous_sha256`), so neither the rewritten file nor a re-delivery of the original is loaded
again. landing_posts finds, without changing anything, the author's records not loaded yet."""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from transforms import raw_zone
from transforms.config import Config, Source
from transforms.erasure.deliveries import Judge, Rewrite, Verdict, rewrite_delivery
from transforms.erasure.report import ErasureReport
from transforms.erasure.subject import FIND_COLUMNS, Subject
from transforms.files import write_atomic_bytes
from transforms.landing import source_root
from transforms.mapping import PLATFORM_ALIASES
from transforms.parse import as_text, lookup


@dataclass(frozen=True)
class ExportFields:
    """Where a source's records keep the fields erasure looks at."""

    author: str
    post: str
    repost: str
    handle: str
    text: str
    platform: str | None  # the column naming the platform, for a source that has none
    fixed_platform: str | None
    platform_names: dict[str, str]

    @classmethod
    def of(cls, source: Source) -> ExportFields:
        fields = source.mapping.fields if source.mapping else {}
        names = {**PLATFORM_ALIASES, **(source.mapping.platform_values if source.mapping else {})}
        return cls(
            author=fields.get("author_id", "author_id"),
            post=fields.get("id", "id"),
            repost=fields.get("repost_of_id", "repost_of_id"),
            handle=fields.get("author_handle", "author_handle"),
            text=fields.get("text", "text"),
            platform=fields.get("platform", "platform"),
            fixed_platform=source.platform_name,
            platform_names={k.lower(): v for k, v in names.items()},
        )

    def platform_of(self, record: dict) -> str | None:
        if self.fixed_platform is not None:
            return self.fixed_platform
        value = as_text(lookup(record, self.platform or "platform"))
        return self.platform_names.get(value.strip().lower(), value) if value else None


class RecordJudge:
    """What to do with one delivered record of a source: the author's record (or a repost of
    theirs) goes, a record that names an erased post is redacted; a record that cannot be parsed
    goes when it holds the author id or an erased post's id as a token (conservative)."""

    def __init__(self, subject: Subject, fields: ExportFields) -> None:
        self.subject = subject
        self.fields = fields
        pattern = subject.token_pattern(fields.fixed_platform)
        self.tokens = re.compile(pattern) if pattern else None
        self._natives: dict[str | None, set[str]] = {}

    def natives(self, platform: str | None) -> set[str]:
        if platform not in self._natives:
            self._natives[platform] = self.subject.native_ids(platform)
        return self._natives[platform]

    def __call__(self, record: dict | None, payload: str) -> Verdict:
        mentions = self.tokens is not None and self.tokens.search(payload) is not None
        if record is None:
            return "drop" if mentions else "keep"
        fields = self.fields
        platform = fields.platform_of(record)
        if not self.subject.covers(platform):
            return "keep"
        if as_text(lookup(record, fields.author)) == self.subject.author_id:
            return "drop"
        ids = {as_text(lookup(record, fields.post)), as_text(lookup(record, fields.repost))}
        if ids & self.natives(platform):
            return "drop"
        return "redact" if mentions else "keep"


class LandingCollector:
    """Finds, without changing anything, the author's delivered records and every repost in a
    source's files: posts delivered but not loaded yet are the author's too."""

    def __init__(self, subject: Subject, fields: ExportFields) -> None:
        self.subject = subject
        self.fields = fields
        self.rows: list[dict[str, str | None]] = []

    def __call__(self, record: dict | None, payload: str) -> Verdict:
        if record is None:
            return "keep"
        platform = self.fields.platform_of(record)
        author = as_text(lookup(record, self.fields.author))
        repost = as_text(lookup(record, self.fields.repost))
        mine = author == self.subject.author_id and self.subject.covers(platform)
        if (mine or repost) and platform:
            self.rows.append(
                {"post_id": f"{platform}:{as_text(lookup(record, self.fields.post))}",
                 "platform": platform, "author_id": author,
                 "author_handle": as_text(lookup(record, self.fields.handle)),
                 "text": as_text(lookup(record, self.fields.text)),
                 "repost_of_post_id": f"{platform}:{repost}" if repost else None}
            )  # fmt: skip
        return "keep"


def landing_posts(config: Config, subject: Subject) -> pl.DataFrame | None:
    """The author's records and all reposts in the landing zone (see LandingCollector)."""
    rows: list[dict[str, str | None]] = []
    for source in config.sources:
        if not subject.covers(source.platform_name):
            continue
        collector = LandingCollector(subject, ExportFields.of(source))
        for fs, path in landing_files(config, source):
            data = _read_landing(fs, path)[0]
            if data is not None:
                rewrite_delivery(data, _format(source), source.csv, collector, subject)
        rows += collector.rows
    return pl.DataFrame(rows, schema={c: pl.String for c in FIND_COLUMNS}) if rows else None


def landing_files(config: Config, source: Source) -> Iterator[tuple[Any, str]]:
    """(filesystem, path) of every file a source delivered or the generator wrote for it."""
    if source.kind == "file":
        fs, root = url_to_fs(source_root(config, source))
        pattern = source.pattern.format(date="*", format=source.format)
        found: set[str] = set()
        for glob in (f"{root}/{pattern}", f"{root}/{pattern}.gz"):
            found.update(p for p in fs.glob(glob) if not fs.isdir(p))
        yield from ((fs, p) for p in sorted(found))
    elif source.sample_folder is not None:
        folder = config.data_dir / source.sample_folder
        yield from ((LocalFileSystem(), str(p)) for p in sorted(folder.glob("*.jsonl")))


def erase_landing(config: Config, subject: Subject, report: ErasureReport) -> None:
    for source in config.sources:
        if not subject.covers(source.platform_name):
            continue
        judge = RecordJudge(subject, ExportFields.of(source))
        for fs, path in landing_files(config, source):
            _erase_landing_file(config, source, fs, path, judge, subject, report)


def _format(source: Source) -> str:
    return (source.format if source.kind == "file" else None) or "jsonl"


def _read_landing(fs: Any, path: str) -> tuple[bytes | None, bytes]:
    """(the delivered content, None for a broken gzip file; the file's bytes)."""
    raw = fs.cat_file(path)
    if not path.endswith(".gz"):
        return raw, raw
    try:
        return gzip.decompress(raw), raw
    except (OSError, EOFError):
        return None, raw


def _erase_landing_file(
    config: Config, source: Source, fs: Any, path: str, judge: Judge, subject: Subject,
    report: ErasureReport,
) -> None:  # fmt: skip
    data, raw = _read_landing(fs, path)
    zipped = data is not None and path.endswith(".gz")
    if data is None:  # a broken gzip file: all or nothing
        data = raw
        holds = judge(None, raw.decode("utf-8", "replace")) == "drop"
        outcome = Rewrite(None, int(holds), 0)
    else:
        outcome = rewrite_delivery(data, _format(source), source.csv, judge, subject)
    if not outcome.dropped and not outcome.redacted:
        return
    report.add("removed", "landing_rows", outcome.dropped)
    report.add("redacted", "landing_rows", outcome.redacted)
    if outcome.data is None:
        fs.rm_file(path)
        report.add("removed", "landing_files_deleted", 1)
        return
    body = gzip.compress(outcome.data, mtime=0) if zipped else outcome.data
    if isinstance(fs, LocalFileSystem):
        write_atomic_bytes(body, Path(path))
    else:
        fs.pipe_file(path, body)  # an object store replaces an object in one put
    report.add("removed", "landing_files_rewritten", 1)
    if source.kind == "file":
        _record_new_checksum(config, source, data, outcome.data)


def _record_new_checksum(config: Config, source: Source, old: bytes, new: bytes) -> None:
    """The batch that loaded the original file now holds the rewritten one (and still the
    original's checksum), so neither is loaded again."""
    before, after = hashlib.sha256(old).hexdigest(), hashlib.sha256(new).hexdigest()
    for folder in raw_zone.committed_batches(config, source.name):
        manifest = raw_zone.read_manifest(folder)
        files = [_rechecked(entry, before, after, len(new)) for entry in manifest.files]
        if files != manifest.files:
            raw_zone.write_manifest(folder, replace(manifest, files=files))


def _rechecked(entry: raw_zone.FileEntry, before: str, after: str, size: int):
    if entry.sha256 != before:
        return entry
    previous = [*entry.previous_sha256, before]
    return replace(entry, sha256=after, bytes=size, previous_sha256=previous)
