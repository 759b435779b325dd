"""The warehouse's `raw` schema: the tables the pipeline loads and dbt reads as sources.

Table definitions are derived from `transforms.schema`, so a column added there appears here.
Timestamps are stored as UTC without a zone (`timestamp`), which DuckDB and PostgreSQL treat alike.
"""

from __future__ import annotations

import polars as pl

from transforms import schema

RAW_SCHEMA = "raw"

# table name -> (columns, the column that says which day a row belongs to)
RAW_TABLES: dict[str, tuple[dict[str, pl.DataType], str | None]] = {
    "posts": (schema.CLASSIFIED_POST, "day"),
    "post_brands": (schema.POST_BRAND, "day"),
    "post_snapshots": (schema.POST_SNAPSHOT, "day"),
    "quarantine": (schema.QUARANTINE, "day"),
    "brands": (schema.BRAND, None),
    "model_versions": (schema.MODEL_VERSION, None),
    "web_sessions": (schema.FUNNEL["web_sessions"], "started_at"),
    "leads": (schema.FUNNEL["leads"], "created_at"),
    "opportunities": (schema.FUNNEL["opportunities"], "created_at"),
    "orders": (schema.FUNNEL["orders"], "ordered_at"),
    "campaign_spend": (schema.FUNNEL["campaign_spend"], "day"),
    "load_audit": (
        {
            "day": pl.Date(),
            "source": pl.String(),
            "batch_id": pl.String(),
            "rows_read": pl.Int64(),
            "rows_accepted": pl.Int64(),
            "rows_quarantined": pl.Int64(),
            "files": pl.String(),  # comma-separated file names (empty for API batches)
            "watermark_before": pl.String(),
            "watermark_after": pl.String(),
            "committed_at": pl.String(),
            # Rows an erasure request removed since: read = accepted + quarantined + erased.
            # Last, so warehouses created before it get it by `add column` in the same place.
            "rows_erased": pl.Int64(),
        },
        "day",
    ),
    # Raw batches the raw checkpoint held back (transforms/batch_quarantine.py): their rows are
    # neither in posts nor in quarantine, so the accounting of a day needs them.
    "quarantined_batches": (
        {
            "day": pl.Date(),
            "source": pl.String(),
            "batch_id": pl.String(),
            "rows_read": pl.Int64(),
            "rows_accepted": pl.Int64(),
            "rows_quarantined": pl.Int64(),
            "failures": pl.String(),  # the failed expectations, one per line
            "report": pl.String(),
            "quarantined_at": pl.String(),
            "rows_erased": pl.Int64(),
        },
        "day",
    ),
    # Days loaded since the marts were last published, with the earliest day any of their posts
    # was first seen. A build recomputes the posts with rows on these days and the posts a
    # re-loaded day dropped (dbt_project/models/staging/stg_listener__post_changes.sql); a
    # publication empties it.
    "pending_days": (
        {
            "day": pl.Date(),
            "oldest_first_seen_day": pl.Date(),
            # When the day was loaded: a publication clears only the loads its build saw, so a
            # load during a build stays pending for the next one.
            "loaded_at": pl.Datetime("us"),
        },
        "day",
    ),
}


def sql_type(dtype: pl.DataType) -> str:
    """The portable SQL type for a Polars type."""
    if dtype == pl.String():
        return "varchar"
    if dtype == pl.Int64():
        return "bigint"
    if dtype == pl.Float64():
        return "double precision"
    if dtype == pl.Boolean():
        return "boolean"
    if dtype == pl.Date():
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "timestamp"
    raise TypeError(f"no SQL type for {dtype}")


def create_table_sql(table: str) -> str:
    columns, _ = RAW_TABLES[table]
    body = ",\n  ".join(f"{name} {sql_type(dtype)}" for name, dtype in columns.items())
    return f"create table if not exists {RAW_SCHEMA}.{table} (\n  {body}\n)"


def add_columns_sql(table: str) -> list[str]:
    """Columns added to the schema since a warehouse was created (no-ops when present)."""
    columns, _ = RAW_TABLES[table]
    return [
        f"alter table {RAW_SCHEMA}.{table} add column if not exists {name} {sql_type(dtype)}"
        for name, dtype in columns.items()
    ]


def create_raw_tables_sql() -> list[str]:
    """DDL that creates the raw schema and every raw table, idempotently."""
    statements = [f"create schema if not exists {RAW_SCHEMA}"]
    for table in RAW_TABLES:
        statements += [create_table_sql(table), *add_columns_sql(table)]
    return statements
