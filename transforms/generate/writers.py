"""Append-only writers for chunked output.

Files are written to `<name>.tmp` and renamed when complete, so a sensor watching the landing zone
never sees half a file. Parquet row groups have a fixed size independent of the chunk size, so
the bytes do not depend on how the data was chunked.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

PARQUET_ROW_GROUP = 65_536
_ARROW_TYPES = {
    pl.String(): pa.string(),
    pl.Int64(): pa.int64(),
    pl.Float64(): pa.float64(),
    pl.Boolean(): pa.bool_(),
    pl.Date(): pa.date32(),
}


def arrow_schema(columns: dict[str, pl.DataType]) -> pa.Schema:
    return pa.schema([(name, _ARROW_TYPES[dtype]) for name, dtype in columns.items()])


class ChunkWriter:
    """Writes DataFrame chunks with a fixed schema to one JSONL, CSV or Parquet file."""

    def __init__(
        self,
        path: Path,
        fmt: str,
        columns: dict[str, pl.DataType],
        float_precision: int | None = None,
    ) -> None:
        self.path = path
        self.fmt = fmt
        self.columns = columns
        self.float_precision = float_precision
        self.rows = 0
        self._header_written = False
        self._tmp = path.with_name(path.name + ".tmp")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle: BinaryIO | None = None
        self._parquet: pq.ParquetWriter | None = None
        self._pending: list[pa.Table] = []
        if fmt == "parquet":
            self._schema = arrow_schema(columns)
            self._parquet = pq.ParquetWriter(
                self._tmp, self._schema, compression="zstd", compression_level=3
            )
        elif fmt in ("jsonl", "csv"):
            self._handle = open(self._tmp, "wb")  # noqa: SIM115 - closed in close()
        else:
            raise ValueError(f"unsupported format {fmt!r}")

    def write(self, frame: pl.DataFrame) -> None:
        frame = frame.select(list(self.columns))
        if self.fmt == "jsonl":
            assert self._handle is not None
            frame.write_ndjson(self._handle)
        elif self.fmt == "csv":
            assert self._handle is not None
            frame.write_csv(
                self._handle,
                include_header=not self._header_written,
                float_precision=self.float_precision,
            )
            self._header_written = True
        else:
            self._pending.append(frame.to_arrow().cast(self._schema))
            self._flush(final=False)
        self.rows += frame.height

    def _flush(self, final: bool) -> None:
        assert self._parquet is not None
        if not self._pending:
            return
        table = pa.concat_tables(self._pending)
        offset = 0
        while table.num_rows - offset >= PARQUET_ROW_GROUP or (final and offset < table.num_rows):
            size = min(PARQUET_ROW_GROUP, table.num_rows - offset)
            self._parquet.write_table(table.slice(offset, size), row_group_size=PARQUET_ROW_GROUP)
            offset += size
        rest = table.slice(offset)
        self._pending = [rest] if rest.num_rows else []

    def close(self) -> None:
        if self.fmt == "csv" and not self._header_written and self._handle is not None:
            pl.DataFrame(schema=self.columns).write_csv(self._handle)  # header only
        if self._handle is not None:
            self._handle.close()
        if self._parquet is not None:
            self._flush(final=True)
            self._parquet.close()
        os.replace(self._tmp, self.path)

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
            return
        if self._handle is not None:
            self._handle.close()
        if self._parquet is not None:
            self._parquet.close()
        self._tmp.unlink(missing_ok=True)
