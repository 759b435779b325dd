"""Find and read a file source's deliveries: a local folder or any fsspec URL.

A source's `path` is a folder under the data directory (`landing/x`) or a URL that fsspec
understands (`s3://bucket/exports`, `gcs://...`, `memory://...`, `file:///...`). Its `pattern`
says which files belong to a day: `{date}.{format}` by default, so `2026-10-05.jsonl`; a pattern
without `{date}` (say `*.csv`) makes the folder a drop box whose new files are picked up by the
next load, whatever their names. A gzipped copy (`.gz`) of a matching file is read too.

A delivery is read as a stream (gzip decompressed on the fly), never whole: `scan_delivery`
checksums it in a first pass, so a file already loaded is not parsed at all and a batch's id is
known before its first row is written; `open_delivery` then streams it for parsing.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import BinaryIO

import fsspec
from fsspec.core import url_to_fs

from transforms.config import Config, Source


@dataclass(frozen=True)
class Delivery:
    """One delivered file: where it is, its name for people, and its content."""

    url: str
    name: str
    data: bytes  # decompressed content (as delivered when it could not be decompressed)
    error: str | None = None  # why the file cannot be read at all

    @cached_property
    def sha256(self) -> str:
        # Of the content, so the same export re-delivered gzipped or renamed is still recognized.
        return hashlib.sha256(self.data).hexdigest()


def source_root(config: Config, source: Source) -> str:
    """The source's folder as a URL or an absolute local path."""
    assert source.path is not None
    if "://" in source.path:
        return source.path.rstrip("/")
    return str(config.data_dir / source.path)


def day_pattern(source: Source, day: dt.date) -> str:
    return source.pattern.format(date=day.isoformat(), format=source.format)


def list_deliveries(config: Config, source: Source, day: dt.date) -> list[tuple[str, str]]:
    """(url, name) of every file matching the day's pattern, plain or gzipped, sorted by name."""
    fs, root = url_to_fs(source_root(config, source))
    pattern = day_pattern(source, day)
    found: set[str] = set()
    for glob in (f"{root}/{pattern}", f"{root}/{pattern}.gz"):
        found.update(p for p in fs.glob(glob) if not fs.isdir(p))
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    prefix = "" if protocol in ("file", "local") else f"{protocol}://"
    return [(prefix + path, path.rsplit("/", 1)[-1]) for path in sorted(found)]


def read_delivery(url: str, name: str) -> Delivery:
    with fsspec.open(url, "rb") as handle:
        data = handle.read()
    if name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:  # not gzip, or cut off in transfer
            return Delivery(url=url, name=name, data=data, error=f"{type(exc).__name__}: {exc}")
    return Delivery(url=url, name=name, data=data)


CHUNK_BYTES = 8 << 20  # read size of the checksum pass
# What a truncated or corrupt gzip raises while it is decompressed.
GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


@dataclass(frozen=True)
class ScannedDelivery:
    """A delivered file after the checksum pass: what a batch needs before parsing anything."""

    url: str
    name: str
    sha256: str  # of the decompressed content, as Delivery.sha256
    size: int  # bytes of that content (as delivered when it could not be decompressed)
    error: str | None = None  # why the file cannot be read at all
    content: bytes | None = None  # kept for a small file, so that it is read only once


@contextmanager
def open_delivery(url: str, name: str) -> Iterator[BinaryIO]:
    """A delivery's content as a binary stream, decompressed on the fly when it is gzipped."""
    with fsspec.open(url, "rb") as raw:
        if not name.endswith(".gz"):
            yield raw
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
            yield stream


def scan_delivery(url: str, name: str, keep_up_to: int) -> ScannedDelivery:
    """Checksum a delivery in one streaming pass, keeping its content if it is at most
    `keep_up_to` bytes. A gzip that cannot be decompressed is checksummed as delivered and
    carries the error, so it is quarantined once and not read again."""
    try:
        sha256, size, content = _digest(url, name, keep_up_to)
    except GZIP_ERRORS as exc:
        sha256, size, _ = _digest(url, name.removesuffix(".gz"), keep_up_to)
        return ScannedDelivery(url, name, sha256, size, f"{type(exc).__name__}: {exc}")
    return ScannedDelivery(url, name, sha256, size, content=content)


def _digest(url: str, name: str, keep_up_to: int) -> tuple[str, int, bytes | None]:
    digest, size, kept = hashlib.sha256(), 0, []
    with open_delivery(url, name) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            if size <= keep_up_to:
                kept.append(chunk)
            else:
                kept.clear()
    return digest.hexdigest(), size, b"".join(kept) if size <= keep_up_to else None
