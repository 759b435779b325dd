"""The funnel's daily CSV exports (web sessions, CRM leads and opportunities, orders, ad spend):
read, typed and checked before the loader replaces the day's rows with them.

A row is quarantined (raw.quarantine, with the reason and the row as it was) when a value is not
of its column's type, or when its time column is empty or on another day than its file: the
loader replaces a day's rows by that column, so a row of another day would stay behind when its
file is loaded again, and be loaded twice. Rows in = rows loaded + rows quarantined. A file
without one of its columns is refused whole, with the names of the missing ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from transforms import zones
from transforms.config import Config
from transforms.errors import ListenerError
from transforms.schema import FUNNEL, QUARANTINE
from transforms.warehouse_schema import RAW_TABLES

ISO_INSTANT = "%Y-%m-%dT%H:%M:%S%.f%:z"


class FunnelFileError(ListenerError):
    """A funnel export that cannot be loaded at all (a missing column)."""


@dataclass(frozen=True)
class FunnelDay:
    rows: pl.DataFrame  # typed by the canonical schema
    quarantined: pl.DataFrame  # in the QUARANTINE schema


def read_funnel_day(config: Config, table: str, day: dt.date) -> FunnelDay:
    """One day's CSV of a funnel table (none: no rows), split into rows to load and rows to
    quarantine."""
    columns = FUNNEL[table]
    path = zones.funnel_file(config, table, day)
    if not path.exists():
        return FunnelDay(pl.DataFrame(schema=columns), pl.DataFrame(schema=QUARANTINE))
    text = pl.read_csv(path, infer_schema=False)
    missing = [name for name in columns if name not in text.columns]
    if missing:
        raise FunnelFileError(
            f"{path}: no column {', '.join(missing)} (a {table} export needs "
            f"{', '.join(columns)}); fix the export and load the day again"
        )
    text = text.select(list(columns)).with_row_index("line_number", offset=2)  # 1 = header
    typed = text.with_columns(pl.col(name).alias(f"{name}_text") for name in columns).with_columns(
        _typed(name, dtype) for name, dtype in columns.items()
    )
    reason = pl.coalesce(
        *(_unreadable(name, dtype) for name, dtype in columns.items()),
        _off_day(RAW_TABLES[table][1], columns, day),
    )
    checked = typed.with_columns(reason.alias("_reason"))
    bad = checked.filter(pl.col("_reason").is_not_null())
    quarantined = text.join(bad.select("line_number", "_reason"), on="line_number").select(
        source=pl.lit(f"funnel:{table}"),
        batch_id=pl.lit(path.stem),
        day=pl.lit(day),
        file=pl.lit(str(path)),
        line_number=pl.col("line_number").cast(pl.Int64),
        reason=pl.col("_reason"),
        raw_payload=pl.struct(list(columns)).struct.json_encode(),
    )
    rows = checked.filter(pl.col("_reason").is_null()).select(list(columns))
    return FunnelDay(rows, quarantined.cast(QUARANTINE))


def _typed(name: str, dtype: pl.DataType) -> pl.Expr:
    """The column in its type; a value that is not of it becomes null (see _unreadable)."""
    value = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        return (
            value.str.replace(r"Z$", "+00:00")
            .str.to_datetime(format=ISO_INSTANT, time_unit="us", strict=False)
            .dt.convert_time_zone("UTC")
        )
    if dtype == pl.Date():
        return value.str.to_date("%Y-%m-%d", strict=False)
    return value.cast(dtype, strict=False)


def _unreadable(name: str, dtype: pl.DataType) -> pl.Expr:
    """Why the row cannot be loaded because of this column (its text did not read as its type),
    or null."""
    return (
        pl.when(pl.col(name).is_null() & pl.col(f"{name}_text").is_not_null())
        .then(
            pl.format(
                "{}: cannot read '{}' as {}",
                pl.lit(name),
                pl.col(f"{name}_text"),
                pl.lit(_type_name(dtype)),
            )
        )
        .otherwise(None)
    )


def _off_day(day_column: str, columns: dict[str, pl.DataType], day: dt.date) -> pl.Expr:
    value = pl.col(day_column)
    on = value.dt.date() if isinstance(columns[day_column], pl.Datetime) else value
    return (
        pl.when(value.is_null())
        .then(pl.lit(f"{day_column} is empty: the row cannot be placed on a day"))
        .when(on != pl.lit(day))
        .then(
            pl.format(
                "{} {} is not on {}, the day of its file",
                pl.lit(day_column),
                on.cast(pl.String),
                pl.lit(day.isoformat()),
            )
        )
        .otherwise(None)
    )


def _type_name(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime):
        return "an ISO-8601 time with its offset"
    if dtype == pl.Date():
        return "a date (YYYY-MM-DD)"
    return {pl.Float64(): "a number", pl.Int64(): "a whole number"}.get(dtype, str(dtype))
