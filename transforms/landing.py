"""Find and read a file source's deliveries: a local folder or any fsspec URL.

A source's `path` is a folder under the data directory (`landing/x`) or a URL that fsspec
understands (`s3://bucket/exports`, `gcs://...`, `memory://...`, `file:///...`). Its `pattern`
says which files belong to a day: `{date}.{format}` by default, so `2026-10-05.jsonl`; a pattern
without `{date}` (say `*.csv`) makes the folder a drop box whose new files are picked up by the
next load, whatever their names. A gzipped copy (`.gz`) of a matching file is read too.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from dataclasses import dataclass

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

    @property
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
