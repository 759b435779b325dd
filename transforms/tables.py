"""Read and write the tables users hand to `listener` commands: CSV, JSONL or Parquet."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms import csv_cells
from transforms.errors import ListenerError
from transforms.files import write_atomic_bytes, write_parquet_atomic


class TableFormatError(ListenerError):
    """A file whose type `listener` cannot read or write."""


def _kind(path: Path) -> str:
    name = path.name.lower()
    for suffixes, kind in (((".parquet",), "parquet"), ((".jsonl", ".ndjson"), "jsonl"),
                           ((".csv",), "csv")):  # fmt: skip
        if name.endswith(suffixes):
            return kind
    raise TableFormatError(f"{path}: unsupported file type (use .csv, .jsonl or .parquet)")


def read_table(path: Path) -> pl.DataFrame:
    """A table by file extension; CSV columns are read as text (no type guessing), with the
    quotes Listener adds against spreadsheet formulas taken off (transforms/csv_cells.py)."""
    kind = _kind(path)
    if not path.exists():
        raise TableFormatError(f"{path}: file not found")
    if kind == "parquet":
        return pl.read_parquet(path)
    if kind == "jsonl":
        return pl.read_ndjson(path)
    return csv_cells.read_csv(path)  # the quotes Listener adds against formulas come off


def write_table(frame: pl.DataFrame, path: Path) -> None:
    """Write by file extension, atomically; a CSV is made safe to open in a spreadsheet."""
    kind = _kind(path)
    if kind == "parquet":
        write_parquet_atomic(frame, path)
    elif kind == "jsonl":
        write_atomic_bytes(frame.write_ndjson().encode(), path)
    else:
        csv_cells.write_csv(frame, path)
