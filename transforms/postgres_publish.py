"""The published marts, copied into the PostgreSQL warehouse that BI tools share.

After every publication (warehouse DAG, task `publish_postgres`) each table of the published
DuckDB file goes into the schema `bi.schema` (default `marts`) of the database behind the Airflow
connection `bi.postgres_connection` (compose: warehouse-postgres), with the dbt descriptions as
table and column comments. Everything happens in one transaction, so a dashboard sees the whole
previous set of marts or the whole new one, never a mix; the `bi.readers` roles get SELECT on
the new tables. Without the connection the step is skipped: the DuckDB file is the default.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from transforms import zones
from transforms.config import Config
from transforms.connectors.credentials import connection_fields
from transforms.errors import ListenerError
from transforms.postgres_warehouse import CSV_NULL, PostgresSettings

# The column types the marts use (dbt contracts), as PostgreSQL spells them.
POSTGRES_TYPES = {
    "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz", "INTEGER": "integer", "BIGINT": "bigint",
    "SMALLINT": "smallint", "DOUBLE": "double precision", "FLOAT": "real", "VARCHAR": "text",
    "HUGEINT": "numeric", "UBIGINT": "numeric",
}  # fmt: skip


class PostgresPublishError(ListenerError):
    """The marts could not be copied into the PostgreSQL warehouse."""


def warehouse_connection(config: Config) -> PostgresSettings | None:
    """The BI warehouse's connection settings, or None when the connection is not defined."""
    conn = connection_fields(config.bi.postgres_connection)
    if conn is None or not conn.host:
        return None
    return PostgresSettings(
        host=conn.host,
        port=conn.port or 5432,
        user=conn.login or "postgres",
        password=conn.password or "",
        database=conn.schema or "postgres",
    )


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, str | None]]:
    rows = con.execute(
        "select column_name, data_type, comment from duckdb_columns() "
        "where database_name = current_database() and schema_name = 'main' and table_name = ? "
        "order by column_index",
        [table],
    ).fetchall()
    unknown = [f"{name} {kind}" for name, kind, _ in rows if kind not in POSTGRES_TYPES]
    if unknown:
        raise PostgresPublishError(f"{table}: no PostgreSQL type for {', '.join(unknown)}")
    return rows


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """The published marts and their descriptions; a view (computed when read in the DuckDB file)
    is copied as the table it computes."""
    rows = con.execute(
        "select table_name, comment from duckdb_tables() "
        "where database_name = current_database() and schema_name = 'main' "
        "union all select view_name, comment from duckdb_views() "
        "where database_name = current_database() and schema_name = 'main' and not internal "
        "order by 1"
    ).fetchall()
    return dict(rows)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _load_table(cursor, schema: str, table: str, columns, comment: str | None, csv: Path) -> int:
    target = f'{schema}."{table}"'
    cursor.execute(f"drop table if exists {target}")
    spec = ", ".join(f'"{name}" {POSTGRES_TYPES[kind]}' for name, kind, _ in columns)
    cursor.execute(f"create table {target} ({spec})")
    with csv.open(encoding="utf-8") as handle:
        cursor.copy_expert(
            f"copy {target} from stdin with (format csv, header true, null '{CSV_NULL}')", handle
        )
    if comment:
        cursor.execute(f"comment on table {target} is {_literal(comment)}")
    for name, _, text in columns:
        if text:
            cursor.execute(f'comment on column {target}."{name}" is {_literal(text)}')
    cursor.execute(f"analyze {target}")
    cursor.execute(f"select count(*) from {target}")
    return int(cursor.fetchone()[0])


def _drop_others(cursor, schema: str, keep: set[str]) -> list[str]:
    """Tables of the schema that are no longer published (a mart removed from dbt)."""
    cursor.execute(
        "select table_name from information_schema.tables "
        "where table_schema = %s and table_type = 'BASE TABLE'",
        [schema],
    )
    stale = sorted(row[0] for row in cursor.fetchall() if row[0] not in keep)
    for table in stale:
        cursor.execute(f'drop table {schema}."{table}"')
    return stale


def _grant(cursor, schema: str, readers: list[str]) -> list[str]:
    """SELECT for the reader roles that exist (a missing role is not an error: a team may
    not have created it)."""
    cursor.execute("select rolname from pg_roles where rolname = any(%s)", [readers])
    present = sorted(row[0] for row in cursor.fetchall())
    for role in present:
        cursor.execute(f'grant usage on schema {schema} to "{role}"')
        cursor.execute(f'grant select on all tables in schema {schema} to "{role}"')
    return present


def publish_to_postgres(config: Config, settings: PostgresSettings) -> dict[str, int]:
    """Replace the BI warehouse's marts with the published ones; rows per table."""
    schema = config.bi.schema_name
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="listener-bi-") as tmp:
        with duckdb.connect(str(zones.published_warehouse(config)), read_only=True) as source:
            tables = _tables(source)
            columns = {table: _columns(source, table) for table in tables}
            for table in tables:
                source.execute(
                    f"copy (select * from main.\"{table}\") to '{Path(tmp) / table}.csv' "
                    f"(format csv, header true, nullstr '{CSV_NULL}')"
                )
        try:
            connection = settings.connect()
        except Exception as error:  # psycopg2.OperationalError: unreachable, auth, no database
            raise PostgresPublishError(
                f"cannot reach the BI warehouse {settings.host}:{settings.port}/"
                f"{settings.database}: {error}"
            ) from error
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(f"create schema if not exists {schema}")
                for table, comment in tables.items():
                    counts[table] = _load_table(
                        cursor, schema, table, columns[table], comment, Path(tmp) / f"{table}.csv"
                    )
                _drop_others(cursor, schema, set(tables))
                _grant(cursor, schema, config.bi.readers)
        finally:
            connection.close()
    return counts
