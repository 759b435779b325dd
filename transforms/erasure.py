"""Erasure: forget one author, everywhere Listener stores their posts or what was derived from them.

    forget_author(config, author_id, platform=None) -> ErasureReport

What is erased
- the author's posts (their `author_id`, on one platform or on all), and reposts of them: a
  repost ("RT @handle: text") is a copy of their words with nothing of the reposter's own;
- in posts by others that reply to or quote an erased post (a brand's answer, say), the link to
  the erased post is nulled and mentions of the author's handle become `@erased`: the other
  person's words stay. Mentions of the handle in posts that do not link to the author are left
  alone: handles are not unique (several authors may be @sarah_smith), ids are.

Where (the report counts rows or files per place)
- raw zone: every batch's posts.parquet and quarantine.parquet are rewritten atomically without
  those rows. Batches are otherwise immutable; this is the documented exception. The manifest
  keeps rows_read and counts the removed rows in `erased_rows`, so
  rows_read = rows_accepted + rows_quarantined + erased_rows still balances.
  Quarantined rows are often unparseable, so they are matched conservatively: a row goes when
  its raw payload holds the author id, or the native id of an erased post, as a whole token
  (not inside a longer word or number), whatever the JSON/CSV shape around it. A false positive
  removes a rejected row of someone else, which is the safe side of the trade.
- landing zone (file drops, gzipped or not, and the sample-API folders): each file that held
  such a record is rewritten without it, keeping every other record's bytes as delivered (JSONL
  by line, CSV by record, Parquet by row). Rewriting, rather than deleting the file, keeps other
  authors' records of files not loaded yet. A file that cannot be parsed at all and holds the id
  is deleted. The batch manifest that loaded a rewritten file records its new checksum and keeps
  the old one (`previous_sha256`), so a re-run of the day skips the rewritten file and a
  re-delivery of the original (which still holds the author) is not loaded again.
- clean zone: posts, brand matches, classifications and scored brand matches of every day.
- warehouse (working DuckDB file): raw.posts, post_brands, post_snapshots, quarantine, the
  funnel's web sessions that credit an erased post (utm_content nulled), and the load audit's
  counts. The marts are then rebuilt with a full refresh (incremental marts would keep old days),
  gated and published, and the dashboard is rendered again.
- labels (`<data_dir>/<retraining.labels_dir>/**/*.csv`): rows whose text is one of the erased
  texts or whose post_id is erased; ground truth rows of erased posts; strings in the quality
  reports (Great Expectations results can quote failing values).
- an erasure log entry `erasure/<id>.json` holds a keyed hash of the id (HMAC-SHA256 with
  $LISTENER_PSEUDONYM_KEY; an unkeyed sha256 otherwise, and the entry says so), never the id.

An author with no data gives a report of zeros. Running it again is harmless; it finishes a run
that a failed build interrupted (the log entry says the marts were not republished).

There is no pipeline-wide lock for warehouse writes: DuckDB's single-writer file lock is what
keeps another process out while the warehouse is changed, and the DAGs run one at a time
(max_active_runs=1). Run it when no ingest is loading, or run it again afterwards.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import hmac
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import polars as pl
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from transforms import raw_zone, zones
from transforms.config import PLATFORMS, Config, CsvOptions, Source
from transforms.errors import GateStopped, ListenerError
from transforms.files import write_atomic_bytes, write_parquet_atomic
from transforms.landing import source_root
from transforms.mapping import PLATFORM_ALIASES
from transforms.parse import as_text, lookup

PSEUDONYM_KEY_ENV = "LISTENER_PSEUDONYM_KEY"
ERASED_HANDLE = "@erased"
ERASED_TOKEN = "erased"
LINK_COLUMNS = ("in_reply_to_post_id", "quote_of_post_id")
# Columns of a linked post (a reply or a quote) that may mention the author's handle.
TEXT_COLUMNS = ("text", "text_clean", "mentions", "declared_mentions")
# Clean-zone files keyed on post_id: clean posts, brand matches, classify's outputs.
CLEAN_FILES = ("posts.parquet", "post_brands.parquet", "classifications.parquet", "brands.parquet")
WAREHOUSE_POST_TABLES = ("posts", "post_brands", "post_snapshots")
_WORD = "0-9A-Za-z_"

Verdict = Literal["keep", "drop", "redact"]


class ErasureIncomplete(ListenerError):
    """The author is erased everywhere but in the published marts (their rebuild failed)."""


@dataclass
class Subject:
    """The author to forget, and what identifies their data once found."""

    author_id: str
    platform: str | None
    post_ids: set[str] = field(default_factory=set)  # their posts and reposts of them
    own_posts: int = 0
    linked_ids: set[str] = field(default_factory=set)  # posts by others replying or quoting
    handles: set[str] = field(default_factory=set)  # without '@'
    texts: set[str] = field(default_factory=set)

    def covers(self, platform: str | None) -> bool:
        """Whether data of this platform (None: unknown) may be the author's."""
        return self.platform is None or platform is None or platform == self.platform

    def owns(self) -> pl.Expr:
        mine = pl.col("author_id") == self.author_id
        return mine if self.platform is None else mine & (pl.col("platform") == self.platform)

    def erased(self) -> pl.Expr:
        return self.owns().fill_null(False) | pl.col("post_id").is_in(sorted(self.post_ids))

    def native_ids(self, platform: str | None = None) -> set[str]:
        pairs = (post_id.split(":", 1) for post_id in self.post_ids)
        return {n for p, n in pairs if platform is None or p == platform}

    @cached_property
    def exact_values(self) -> set[str]:
        """Field values that identify the author or an erased post (nulled where they stay)."""
        return {self.author_id, *self.post_ids, *self.native_ids()}

    def token_pattern(self, platform: str | None = None) -> str | None:
        """A regex (Python, RE2 and Rust syntax alike) matching the author id or an erased
        post's native id as a whole token; None when there is nothing to look for."""
        tokens = sorted({self.author_id, *self.native_ids(platform)}, key=len, reverse=True)
        alternatives = "|".join(_literal(t) for t in tokens if t)
        return rf"(^|[^{_WORD}])(?:{alternatives})([^{_WORD}]|$)" if alternatives else None

    @cached_property
    def _handle_re(self) -> re.Pattern | None:
        names = "|".join(re.escape(h) for h in sorted(self.handles, key=len, reverse=True))
        return re.compile(rf"(?i)(?<![\w@])@(?:{names})(?!\w)") if names else None

    @cached_property
    def _id_re(self) -> re.Pattern | None:
        tokens = sorted({self.author_id, *self.native_ids()}, key=len, reverse=True)
        alternatives = "|".join(re.escape(t) for t in tokens if t)
        return re.compile(rf"(?<![{_WORD}])(?:{alternatives})(?![{_WORD}])")

    def redact(self, value: str) -> str:
        """Text of a post that stays, with the author's handle and ids replaced."""
        if self._handle_re is not None:
            value = self._handle_re.sub(ERASED_HANDLE, value)
        return self._id_re.sub(ERASED_TOKEN, value) if self._id_re is not None else value


def _literal(text: str) -> str:
    """A regex matching the text literally, escaping only what all three engines treat as
    special (Python's re.escape escapes more than Rust's regex accepts)."""
    return re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", text)


@dataclass
class ErasureReport:
    request_id: str
    subject_hash: str
    hash_method: str
    platform: str | None
    posts: int = 0  # the author's posts (distinct), delivered, loaded or both
    reposts: int = 0  # reposts of them by others, erased with them
    removed: dict[str, int] = field(default_factory=dict)  # place -> rows (or files) removed
    redacted: dict[str, int] = field(default_factory=dict)  # place -> linked rows redacted
    marts_rebuilt: bool = False
    marts_published: bool = False
    log: str = ""

    def add(self, kind: Literal["removed", "redacted"], place: str, n: int) -> None:
        counts = getattr(self, kind)
        counts[place] = counts.get(place, 0) + n


# --- finding the author's posts --------------------------------------------------------------

FIND_COLUMNS = ["post_id", "platform", "author_id", "author_handle", "text", "repost_of_post_id"]


def find_subject(config: Config, author_id: str, platform: str | None) -> Subject:
    """Their posts, reposts of them, and posts linking to them, from every place that holds
    posts: the landing zone (files not loaded yet), the raw and clean zones and the warehouse
    (after retention, only the warehouse may still hold an old day)."""
    subject = Subject(author_id=author_id, platform=platform)
    posts = _all_posts(config, subject)
    own = posts.filter(subject.owns().fill_null(False))
    subject.post_ids = set(own["post_id"].drop_nulls())
    subject.own_posts = len(subject.post_ids)
    subject.handles = {h.lstrip("@") for h in own["author_handle"].drop_nulls() if h.strip("@")}
    while True:  # reposts of reposts point at the original on X, but other exports may chain
        reposts = posts.filter(
            pl.col("repost_of_post_id").is_in(sorted(subject.post_ids))
            & ~pl.col("post_id").is_in(sorted(subject.post_ids))
        )
        if reposts.is_empty():
            break
        subject.post_ids |= set(reposts["post_id"].drop_nulls())
    mine = posts.filter(pl.col("post_id").is_in(sorted(subject.post_ids)))
    subject.texts = {t for c in ("text", "text_clean") for t in mine[c].drop_nulls() if t}
    linked = posts.filter(
        pl.any_horizontal(pl.col(c).is_in(sorted(subject.post_ids)) for c in LINK_COLUMNS)
    )
    subject.linked_ids = set(linked["post_id"].drop_nulls()) - subject.post_ids
    return subject


def _all_posts(config: Config, subject: Subject) -> pl.DataFrame:
    columns = [*FIND_COLUMNS, *LINK_COLUMNS]
    frames = [_scan(raw_post_files(config), columns), _scan(clean_post_files(config), columns)]
    frames += [_warehouse_posts(config, columns), landing_posts(config, subject)]
    shape = {c: pl.String() for c in [*columns, "text_clean"]}
    found = [
        f.cast({c: t for c, t in shape.items() if c in f.columns}) for f in frames if f is not None
    ]
    empty = pl.DataFrame(schema=shape)
    return pl.concat([empty, *found], how="diagonal_relaxed")


def _scan(files: list[Path], columns: list[str]) -> pl.DataFrame | None:
    """The columns of the files that have them, as text (file by file: a batch whose schema
    drifted must not hide the others)."""
    frames = []
    for path in files:
        present = [c for c in [*columns, "text_clean"] if c in pl.read_parquet_schema(path)]
        frames.append(pl.read_parquet(path, columns=present).cast(pl.String))
    return pl.concat(frames, how="diagonal_relaxed") if frames else None


def _warehouse_posts(config: Config, columns: list[str]) -> pl.DataFrame | None:
    if not zones.warehouse_file(config).exists():
        return None
    from transforms.warehouse import connect

    with connect(config) as con:
        return con.sql(f"select {', '.join([*columns, 'text_clean'])} from raw.posts").pl()


def batch_folders(config: Config) -> list[Path]:
    """Every committed batch of every source, configured or not any more."""
    pattern = f"source=*/day=*/batch=*/{raw_zone.MANIFEST}"
    return sorted(p.parent for p in (config.data_dir / "raw").glob(pattern))


def raw_post_files(config: Config) -> list[Path]:
    return [f / "posts.parquet" for f in batch_folders(config) if (f / "posts.parquet").exists()]


def clean_post_files(config: Config) -> list[Path]:
    return sorted((config.data_dir / "clean").glob("day=*/posts.parquet"))


# --- frames: rows to drop, linked rows to redact ---------------------------------------------


def redact_linked(frame: pl.DataFrame, subject: Subject) -> tuple[pl.DataFrame, int]:
    """Null the links to erased posts and redact the handle in the posts that had them."""
    present = [c for c in LINK_COLUMNS if c in frame.columns]
    if not present or not subject.post_ids:
        return frame, 0
    ids = sorted(subject.post_ids)
    linked = pl.any_horizontal(pl.col(c).is_in(ids) for c in present).fill_null(False)
    count = int(frame.select(linked.sum()).item())
    if not count:
        return frame, 0
    rows = frame.select(linked).to_series().arg_true()
    redacted = frame.with_columns(
        pl.when(pl.col(c).is_in(ids)).then(None).otherwise(pl.col(c)).alias(c) for c in present
    )
    for column in (c for c in TEXT_COLUMNS if c in frame.columns):
        values = redacted[column].gather(rows)
        new = pl.Series([None if v is None else subject.redact(v) for v in values], dtype=pl.String)
        redacted = redacted.with_columns(redacted[column].scatter(rows, new))
    return redacted, count


def payload_matches(subject: Subject, platform: str | None) -> pl.Expr:
    """Quarantined rows whose raw payload holds the author id or an erased post's id."""
    pattern = subject.token_pattern(platform)
    if pattern is None or not subject.covers(platform):
        return pl.lit(False)
    return pl.col("raw_payload").fill_null("").str.contains(pattern)


# --- the raw zone ----------------------------------------------------------------------------


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


# --- the landing zone ------------------------------------------------------------------------


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


def redact_record(subject: Subject, value: Any) -> Any:
    """A record with erased ids (and the author id) nulled and the handle redacted, at any
    depth: the record of someone else that linked to an erased post."""
    if isinstance(value, dict):
        return {k: redact_record(subject, v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_record(subject, v) for v in value]
    identifier = isinstance(value, str | int) and not isinstance(value, bool)
    if identifier and str(value) in subject.exact_values:
        return None
    return subject.redact(value) if isinstance(value, str) else value


@dataclass
class Rewrite:
    data: bytes | None  # the new content; None: delete the file
    dropped: int
    redacted: int


Judge = Callable[[dict | None, str], Verdict]


def rewrite_jsonl(data: bytes, judge: Judge, subject: Subject) -> Rewrite:
    """JSONL without the dropped lines; every kept line's bytes stay as delivered."""
    out: list[bytes] = []
    dropped = redacted = 0
    for line in data.split(b"\n"):
        text = line.decode("utf-8", "replace")
        record = _json_object(text) if line.strip() else None
        verdict = judge(record, text) if line.strip() else "keep"
        if verdict == "drop":
            dropped += 1
        elif verdict == "redact" and record is not None:
            out.append(json.dumps(redact_record(subject, record), ensure_ascii=False).encode())
            redacted += 1
        else:
            out.append(line)
    return Rewrite(b"\n".join(out), dropped, redacted)


def _json_object(text: str) -> dict | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def rewrite_csv(data: bytes, options: CsvOptions, judge: Judge, subject: Subject) -> Rewrite:
    """CSV without the dropped records (a record may span lines: quoted newlines); every kept
    record's bytes stay as delivered."""
    lines = data.splitlines(keepends=True)
    decoded = [line.decode(options.encoding, "replace") for line in lines]
    reader = csv.reader(iter(decoded), delimiter=options.delimiter)
    header = list(options.columns) if not options.has_header else None
    out: list[bytes] = []
    dropped = redacted = consumed = 0
    try:
        for row in reader:
            span, consumed = slice(consumed, reader.line_num), reader.line_num
            if not any(cell.strip() for cell in row):
                out += lines[span]
                continue
            if header is None:
                header = [cell.strip().lstrip("\ufeff") for cell in row]
                out += lines[span]
                continue
            record = dict(zip(header, row, strict=True)) if len(row) == len(header) else None
            verdict = judge(record, "".join(decoded[span]))
            if verdict == "drop":
                dropped += 1
            elif verdict == "redact" and record is not None:
                out.append(_csv_row(subject, row, options, lines[span][-1]))
                redacted += 1
            else:
                out += lines[span]
    except csv.Error:  # an unterminated quote: the rest of the file is one unparseable record
        rest = lines[consumed:]
        if judge(None, "".join(decoded[consumed:])) == "drop":
            dropped += 1
        else:
            out += rest
    return Rewrite(b"".join(out), dropped, redacted)


def _csv_row(subject: Subject, row: list[str], options: CsvOptions, last_line: bytes) -> bytes:
    ending = "\r\n" if last_line.endswith(b"\r\n") else "\n" if last_line.endswith(b"\n") else ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=options.delimiter, lineterminator=ending)
    writer.writerow(["" if cell in subject.exact_values else subject.redact(cell) for cell in row])
    return buffer.getvalue().encode(options.encoding)


def rewrite_parquet(data: bytes, judge: Judge, subject: Subject) -> Rewrite:
    frame = pl.read_parquet(io.BytesIO(data))
    rows: list[dict] = []
    dropped = redacted = 0
    for record in frame.to_dicts():
        verdict = judge(record, json.dumps(record, default=str, ensure_ascii=False))
        if verdict == "drop":
            dropped += 1
            continue
        if verdict == "redact":
            record, redacted = redact_record(subject, record), redacted + 1
        rows.append(record)
    buffer = io.BytesIO()
    pl.DataFrame(rows, schema=frame.schema).write_parquet(buffer)
    return Rewrite(buffer.getvalue(), dropped, redacted)


def rewrite_delivery(
    data: bytes, fmt: str, options: CsvOptions, judge: Judge, subject: Subject
) -> Rewrite:
    """The delivered content without the author's records (None data: delete the file, which
    cannot be parsed at all and holds the author id)."""
    try:
        if fmt == "csv":
            return rewrite_csv(data, options, judge, subject)
        if fmt == "parquet":
            return rewrite_parquet(data, judge, subject)
        return rewrite_jsonl(data, judge, subject)
    except (pl.exceptions.PolarsError, OSError, UnicodeError):
        holds = judge(None, data.decode("utf-8", "replace")) == "drop"
        return Rewrite(None if holds else data, int(holds), 0)


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


# --- the clean zone, ground truth, labels, quality reports -----------------------------------


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
            frame = pl.read_csv(path, infer_schema=False)
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
        write_atomic_bytes(_csv_bytes(kept), path)
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


# --- the warehouse ---------------------------------------------------------------------------


def erase_warehouse(
    config: Config, subject: Subject, report: ErasureReport, changed_batches: list[str]
) -> bool:
    """Delete and redact the author's rows in the raw schema in one transaction, and bring the
    load audit's counts in line with the manifests; True when any row changed."""
    if not zones.warehouse_file(config).exists():
        return False
    from transforms.warehouse import connect

    with connect(config) as con:
        con.execute("begin transaction")
        ids = pl.DataFrame({"post_id": sorted(subject.post_ids)}, schema={"post_id": pl.String})
        con.register("erased_ids", ids.to_arrow())
        rows = _delete_posts(con, subject, report) + _delete_quarantine(
            con, config, subject, report
        )
        rows += _redact_warehouse_links(con, subject, report)
        rows += _unlink_sessions(con, subject, report)
        expired = _expired_batch_counts(con, config)
        _update_audit(con, config, [*changed_batches, *expired])
        con.unregister("erased_ids")
        con.execute("commit")
    return rows > 0


def _count(con, sql: str, params: list | None = None) -> int:
    result = con.execute(sql, params or []).fetchone()
    return int(result[0]) if result else 0


def _delete_posts(con, subject: Subject, report: ErasureReport) -> int:
    total = 0
    for table in WAREHOUSE_POST_TABLES:
        n = _count(
            con, f"delete from raw.{table} where post_id in (select post_id from erased_ids)"
        )
        report.add("removed", f"warehouse_{table}_rows", n)
        total += n
    platform = "" if subject.platform is None else " and platform = ?"
    params = [subject.author_id] + ([subject.platform] if subject.platform else [])
    # Rows of the author that no post id found (none expected; the author column decides).
    n = _count(con, f"delete from raw.posts where author_id = ?{platform}", params)
    report.add("removed", "warehouse_posts_rows", n)
    return total + n


def _delete_quarantine(con, config: Config, subject: Subject, report: ErasureReport) -> int:
    total = 0
    sources = [r[0] for r in con.execute("select distinct source from raw.quarantine").fetchall()]
    for source in sources:
        platform = _source_platform(config, source)
        pattern = subject.token_pattern(platform)
        if pattern is None or not subject.covers(platform):
            continue
        total += _count(
            con,
            "delete from raw.quarantine where source = ? "
            "and regexp_matches(coalesce(raw_payload, ''), ?)",
            [source, pattern],
        )
    report.add("removed", "warehouse_quarantine_rows", total)
    return total


def _redact_warehouse_links(con, subject: Subject, report: ErasureReport) -> int:
    condition = " or ".join(f"{c} in (select post_id from erased_ids)" for c in LINK_COLUMNS)
    linked = con.sql(f"select * from raw.posts where {condition}").pl()
    if linked.is_empty():
        return 0
    redacted, n = redact_linked(linked, subject)
    con.execute(f"delete from raw.posts where {condition}")
    con.register("redacted_posts", redacted.to_arrow())
    columns = ", ".join(redacted.columns)
    con.execute(f"insert into raw.posts ({columns}) select {columns} from redacted_posts")
    con.unregister("redacted_posts")
    report.add("redacted", "warehouse_posts_rows", n)
    return n


def _unlink_sessions(con, subject: Subject, report: ErasureReport) -> int:
    """A web session credited to an erased post (utm_content is the post's native id) keeps the
    visit but loses the credit."""
    natives = pl.DataFrame(
        {"native_id": sorted(subject.native_ids())}, schema={"native_id": pl.String}
    )
    con.register("erased_natives", natives.to_arrow())
    n = _count(
        con,
        "update raw.web_sessions set utm_content = null "
        "where utm_content in (select native_id from erased_natives)",
    )
    con.unregister("erased_natives")
    report.add("redacted", "warehouse_web_sessions_rows", n)
    return n


def _expired_batch_counts(con, config: Config) -> list[str]:
    """Batches whose files retention removed have the warehouse as their only copy: their
    manifest counts follow the rows the warehouse still holds."""
    audited = con.execute("select distinct source, day, batch_id from raw.load_audit").fetchall()
    changed = []
    for source, day, batch_id in audited:
        folder = raw_zone.batch_dir(config, source, day, batch_id)
        if raw_zone.expiry(folder) is None or not (folder / raw_zone.MANIFEST).exists():
            continue
        manifest = raw_zone.read_manifest(folder)
        accepted = _count(
            con, "select count(*) from raw.post_snapshots where batch_id = ?", [batch_id]
        )
        quarantined = _count(
            con, "select count(*) from raw.quarantine where batch_id = ?", [batch_id]
        )
        updated = _with_counts(manifest, accepted, quarantined)
        if updated != manifest:
            raw_zone.write_manifest(folder, updated)
            changed.append(batch_id)
    return changed


def _update_audit(con, config: Config, batch_ids: list[str]) -> None:
    if not batch_ids:
        return
    manifests = {raw_zone.batch_id_of(f): f for f in batch_folders(config)}
    for batch_id in dict.fromkeys(batch_ids):
        if batch_id not in manifests:
            continue
        m = raw_zone.read_manifest(manifests[batch_id])
        for table in ("load_audit", "quarantined_batches"):
            con.execute(
                f"update raw.{table} set rows_accepted = ?, rows_quarantined = ?, "
                "rows_erased = ? where batch_id = ?",
                [m.rows_accepted, m.rows_quarantined, m.erased_rows, batch_id],
            )


def marts_exist(config: Config) -> bool:
    if not zones.warehouse_file(config).exists():
        return False
    from transforms.warehouse import connect, mart_tables

    with connect(config) as con:
        return bool(mart_tables(con, con.execute("select current_database()").fetchone()[0]))


def rebuild_and_publish(config: Config, request_id: str, report: ErasureReport) -> None:
    """Full refresh (incremental marts would keep the erased rows of days outside their
    lookback), the marts gate, publication, and the dashboard drawn from the new marts."""
    from transforms.dashboard import render_dashboard
    from transforms.mart_gate import gate_marts
    from transforms.warehouse import build_marts, publish

    with _argv_without_arguments():
        build_marts(config, full_refresh=True)
    report.marts_rebuilt = True
    gate_marts(config, f"erasure-{request_id}")
    publish(config)
    report.marts_published = True
    if zones.dashboard_file(config).exists():
        render_dashboard(config)


@contextmanager
def _argv_without_arguments() -> Iterator[None]:
    """dbt writes the process's command line into dbt.log and run_results.json, and the
    command line of `listener forget --author ID` is the id itself."""
    saved = sys.argv
    sys.argv = saved[:1]
    try:
        yield
    finally:
        sys.argv = saved


# --- the request and its log -----------------------------------------------------------------


def subject_hash(author_id: str, platform: str | None) -> tuple[str, str]:
    """A keyed hash of the request's subject (the id never goes into the log) and its method."""
    message = f"{platform or '*'}:{author_id}".encode()
    key = os.environ.get(PSEUDONYM_KEY_ENV)
    if key:
        digest = hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
        return digest, f"hmac-sha256 of '<platform or *>:<author id>' keyed by ${PSEUDONYM_KEY_ENV}"
    digest = hashlib.sha256(message).hexdigest()
    return digest, (
        f"sha256 of '<platform or *>:<author id>', unkeyed (${PSEUDONYM_KEY_ENV} was not set): "
        "anyone holding a candidate id can confirm it"
    )


def erasure_dir(config: Config) -> Path:
    return config.data_dir / "erasure"


def read_log(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def write_log(path: Path, report: ErasureReport, previous: dict) -> None:
    """One entry per subject (named by its hash, not by a time), one run per request."""
    run = {
        "erased_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "posts": report.posts,
        "reposts": report.reposts,
        "removed": report.removed,
        "redacted": report.redacted,
        "marts_rebuilt": report.marts_rebuilt,
        "marts_published": report.marts_published,
    }
    entry = {
        "request_id": report.request_id,
        "subject_hash": report.subject_hash,
        "hash_method": report.hash_method,
        "platform": report.platform,
        "complete": not _marts_pending(report),
        "runs": [*previous.get("runs", []), run],
    }
    write_atomic_bytes(json.dumps(entry, indent=2, sort_keys=True).encode(), path)


def _marts_pending(report: ErasureReport) -> bool:
    return report.marts_rebuilt and not report.marts_published


def forget_author(config: Config, author_id: str, platform: str | None = None) -> ErasureReport:
    """Erase one author's posts and what was derived from them, everywhere; see the module doc.
    Holds the warehouse writer lock throughout, so no load or build runs in between."""
    from transforms.writer_lock import warehouse_writer

    with warehouse_writer(config, "erasure request"):
        return _forget_author(config, author_id, platform)


def _forget_author(config: Config, author_id: str, platform: str | None) -> ErasureReport:
    author_id = author_id.strip()
    if not author_id:
        raise ListenerError("an erasure needs an author id")
    if platform is not None and platform not in PLATFORMS:
        raise ListenerError(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}")
    digest, method = subject_hash(author_id, platform)
    request_id = digest[:24]
    log = erasure_dir(config) / f"{request_id}.json"
    previous = read_log(log)
    report = ErasureReport(request_id, digest, method, platform, log=str(log))
    subject = find_subject(config, author_id, platform)
    report.posts, report.reposts = subject.own_posts, len(subject.post_ids) - subject.own_posts
    changed = erase_raw_zone(config, subject, report)
    erase_landing(config, subject, report)
    erase_funnel_credits(config, subject, report)
    erase_clean_zone(config, subject, report)
    erase_ground_truth(config, subject, report)
    erase_labels(config, subject, report)
    scrubbed = erase_quality_reports(config, subject, report)
    warehouse_changed = erase_warehouse(config, subject, report, changed)
    pending = previous.get("complete") is False  # an earlier run could not republish
    if (warehouse_changed or pending) and marts_exist(config):
        try:
            rebuild_and_publish(config, request_id, report)
        except GateStopped as stopped:
            report.marts_rebuilt = True
            write_log(log, report, previous)
            raise ErasureIncomplete(
                "the author's rows are erased from every zone and the warehouse's raw tables, "
                f"but the marts could not be rebuilt and published, so the published marts "
                f"still hold them:\n{stopped}\nFix the cause and run the same request again "
                f"(logged as incomplete in {log})."
            ) from stopped
    if scrubbed:
        _rebuild_data_docs(config)
    report.removed = {k: v for k, v in sorted(report.removed.items())}
    report.redacted = {k: v for k, v in sorted(report.redacted.items())}
    write_log(log, report, previous)
    return report


def _rebuild_data_docs(config: Config) -> None:
    from transforms.quality import build_data_docs

    if (zones.quality_dir(config) / "gx").exists():
        build_data_docs(zones.quality_dir(config))


def report_lines(report: ErasureReport) -> list[str]:
    """The report as lines for people (the CLI)."""
    lines = [
        f"erasure {report.request_id}: {report.posts} posts and {report.reposts} reposts of them",
        *[f"  removed  {place:<34} {n:>8,}" for place, n in report.removed.items() if n],
        *[f"  redacted {place:<34} {n:>8,}" for place, n in report.redacted.items() if n],
        f"  marts rebuilt: {'yes' if report.marts_rebuilt else 'no'}, "
        f"published: {'yes' if report.marts_published else 'no'}",
        f"  log: {report.log} ({report.hash_method.split(' ')[0]})",
    ]
    return lines if report.removed or report.redacted else [*lines[:1], *lines[-2:]]
