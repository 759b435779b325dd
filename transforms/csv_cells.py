"""CSV files people open in a spreadsheet: no cell may start a formula (OWASP "CSV injection").

A post's text is data. A spreadsheet would run `=HYPERLINK(...)`, `+cmd|...`, `-2+3` or
`@SUM(...)` from a cell as a formula, so every text cell that starts with `=`, `+`, `-`, `@`, a tab
or a carriage return is written with a single quote in front (OWASP's advice; spreadsheets show
such a cell as text). Numbers are left alone: numeric columns are not text, and a text cell that
is a plain number (`-0.5`) cannot hold a formula.

The quote must come off again when Listener reads such a file back (`listener train --labels`,
`predict --input`, `evaluate --labels`), and only where Listener put it. So the rule is one to
one: a quote is added to every text that starts with any number of quotes followed by one of
those characters, and on reading exactly one quote is removed from such a cell. A text that
really began with `'=` is written `''=` and read back as `'=`. A file written by a person follows
the spreadsheet convention: `'=x` means the text `=x`.

Only the CSV files written for people go through here (the label queue, `listener predict`
output). Delivered source files are never rewritten this way (an erasure must keep them byte
for byte), and JSONL and Parquet keep their text as it is.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from transforms.files import write_atomic_bytes

QUOTE = "'"
_STARTS_A_FORMULA = r"^'*[=+\-@\t\r]"  # after any quotes Listener or a person added
_ESCAPED = r"^'+[=+\-@\t\r]"
PLAIN_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def neutralize(text: pl.Expr) -> pl.Expr:
    """The cell as written: a quote in front of anything a spreadsheet would evaluate."""
    formula = text.str.contains(_STARTS_A_FORMULA) & ~text.str.contains(PLAIN_NUMBER)
    return pl.when(formula).then(pl.lit(QUOTE) + text).otherwise(text)


def restore(text: pl.Expr) -> pl.Expr:
    """The text a neutralized cell holds: one quote fewer where `neutralize` added one."""
    return pl.when(text.str.contains(_ESCAPED)).then(text.str.slice(1)).otherwise(text)


def _text_columns(frame: pl.DataFrame) -> list[str]:
    return [name for name, dtype in frame.schema.items() if dtype == pl.String]


def neutralized(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text column neutralized (other types are not touched)."""
    return frame.with_columns(neutralize(pl.col(c)).alias(c) for c in _text_columns(frame))


def restored(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(restore(pl.col(c)).alias(c) for c in _text_columns(frame))


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """A CSV people may open in a spreadsheet: text cells neutralized."""
    buffer = io.BytesIO()
    neutralized(frame).write_csv(buffer)
    return buffer.getvalue()


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """Write `frame` as a spreadsheet-safe CSV, atomically (no half-written file on failure)."""
    write_atomic_bytes(csv_bytes(frame), path)


def read_csv(path: Path | io.BytesIO) -> pl.DataFrame:
    """A CSV as text columns (no type guessing), with Listener's quotes taken off."""
    return restored(pl.read_csv(path, infer_schema=False))
