"""Run the Listener dbt project in-process against a throw-away DuckDB warehouse.

Reusable by any test that needs the marts built from hand-made rows:

    warehouse = create_raw_warehouse(tmp_path / "listener.duckdb")
    insert_raw_rows(warehouse, "brands", [{"brand": "nimbus", "brand_name": "Nimbus", ...}])
    run = run_dbt(["build"], warehouse=warehouse, work_dir=tmp_path / "dbt")
    assert run.success, run.summary()
    rows = query(warehouse, "select * from marts.share_of_voice")

dbt runs through `dbtRunner` (no subprocess, no CLI start-up cost) with its target/ and logs/
under `work_dir`, so nothing is written into the repository. The warehouse path reaches the
committed profiles.yml through LISTENER_WAREHOUSE_PATH, set only for the duration of the call:
dbt reads the environment afresh on every invocation (checked by the tests, which build two
warehouses in one process). dbt-duckdb keeps the database open in the process after an
invocation; `run_dbt` closes it (`release_duckdb`), so the caller can open the file afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from dbt.cli.main import dbtRunner

from transforms.warehouse import parsed_manifest, project_hash, release_dbt_duckdb
from transforms.warehouse_schema import RAW_SCHEMA, RAW_TABLES, create_raw_tables_sql

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

FAILED_STATUSES = frozenset({"fail", "error", "runtime error"})


@dataclass(frozen=True)
class DbtRun:
    """What one dbt invocation did: overall success and the status of every node it touched."""

    success: bool
    statuses: dict[str, str] = field(default_factory=dict)  # node name -> pass/fail/success/...
    exception: BaseException | None = None
    messages: dict[str, str] = field(default_factory=dict)  # failed node name -> dbt's message

    def with_status(self, *statuses: str) -> set[str]:
        return {name for name, status in self.statuses.items() if status in statuses}

    @property
    def failed(self) -> set[str]:
        return {name for name, status in self.statuses.items() if status in FAILED_STATUSES}

    def summary(self) -> str:
        lines = [f"success={self.success} exception={self.exception!r}"]
        lines += [f"  {status:8} {name}" for name, status in sorted(self.statuses.items())]
        lines += [f"{name}: {message}" for name, message in sorted(self.messages.items())]
        return "\n".join(lines)


def run_dbt(
    args: Sequence[str],
    *,
    warehouse: Path,
    work_dir: Path,
    dbt_vars: Mapping[str, Any] | None = None,
) -> DbtRun:
    """Invoke dbt (e.g. ["build"], ["test", "--select", "marts"]) against `warehouse`."""
    work_dir.mkdir(parents=True, exist_ok=True)
    common = [
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target",
        "duckdb",
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
        "--no-use-colors",
    ]
    if dbt_vars:
        common += ["--vars", json.dumps(dict(dbt_vars))]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LISTENER_WAREHOUSE_PATH", str(warehouse))
        env.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        manifest = None
        if args[0] in PARSED_COMMANDS:
            key = json.dumps(["tests", project_hash(dict(dbt_vars or {})), warehouse.stem])
            manifest = parsed_manifest(key, lambda: common)
        try:
            result = dbtRunner(manifest=manifest).invoke([*args, *common])
        finally:
            release_duckdb()
    statuses, messages = {}, {}
    for node_result in getattr(result.result, "results", None) or []:
        status = str(getattr(node_result.status, "value", node_result.status))
        statuses[node_result.node.name] = status
        if status in FAILED_STATUSES:  # why it failed, for the assertion's message
            messages[node_result.node.name] = _failure_message(node_result, status, warehouse)
    return DbtRun(
        success=result.success, statuses=statuses, exception=result.exception, messages=messages
    )


release_duckdb = release_dbt_duckdb


def _failure_message(node_result: Any, status: str, warehouse: Path) -> str:
    """dbt's message, and for a failed data test the first rows it returned (the query run again
    on the warehouse as the build left it), so an assertion shows what was wrong."""
    message = str(node_result.message)
    sql = getattr(node_result.node, "compiled_code", None)
    if status != "fail" or not sql:
        return message
    try:
        rows = query(warehouse, f"select * from ({sql}) as failures limit 5")
    except duckdb.Error as error:
        return f"{message}; its query again: {error}"
    return f"{message}; first rows: {rows}"


# Commands that run on the project as parsed once per session (as the pipeline does per process,
# transforms/warehouse.py): a parse is 3-6 s of each invocation otherwise, every test warehouse
# having its own target folder. `docs generate` parses itself, to write manifest.json.
PARSED_COMMANDS = frozenset({"build", "run", "test"})


def create_raw_warehouse(path: Path) -> Path:
    """A new DuckDB file with the empty `raw` schema the pipeline loads into."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        for statement in create_raw_tables_sql():
            con.execute(statement)
    return path


def insert_raw_rows(warehouse: Path, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert rows into raw.<table>; columns a row leaves out are null."""
    schema = RAW_TABLES[table][0]
    rows = list(rows)
    for row in rows:
        unknown = set(row) - set(schema)
        if unknown:
            raise KeyError(f"raw.{table} has no column(s) {sorted(unknown)}")
    if not rows:
        return
    # One columnar insert through Polars: row-by-row executemany takes seconds per thousand rows.
    columns = {name: [row.get(name) for row in rows] for name in schema}
    frame = pl.DataFrame(columns, schema={n: _naive(d) for n, d in schema.items()})  # noqa: F841
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"insert into {RAW_SCHEMA}.{table} ({', '.join(schema)}) select * from frame")


def _naive(dtype: pl.DataType) -> pl.DataType:
    # Test rows carry naive UTC datetimes, as the raw tables store them.
    return pl.Datetime("us") if isinstance(dtype, pl.Datetime) else dtype


def query(warehouse: Path, sql: str) -> list[dict[str, Any]]:
    """Rows of a query as dicts, read from the warehouse without holding it open."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
