"""Copy the `raw` schema of a DuckDB warehouse into PostgreSQL, so dbt builds the same marts there.

PostgreSQL is Listener's server warehouse (dbt target `postgres` in dbt_project/profiles.yml).
The pipeline loads DuckDB; this copies what it loaded, table by table, with PostgreSQL's COPY, so a
team that outgrows one machine runs `dbt build --target postgres` on a server warehouse that BI
tools share. Connection settings come from the same environment variables profiles.yml reads
(LISTENER_PG_HOST, _PORT, _USER, _PASSWORD, _DATABASE): no secret lives in the repository.

All tables are replaced in one transaction, so a reader sees the old copy or the new one. The
copy replaces every raw table wholesale, so build the PostgreSQL marts after it with
`dbt build --full-refresh` (the incremental bookkeeping in raw.pending_days belongs to DuckDB).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from transforms.warehouse_schema import RAW_SCHEMA, RAW_TABLES, create_table_sql

# What a NULL looks like in the CSV that travels from DuckDB to PostgreSQL: an empty field would
# be ambiguous with an empty string.
CSV_NULL = r"\N"


@dataclass(frozen=True)
class PostgresSettings:
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    database: str = "test"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PostgresSettings:
        env = os.environ if env is None else env
        return cls(
            host=env.get("LISTENER_PG_HOST", cls.host),
            port=int(env.get("LISTENER_PG_PORT", cls.port)),
            user=env.get("LISTENER_PG_USER", cls.user),
            password=env.get("LISTENER_PG_PASSWORD", cls.password),
            database=env.get("LISTENER_PG_DATABASE", cls.database),
        )

    def connect(self, database: str | None = None):
        import psycopg2

        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=database or self.database,
            connect_timeout=10,
        )


def copy_raw_schema(warehouse: Path, settings: PostgresSettings) -> dict[str, int]:
    """Replace every raw table in PostgreSQL with the DuckDB warehouse's rows; rows per table."""
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="listener-pg-") as tmp:
        csv_dir = Path(tmp)
        with duckdb.connect(str(warehouse), read_only=True) as source:
            for table in RAW_TABLES:
                _export_csv(source, table, csv_dir / f"{table}.csv")
        connection = settings.connect()
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(f"create schema if not exists {RAW_SCHEMA}")
                for table in RAW_TABLES:
                    counts[table] = _replace_table(cursor, table, csv_dir / f"{table}.csv")
        finally:
            connection.close()
    return counts


def _export_csv(source: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    columns = ", ".join(RAW_TABLES[table][0])
    source.execute(
        f"copy (select {columns} from {RAW_SCHEMA}.{table}) to '{path}' "
        f"(format csv, header true, nullstr '{CSV_NULL}')"
    )


def _replace_table(cursor, table: str, csv_path: Path) -> int:
    columns = ", ".join(RAW_TABLES[table][0])
    cursor.execute(f"drop table if exists {RAW_SCHEMA}.{table} cascade")
    cursor.execute(create_table_sql(table))
    with csv_path.open(encoding="utf-8") as handle:
        cursor.copy_expert(
            f"copy {RAW_SCHEMA}.{table} ({columns}) from stdin "
            f"with (format csv, header true, null '{CSV_NULL}')",
            handle,
        )
    # Fresh statistics, or the planner takes the new tables for empty and picks nested loops.
    cursor.execute(f"analyze {RAW_SCHEMA}.{table}")
    cursor.execute(f"select count(*) from {RAW_SCHEMA}.{table}")
    return int(cursor.fetchone()[0])


def create_database(settings: PostgresSettings, name: str) -> PostgresSettings:
    """A new, empty database `name` on the same server (replacing one of that name)."""
    connection = settings.connect(database="postgres")
    connection.autocommit = True  # CREATE DATABASE cannot run inside a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'drop database if exists "{name}" with (force)')
            cursor.execute(f'create database "{name}"')
    finally:
        connection.close()
    return PostgresSettings(settings.host, settings.port, settings.user, settings.password, name)


def drop_database(settings: PostgresSettings) -> None:
    connection = settings.connect(database="postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'drop database if exists "{settings.database}" with (force)')
    finally:
        connection.close()


def table_rows(settings: PostgresSettings, schema: str, table: str) -> list[tuple]:
    connection = settings.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"select * from {schema}.{table}")
            return [tuple(row) for row in cursor.fetchall()]
    finally:
        connection.close()


def table_names(settings: PostgresSettings, schema: str) -> list[str]:
    connection = settings.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "select table_name from information_schema.tables "
                "where table_schema = %s and table_type in ('BASE TABLE', 'VIEW') "
                "order by table_name",
                [schema],
            )
            return [row[0] for row in cursor.fetchall()]
    finally:
        connection.close()
