"""Read and write the tables users hand to `listener` commands: CSV, JSONL or Parquet."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms.errors import ListenerError


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
    """A table by file extension; CSV columns are read as text (no type guessing)."""
    kind = _kind(path)
    if not path.exists():
        raise TableFormatError(f"{path}: file not found")
    if kind == "parquet":
        return pl.read_parquet(path)
    if kind == "jsonl":
        return pl.read_ndjson(path)
    return pl.read_csv(path, infer_schema=False)


def write_table(frame: pl.DataFrame, path: Path) -> None:
    kind = _kind(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "parquet":
        frame.write_parquet(path)
    elif kind == "jsonl":
        frame.write_ndjson(path)
    else:
        frame.write_csv(path)
