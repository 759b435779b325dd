"""Warehouse: load a gated day into DuckDB, build the marts with dbt, publish a read-only copy.

DuckDB allows one writing process per file, so everything here runs in the calling process, one
step at a time: the Airflow DAGs run with max_active_runs=1 and never in parallel on this file.
Loads are idempotent by day: a day's rows are deleted and inserted again in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from transforms import raw_zone, zones
from transforms.config import FUNNEL_TABLES, PROJECT_ROOT, Config
from transforms.errors import GateStopped, ListenerError
from transforms.failpoints import failpoint
from transforms.files import write_atomic_bytes
from transforms.funnel_files import read_funnel_day
from transforms.warehouse_schema import RAW_SCHEMA, RAW_TABLES, create_raw_tables_sql, sql_type

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
MARTS_SCHEMA = "marts"
WAREHOUSE_MEMORY_LIMIT = os.environ.get("LISTENER_DUCKDB_MEMORY_LIMIT", "1GB")
DBT_CHECKPOINT = "dbt_build"


class DbtBuildError(GateStopped):
    """dbt build failed: a model or a data test did not pass."""


def connect(config: Config) -> duckdb.DuckDBPyConnection:
    path = zones.warehouse_file(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    # DuckDB's buffer pool defaults to 80% of the machine's memory; a bound keeps a load's peak
    # predictable next to Polars and other tasks on the worker (DuckDB spills past it).
    con = duckdb.connect(str(path), config={"memory_limit": WAREHOUSE_MEMORY_LIMIT})
    # Parquet timestamps are UTC instants; the raw tables hold them as naive UTC.
    con.execute("set TimeZone = 'UTC'")
    # Row order in the raw tables means nothing (models order what they need): inserting
    # without preserving it lets DuckDB write in parallel (a day of 1M posts: 5.7 -> 3.2 s).
    con.execute("set preserve_insertion_order = false")
    for statement in create_raw_tables_sql():
        con.execute(statement)
    return con


def _replace_day(
    con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, day: dt.date
) -> int:
    """Delete the day's rows of a raw table and insert the frame's rows (same transaction)."""
    columns, day_column = RAW_TABLES[table]
    if day_column is None:
        raise ValueError(f"{table} has no day column")
    if isinstance(columns[day_column], pl.Datetime):
        condition = f"cast({day_column} as date) = ?"
    else:
        condition = f"{day_column} = ?"
    typed = (
        frame.select(list(columns))
        .cast(columns)
        .with_columns(
            pl.col(name).dt.replace_time_zone(None)
            for name, dtype in columns.items()
            if isinstance(dtype, pl.Datetime)
        )
    )
    con.execute(f"delete from {RAW_SCHEMA}.{table} where {condition}", [day])
    con.register("incoming", typed.to_arrow())
    (rows,) = con.execute(
        f"insert into {RAW_SCHEMA}.{table} select {', '.join(columns)} from incoming"
    ).fetchone()
    con.unregister("incoming")
    return int(rows)


def load_brands(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    rows = [(b.slug, b.name, b.slug == config.brands.tracked.slug) for b in config.brands.all]
    con.execute(f"delete from {RAW_SCHEMA}.brands")
    con.executemany(f"insert into {RAW_SCHEMA}.brands values (?, ?, ?)", rows)


def load_model_versions(con: duckdb.DuckDBPyConnection, config: Config) -> int:
    """Replace raw.model_versions with the registry's cards, so quality is tracked over time."""
    from transforms.model_registry import all_cards

    columns = RAW_TABLES["model_versions"][0]
    frame = pl.DataFrame(
        [
            {**{k: getattr(card, k) for k in columns if k != "is_current"}, "is_current": current}
            for card, current in all_cards(zones.models_dir(config))
        ],
        schema=columns,
    )
    con.execute(f"delete from {RAW_SCHEMA}.model_versions")
    con.register("incoming", frame.to_arrow())
    con.execute(
        f"insert into {RAW_SCHEMA}.model_versions select {', '.join(columns)} from incoming"
    )
    con.unregister("incoming")
    return frame.height


def audit_rows(manifests: list[raw_zone.Manifest]) -> pl.DataFrame:
    """One load_audit row per committed raw batch of the day."""
    return pl.DataFrame(
        [
            {
                "day": dt.date.fromisoformat(m.day),
                "source": m.source,
                "batch_id": m.batch_id,
                "rows_read": m.rows_read,
                "rows_accepted": m.rows_accepted,
                "rows_quarantined": m.rows_quarantined,
                "files": ",".join(f.name for f in m.files),
                "watermark_before": m.watermark_before,
                "watermark_after": m.watermark_after,
                "committed_at": m.committed_at,
                "rows_erased": m.erased_rows,
            }
            for m in manifests
        ],
        schema=RAW_TABLES["load_audit"][0],
    )


def quarantined_batch_rows(config: Config, day: dt.date) -> pl.DataFrame:
    """One raw.quarantined_batches row per batch of the day held back in quarantine."""
    from transforms.batch_quarantine import records

    held = [r for r in records(config) if r.scope == "batch" and r.is_open and r.run == str(day)]
    rows = []
    for record in held:
        folder = raw_zone.batch_dir(config, record.source or "", day, record.record_id)
        manifest = raw_zone.read_manifest(folder)
        rows.append(
            {
                "day": day,
                "source": record.source,
                "batch_id": record.record_id,
                "rows_read": manifest.rows_read,
                "rows_accepted": manifest.rows_accepted,
                "rows_quarantined": manifest.rows_quarantined,
                "failures": "\n".join(record.failures),
                "report": record.report,
                "quarantined_at": record.quarantined_at,
                "rows_erased": manifest.erased_rows,
            }
        )
    return pl.DataFrame(rows, schema=RAW_TABLES["quarantined_batches"][0])


def _replace_day_from_parquet(
    con: duckdb.DuckDBPyConnection, table: str, files: dict[str, list[Path]], day: dt.date,
    join: str = "",
) -> int:  # fmt: skip
    """Delete the day's rows of a raw table and insert them from Parquet files, read by DuckDB
    itself: in parallel, in pieces, under its memory limit (a day of millions of posts never
    passes through Python). `files` maps an alias to its files; every column is taken from the
    first alias that has it, cast to the raw table's type."""
    columns, day_column = RAW_TABLES[table]
    con.execute(f"delete from {RAW_SCHEMA}.{table} where {day_column} = ?", [day])
    present = {alias: paths for alias, paths in files.items() if paths}
    if not present:
        return 0  # no batch of the day holds any (e.g. every source was quiet)
    if len(present) < len(files):
        missing = sorted(set(files) - set(present))
        raise FileNotFoundError(f"cannot load {table} of {day}: no files for {missing}")
    stored = {
        alias: {row[0] for row in con.execute(
            "describe select * from read_parquet(?, union_by_name = true)",
            [[str(p) for p in paths]]).fetchall()}
        for alias, paths in present.items()
    }  # fmt: skip
    select = []
    for name, dtype in columns.items():
        alias = next((a for a in present if name in stored[a]), None)
        value = f"{alias}.{name}" if alias else "null"
        select.append(f"cast({value} as {sql_type(dtype)}) as {name}")
    sources = [f"read_parquet(?, union_by_name = true) as {alias}" for alias in present]
    sql = (
        f"insert into {RAW_SCHEMA}.{table} select {', '.join(select)} from {sources[0]} "
        + "".join(f" join {source} using ({join})" for source in sources[1:])
    )
    params = [[str(p) for p in paths] for paths in present.values()]
    (rows,) = con.execute(sql, params).fetchone()
    return int(rows)


def _append(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Insert rows into a raw table whose day was just emptied (same transaction)."""
    if frame.is_empty():
        return 0
    con.register("incoming", frame.to_arrow())
    (rows,) = con.execute(
        f"insert into {RAW_SCHEMA}.{table} by name select * from incoming"
    ).fetchone()
    con.unregister("incoming")
    return int(rows)


def _existing(paths: Iterable[Path]) -> list[Path]:
    return [p for p in paths if p.exists()]


def load_day(config: Config, day: dt.date) -> dict[str, int]:
    """Load one gated day into `raw`: posts, brand matches, engagement snapshots, quarantined
    rows and batches, the day's batch manifests and the funnel tables, in one transaction.

    The big tables (posts, brand matches, snapshots, quarantined rows) go from the Parquet
    files of the clean and raw zones straight into DuckDB; the small ones through Polars."""
    sources = [s.name for s in config.sources]
    raw_zone.ensure_not_expired(config, sources, day)  # never replace a day with an empty one
    partition = zones.clean_partition(config, day)
    batches = [b for s in sources for b in raw_zone.admitted_batches(config, s, day)]
    from_parquet = {
        # The classified post: the clean post with what classification added and changed.
        "posts": ({"c": [partition / "classifications.parquet"],
                   "p": [partition / "posts.parquet"]}, "post_id"),
        "post_brands": ({"b": [partition / "brands.parquet"]}, ""),
        "post_snapshots": ({"s": _existing(b / "posts.parquet" for b in batches)}, ""),
        "quarantine": ({"q": _existing(b / "quarantine.parquet" for b in batches)}, ""),
    }  # fmt: skip
    small: dict[str, pl.DataFrame] = {
        "load_audit": audit_rows(raw_zone.day_manifests(config, sources, day)),
        "quarantined_batches": quarantined_batch_rows(config, day),
    }
    funnel = {table: read_funnel_day(config, table, day) for table in FUNNEL_TABLES}
    small.update({table: read.rows for table, read in funnel.items()})
    # rows of the exports that cannot be loaded, with the reason (transforms/funnel_files.py)
    funnel_quarantined = pl.concat([read.quarantined for read in funnel.values()])
    incoming = (
        pl.read_parquet(partition / "posts.parquet", columns=["post_id", "created_at"])
        if (partition / "posts.parquet").exists()
        else pl.DataFrame(schema={"post_id": pl.String(), "created_at": pl.Datetime("us", "UTC")})
    )
    counts: dict[str, int] = {}
    with connect(config) as con:
        con.execute("begin transaction")
        load_brands(con, config)
        counts["model_versions"] = load_model_versions(con, config)
        pending = pending_day(con, incoming, day)
        for table, (files, join) in from_parquet.items():
            counts[table] = _replace_day_from_parquet(con, table, files, day, join)
        counts["funnel_quarantined"] = _append(con, "quarantine", funnel_quarantined)
        counts["quarantine"] += counts["funnel_quarantined"]
        failpoint("load:posts-inserted")  # a kill here must leave the day as it was
        for table, frame in small.items():
            counts[table] = _replace_day(con, table, frame, day)
        _replace_day(con, "pending_days", pending, day)
        con.execute("commit")
    return counts


def pending_day(con: duckdb.DuckDBPyConnection, posts: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """The row of raw.pending_days for a day about to be loaded: the day, and the earliest day
    on which any of its posts (or the posts it replaces) was first seen."""
    con.register("incoming_posts", posts.select("post_id").to_arrow())
    # Posts in the new load, and posts of the day's previous load (which it may drop).
    (oldest,) = con.execute(
        f"select min(day) from {RAW_SCHEMA}.posts where post_id in ("
        f"select post_id from incoming_posts union "
        f"select post_id from {RAW_SCHEMA}.posts where day = ?)",
        [day],
    ).fetchall()[0]
    con.unregister("incoming_posts")
    oldest = day if oldest is None else min(oldest, day)
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # bookkeeping, not data
    return pl.DataFrame({"day": [day], "oldest_first_seen_day": [oldest], "loaded_at": [loaded_at]})


@dataclass(frozen=True)
class DbtResult:
    success: bool
    nodes: int
    failures: list[str]
    log_path: str


def run_dbt(
    config: Config,
    command: str = "build",
    extra: list[str] | None = None,
    target: str | None = None,
) -> DbtResult:
    """Run a dbt command in-process against the working warehouse file (target `duckdb`), or
    against the PostgreSQL warehouse that the LISTENER_PG_* environment variables name. A build
    runs on the project as parsed once in this process (`parsed_project`)."""
    from dbt.cli.main import dbtRunner

    manifest = parsed_project(config, target) if command == "build" else None
    try:
        # "build", "docs generate", "source freshness"
        args = [*command.split(), *_dbt_args(config, target), *(extra or [])]
        outcome = dbtRunner(manifest=manifest).invoke(args)
    finally:
        release_dbt_duckdb()
    results = getattr(outcome.result, "results", None) or []
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message or ''}".strip()
        for r in results
        if str(r.status) in {"error", "fail", "runtime error"}
    ]
    if outcome.exception is not None:
        failures.append(f"dbt raised: {outcome.exception}")
    return DbtResult(
        success=bool(outcome.success) and not failures,
        nodes=len(results),
        failures=failures,
        log_path=str(config.data_dir / "dbt" / "logs" / "dbt.log"),
    )


DBT_LOG_LEVELS = ("debug", "info", "warn", "error", "none")


def dbt_file_log_level() -> str:
    """dbt's file log level: LISTENER_DBT_LOG_LEVEL (debug to see every statement), else info."""
    level = os.environ.get("LISTENER_DBT_LOG_LEVEL", "info").strip().lower()
    if level not in DBT_LOG_LEVELS:
        raise ListenerError(
            f"LISTENER_DBT_LOG_LEVEL={level!r}: expected one of {', '.join(DBT_LOG_LEVELS)}"
        )
    return level


def _dbt_args(config: Config, target: str | None) -> list[str]:
    """The arguments every invocation takes: the project, the data directory's target and log
    folders, the target, the vars; and the warehouse file, which profiles.yml reads from the
    environment."""
    os.environ["LISTENER_WAREHOUSE_PATH"] = str(zones.warehouse_file(config))
    dbt_dir = config.data_dir / "dbt"
    return [
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(dbt_dir / "target"),
        "--log-path", str(dbt_dir / "logs"),
        # No console log: dbt formats every event for each log it keeps, whatever its level
        # (the console's --quiet filters after), and failures come back in the results. The
        # file log is what a failed build's report points to: at info it has every node's
        # start, end and error; debug adds every SQL statement and its time, which costs a
        # daily build at 10M posts about 0.85 s (docs/performance.md).
        "--log-level", "none", "--log-level-file", dbt_file_log_level(),
        *(["--target", target] if target else []),
        "--vars", json.dumps(dbt_vars(config)),
    ]  # fmt: skip


# Parsing the project costs dbt 3-6 s whenever the target folder does not hold the previous parse
# (another data directory, a new process without it), then under a second. A process that builds
# again and again (a backfill, an erasure, the test suite: dozens of warehouses) parses once per
# version of the project and hands dbt the manifest (dbtRunner(manifest=...), dbt's programmatic
# API, which reuses one manifest across invocations). dbt renders every node again on each run;
# what it keeps is that it injected ephemeral models' CTEs, so a project with ephemeral models is
# parsed on every build instead (this one has none). A pickle would not do: Manifest's
# __reduce_ex__ in dbt 1.11 leaves out fields and misplaces its lookups.
_PARSED_PROJECTS: dict[str, Any] = {}


def parsed_project(config: Config, target: str | None = None) -> Any:
    """The project as `dbt parse` reads it for this data directory and target (the parse is also
    left in the target folder), or None when it does not parse: the build then reports why.
    What a manifest depends on is in the key: the project's files and vars, the target and its
    database (for DuckDB, the warehouse file's name)."""
    server = {k: v for k, v in sorted(os.environ.items()) if k.startswith("LISTENER_PG_")}
    database = zones.warehouse_file(config).stem
    key = json.dumps([project_fingerprint(config), target or "duckdb", database, server])
    return parsed_manifest(key, lambda: _dbt_args(config, target))


def parsed_manifest(key: str, parse_args: Callable[[], list[str]]) -> Any:
    """The manifest parsed under `key` in this process, parsed now (`dbt parse` with
    `parse_args()`) if it was not yet; None when the project does not parse, or has ephemeral
    models (above)."""
    from dbt.cli.main import dbtRunner

    if key not in _PARSED_PROJECTS:
        try:
            parsed = dbtRunner().invoke(["parse", *parse_args()])
        finally:
            release_dbt_duckdb()
        if not parsed.success:
            return None
        nodes = parsed.result.nodes.values()
        if any(getattr(n.config, "materialized", "") == "ephemeral" for n in nodes):
            return None
        _PARSED_PROJECTS[key] = parsed.result
    return _PARSED_PROJECTS[key]


def dbt_vars(config: Config) -> dict[str, object]:
    """The dbt vars the pipeline sets from its configuration."""
    return {"attribution_lookback_days": config.funnel.attribution_lookback_days}


# What a model's rows depend on besides the data: its SQL, the macros and tests, the project's
# settings and vars. Targets, logs and installed packages are dbt's own output, hidden files
# (dbt's `.user.yml`) its own bookkeeping.
PROJECT_FILES = ("*.sql", "*.yml", "*.yaml", "*.csv")
NOT_PROJECT_FILES = {"target", "logs", "dbt_packages"}


# Every node of a build but the views (tests selected directly, so those of views run too).
INCREMENTAL_BUILD_SELECTION = " ".join(
    ["config.materialized:table", "config.materialized:incremental", "test_type:data"]
)


def project_fingerprint(config: Config) -> str:
    """A hash of the dbt project's files and the vars the pipeline passes: when it changes (a
    new Listener version, a changed setting) the marts built so far were computed by other SQL,
    and the next build is a full refresh."""
    return project_hash(dbt_vars(config))


def project_hash(variables: dict[str, Any]) -> str:
    """A hash of the dbt project's files (those under DBT_PROJECT_DIR now) and these vars."""
    digest = hashlib.sha256(json.dumps(variables, sort_keys=True).encode())
    files = {
        path
        for pattern in PROJECT_FILES
        for path in DBT_PROJECT_DIR.rglob(pattern)
        if not _outside_project(path.relative_to(DBT_PROJECT_DIR).parts)
    }
    for path in sorted(files):
        digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _outside_project(parts: tuple[str, ...]) -> bool:
    return bool(NOT_PROJECT_FILES & set(parts)) or any(p.startswith(".") for p in parts)


def release_dbt_duckdb() -> None:
    """Close the database dbt-duckdb keeps open in this process after an invocation.

    dbt-duckdb caches its open database on a class attribute for the life of the process; left
    open, the file stays locked against our own later connections (publish, a second run).
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if environment is not None:
            environment.close()


def build_marts(config: Config, full_refresh: bool = False) -> DbtResult:
    """`dbt build`: models and their data tests. A failure records the stopped build in the
    quarantine ledger (the published marts stay as they were) and raises. `full_refresh`
    rebuilds incremental marts from every row (after rows were deleted, e.g. an erasure).

    Otherwise the incremental models rewrite only what the loads since the last build changed
    (dbt_project/macros/changed_rows.sql), which assumes the marts are what that build left. So
    the build is a full refresh when the previous one did not finish (it failed or was killed,
    or predates this bookkeeping), was built by another version of the dbt project or other
    vars, or the marts gate stopped the marts it built since. An incremental build leaves the
    views as they are (their SQL is unchanged) and runs their tests."""
    from transforms import batch_quarantine

    days = pending_days(config)
    run = f"through-{max(days)}" if days else "rebuild"
    project = project_fingerprint(config)
    previous = record_build_start(config, project)
    gate_stopped = any(  # the marts gate's checkpoint (transforms/mart_gate.py SUITE)
        r.is_open and r.scope == "load" and r.checkpoint == "marts"
        for r in batch_quarantine.records(config)
    )
    trusted = previous.get("finished") is True and previous.get("project") == project
    full_refresh = full_refresh or not trusted or gate_stopped
    # Unit tests check the SQL against fixed inputs: they run in CI (tests/dbt_project), not on
    # every load, where they would only repeat the same answer (dbt's own advice).
    flags = ["--exclude-resource-type", "unit_test"]
    if full_refresh:
        flags.append("--full-refresh")
    else:
        # A view is its SQL, which the previous build already created from this very project:
        # only its data tests run (a node less each, about a tenth of a daily build's models).
        # Selected, not excluded: excluding a model would drop its tests too.
        flags += ["--select", INCREMENTAL_BUILD_SELECTION]
    failpoint("build:started")  # with @N: killed while dbt builds
    result = run_dbt(config, "build", flags)
    if result.success:
        state_file = build_state_file(config)
        state = {**json.loads(state_file.read_text()), "finished": True}
        write_atomic_bytes(json.dumps(state).encode(), state_file)
        batch_quarantine.resolve_loads(config, DBT_CHECKPOINT)
        return result
    batch_quarantine.record_stopped_load(
        config, checkpoint=DBT_CHECKPOINT, run=run, days=days,
        failures=result.failures[:50], report=result.log_path,
    )  # fmt: skip
    details = "\n  ".join(result.failures[:20])
    raise DbtBuildError(
        f"dbt build failed, the marts were not published:\n  {details}\n"
        f"log: {result.log_path}\nrun results: {Path(result.log_path).parent.parent}"
        "/target/run_results.json"
    )


def pending_days(config: Config) -> list[dt.date]:
    """Days loaded since the marts were last published (raw.pending_days)."""
    with connect(config) as con:
        rows = con.execute(f"select day from {RAW_SCHEMA}.pending_days order by day").fetchall()
    return [r[0] for r in rows]


def build_state_file(config: Config) -> Path:
    return zones.warehouse_file(config).with_name("last_build.json")


def record_build_start(config: Config, project: str | None = None) -> dict[str, object]:
    """Note the newest load a build starts from: the publication after it clears only the loads
    up to there (a day loaded while dbt ran stays pending for the next build), and the project
    it builds with (project_fingerprint). The build is not finished until build_marts says so.
    Returns what the previous build noted (`finished`, `project`), or {} without one."""
    state_file = build_state_file(config)
    previous = json.loads(state_file.read_text()) if state_file.exists() else {}
    with connect(config) as con:
        (newest,) = con.execute(f"select max(loaded_at) from {RAW_SCHEMA}.pending_days").fetchone()
    state = {
        "pending_loaded_through": newest.isoformat() if newest else None,
        "project": project,
        "finished": False,
    }
    write_atomic_bytes(json.dumps(state).encode(), state_file)
    return previous


def clear_pending_days(config: Config) -> None:
    """The published marts now hold every load the build saw: those days are not pending any
    more (rows from before `loaded_at` existed have it null, and were seen too)."""
    state_file = build_state_file(config)
    through = json.loads(state_file.read_text())["pending_loaded_through"] if (
        state_file.exists()
    ) else None  # fmt: skip
    with connect(config) as con:
        if through is None:
            con.execute(f"delete from {RAW_SCHEMA}.pending_days where loaded_at is null")
        else:
            con.execute(
                f"delete from {RAW_SCHEMA}.pending_days where loaded_at is null or loaded_at <= ?",
                [dt.datetime.fromisoformat(through)],
            )


def newest_mart_day(config: Config) -> dt.date | None:
    """The newest day in the built marts (share_of_voice_daily); None when they are empty."""
    sql = f"select max(day) from {MARTS_SCHEMA}.share_of_voice_daily"
    with duckdb.connect(str(zones.warehouse_file(config)), read_only=True) as con:
        (day,) = con.execute(sql).fetchall()[0]
    return day


def generate_docs(config: Config) -> Path:
    """`dbt docs generate --static`: one self-contained HTML page (models, columns, lineage and
    the warehouse catalog) that opens from disk; returns its path."""
    result = run_dbt(config, "docs generate", ["--static"])
    if not result.success:
        raise DbtBuildError(f"dbt docs generate failed: {result.failures}\nlog: {result.log_path}")
    return config.data_dir / "dbt" / "target" / "static_index.html"
