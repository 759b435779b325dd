"""Atomic file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from transforms.errors import ListenerError, StorageError

# The errors that mean "this storage cannot take the write", as opposed to a bug: a full disk or
# quota, a file-size limit, a read-only or unwritable folder.
STORAGE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM)


def storage_cause(exc: BaseException) -> str | None:
    """Why storage refused a write (e.g. "No space left on device"), or None for other errors.
    Python and PyArrow raise OSError; Polars reports "(os error 28)" and DuckDB the system's
    message inside their own exception types."""
    if isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS:
        return os.strerror(exc.errno)
    text = str(exc)
    found = re.search(r"os error (\d+)", text)
    if found and int(found[1]) in STORAGE_ERRNOS:
        return os.strerror(int(found[1]))
    return next((os.strerror(n) for n in STORAGE_ERRNOS if os.strerror(n) in text), None)


@contextlib.contextmanager
def storage_errors(path: Path) -> Iterator[None]:
    """Turn a storage failure inside the block into a StorageError naming the file (the one the
    system names, else `path`) and the cause; any other error passes unchanged."""
    try:
        yield
    except ListenerError:  # already says what went wrong
        raise
    except Exception as exc:
        cause = storage_cause(exc)
        if cause is None:
            raise
        # The file the system names: OSError's filename, or the path DuckDB quotes.
        quoted = re.search(r'"(/[^"]+)"', str(exc))
        where = getattr(exc, "filename", None) or (quoted[1] if quoted else path)
        raise StorageError(
            f"cannot write {where}: {cause}. Free disk space or make the data directory "
            "writable, then re-run: nothing half-written was left in place."
        ) from exc


@contextlib.contextmanager
def removed_on_failure(*paths: Path) -> Iterator[None]:
    """Remove files or folders the block was building if it fails, so a failed write leaves
    nothing behind (a full disk gets its space back)."""
    try:
        yield
    except BaseException:
        for path in paths:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Have `write` fill a temporary file next to `path`, then rename it over `path`. The
    temporary name is unique, so writers racing on the same file (two runs saving the same
    model version) each rename a whole file and the last one wins."""
    with storage_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            write(tmp)
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


def write_atomic_bytes(data: bytes, path: Path) -> None:
    write_atomic(path, lambda tmp: tmp.write_bytes(data))


class _RecordingFile:
    """A binary file that remembers its failed write: Polars reports some failed writes (the
    footer's) only as "Invalid thrift: transport error", without the system's reason. Writing
    through Python costs nothing measurable (1M rows: same time, same bytes)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.error: OSError | None = None

    def write(self, data: bytes) -> int:
        try:
            return self.handle.write(data)
        except OSError as exc:
            self.error = exc
            raise

    def __getattr__(self, name: str) -> object:
        return getattr(self.handle, name)


def _write_parquet(frame: pl.DataFrame, tmp: Path) -> None:
    with open(tmp, "wb") as handle:
        recording = _RecordingFile(handle)
        try:
            # Statistics off keeps the bytes a pure function of the rows (idempotent re-runs).
            frame.write_parquet(recording, compression="zstd", statistics=False)
        except pl.exceptions.PolarsError as exc:
            if recording.error is not None:
                raise recording.error from exc
            raise


def write_parquet_atomic(frame: pl.DataFrame, path: Path) -> None:
    write_atomic(path, lambda tmp: _write_parquet(frame, tmp))


def replace_file_atomic(tmp: Path, path: Path) -> None:
    """Move an already written file into place (same folder, so the rename is atomic)."""
    with storage_errors(path):
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)


class ParquetSink:
    """Appends frames of one schema to a Parquet file, a row group per frame, so a day is
    written batch by batch. These are working files, read once by the next stage: LZ4 and no
    dictionary encoding, which halves the write's CPU time (2.4 -> 1.1 s per million clean posts)
    for files a tenth larger."""

    def __init__(self, path: Path, columns: dict[str, pl.DataType]) -> None:
        self.path = path
        self.arrow_schema = pl.DataFrame(schema=columns).to_arrow().schema
        self.writer: pq.ParquetWriter | None = None

    def __enter__(self) -> ParquetSink:
        with storage_errors(self.path):
            self.writer = pq.ParquetWriter(
                self.path,
                self.arrow_schema,
                compression="lz4",
                write_statistics=False,
                use_dictionary=False,
            )
        return self

    def write(self, frame: pl.DataFrame) -> None:
        assert self.writer is not None
        with storage_errors(self.path):
            self.writer.write_table(frame.to_arrow().cast(self.arrow_schema))

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        assert self.writer is not None
        if exc_type is not None:  # the block failed: release the file, keep the block's error
            with contextlib.suppress(Exception):
                self.writer.close()
            return
        with storage_errors(self.path):
            self.writer.close()


class ParquetAppender:
    """Appends frames of one schema to a Parquet file, keeping count of its rows, and can cut it
    back to an earlier count: a batch streams into its files, and a delivery that fails half way
    leaves nothing behind. Zstd without dictionaries: as small as Polars' own writer on posts,
    and faster than with dictionaries; statistics off, as in write_parquet_atomic.

    PyArrow encodes on one core and releases the GIL, so each frame is encoded in a background
    thread while the caller prepares the next one (one frame in flight: memory stays bounded).
    A failed write raises at the next call."""

    def __init__(self, path: Path, columns: dict[str, pl.DataType]) -> None:
        self.path = path
        self.arrow_schema = pl.DataFrame(schema=columns).to_arrow().schema
        self.rows = 0
        self.writer: pq.ParquetWriter | None = None
        self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet-append")
        self._pending: Future | None = None
        self._open()

    def _open(self) -> None:
        with storage_errors(self.path):
            self.writer = pq.ParquetWriter(
                self.path, self.arrow_schema, compression="zstd", use_dictionary=False,
                write_statistics=False,
            )  # fmt: skip

    def write(self, frame: pl.DataFrame) -> None:
        assert self.writer is not None, "the file is closed"
        if frame.height:
            table = frame.to_arrow().cast(self.arrow_schema)
            self._wait()
            self._pending = self._encoder.submit(self._write_table, self.writer, table)
            self.rows += frame.height

    def _write_table(self, writer: pq.ParquetWriter, table: pa.Table) -> None:
        with storage_errors(self.path):
            writer.write_table(table)

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def truncate(self, rows: int) -> None:
        """Keep only the first `rows` rows: a rewrite, for the rare delivery that fails."""
        if rows == self.rows:
            return
        self.close()
        old = self.path.with_name(f".{self.path.name}.old")
        os.replace(self.path, old)
        self.rows = 0
        self._open()
        for batch in pq.ParquetFile(old).iter_batches(batch_size=65_536):
            if self.rows >= rows:
                break
            self.write(pl.DataFrame(pl.from_arrow(batch)).head(rows - self.rows))
        self._wait()
        old.unlink()

    def close(self, quietly: bool = False) -> None:
        """Write the file's footer; `quietly` when it is being thrown away after a failure."""
        writer, self.writer = self.writer, None
        if writer is None:
            return
        if quietly:
            with contextlib.suppress(Exception):
                self._wait()
            with contextlib.suppress(Exception):
                writer.close()
            return
        self._wait()
        with storage_errors(self.path):
            writer.close()


def fsync_file(path: Path) -> None:
    with storage_errors(path), open(path, "rb") as handle:
        os.fsync(handle.fileno())


def sort_parquet(path: Path, by: list[str]) -> None:
    """Sort a Parquet file in place (streamed by Polars; ties keep their order)."""
    tmp = path.with_name(f".{path.name}.sorted")
    with storage_errors(path), removed_on_failure(tmp):
        pl.scan_parquet(path).sort(by, maintain_order=True).sink_parquet(
            tmp, compression="zstd", statistics=False
        )
        os.replace(tmp, path)
