"""Publish: the marts that passed their gates, copied for their readers, atomically.

    data/published/listener.duckdb            the BI marts (read-only for BI tools)
    data/published/parquet/<mart>.parquet     the same marts as Parquet files; a mart by day
    data/published/parquet/<mart>/<day>.parquet   as a file a day
    data/published/published.json             tables, rows and fingerprints of the publication
    data/published/restricted/listener_restricted.duckdb
                                              the restricted marts, with authors' handles

Personal data: in the BI marts an author is a pseudonym, never an id or a handle. `author_id`
becomes `author_pseudonym`, HMAC-SHA256 of `platform:author_id` under a key from the environment
(LISTENER_PSEUDONYM_KEY; an embedded install without it gets a random key kept in
`data/secrets/`, never in the repository), so BI tools can still count and join authors but not
name them; `author_handle` is left out. The marts that need to name people (the triage queue the
care teams answer from, the influencers the dashboard names) are published as they are into the
restricted file only, which is not exported to Parquet nor copied to the BI warehouse.

Each file is built next to the published one and renamed over it, so readers see the old
publication or the new one, never a mix. A publication starts from a copy of the previous one
and rewrites only what changed: a mart whose fingerprint (rows and a hash of every row) is the
same is kept, a mart by day gets only its changed days replaced, and a mart with a key
(KEYED_MARTS) only its changed rows: the hash of every row published last is kept beside the
working warehouse (`data/warehouse/published_rows/<mart>.parquet`). An incremental day then
publishes in proportion to what it changed, not to the size of the marts (of the Parquet files
too: only the changed days' files are written again).

A mart that dbt builds as a view over other marts (author_influence: the scores with a rank
computed when read) is published as the same view over the published tables, so it is never
stored nor rewritten; in the Parquet export and the PostgreSQL copy it is a table like the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from transforms import zones
from transforms.config import Config
from transforms.errors import ListenerError
from transforms.failpoints import failpoint
from transforms.files import (
    removed_on_failure,
    replace_file_atomic,
    write_atomic_bytes,
)

MARTS_SCHEMA = "marts"
KEY_ENV = "LISTENER_PSEUDONYM_KEY"
# Marts that name people for those who must: the care teams' queue (its items, and the view that
# ages and ranks them against data_as_of) is published only into the restricted file; the
# influencers also go there as they are (the dashboard names them), and to BI tools pseudonymized
# like every other mart with author columns.
RESTRICTED_ONLY = ("triage_queue", "triage_queue_items")
RESTRICTED_MARTS = (
    "triage_queue",
    "triage_queue_items",
    "data_as_of",
    "author_influence_scores",
    "author_influence",
)
# Marts that are not by day but large and mostly unchanged from one day to the next: published by
# key, rewriting only the keys whose row changed. The key is unique (a dbt test).
KEYED_MARTS = {"author_influence_scores": ("platform", "author_id")}
# Tables that a published view shows whole (every row and column, plus what it computes): the
# Parquet export has the view's file only, not the same 2M rows twice.
SHOWN_BY_VIEW = {"author_influence_scores": "author_influence"}
# Marts by day whose fingerprints the build keeps (dbt_project/models/publication), recomputing
# only the days it rewrote: hashing every row of post_engagement was 1.3 s of a day's publication
# at 10M posts. Publish computes the fingerprints of every other mart itself.
FINGERPRINTS_SCHEMA = "publication"
KEPT_FINGERPRINTS = {"post_engagement": "post_engagement_fingerprints"}
PERSONAL_COLUMNS = ("author_id", "author_handle")
PSEUDONYM = "author_pseudonym"
MANIFEST = "published.json"
RESTRICTED_FILE = Path("restricted") / "listener_restricted.duckdb"
EMPTY_MART = "no_days.parquet"  # the Parquet folder of a mart by day that holds no row
# Up to this many days are exported a query each (a day's rows are a filtered copy, about as fast
# as copying the whole mart); more go through one partitioned write, which costs about 60% more
# than a plain copy of the same rows but reads the mart once (measured on 1M posts).
DAYS_COPIED_ONE_BY_ONE = 8
# zstd at its fastest level: 2.1M authors' ranks written in 1.6 s instead of 1.9 s at the default
# level 3, for files 4% larger (snappy: as fast, 60% larger).
PARQUET_OPTIONS = "format parquet, compression zstd, compression_level 1"


class PublishError(ListenerError):
    """The marts could not be published (nothing of the previous publication changed)."""


def quoted(text: str) -> str:
    """A SQL string literal (paths and comments may hold quotes)."""
    return "'" + text.replace("'", "''") + "'"


# --- the pseudonym key -----------------------------------------------------------------------


def pseudonym_key(config: Config) -> bytes:
    """The key of the authors' pseudonyms: LISTENER_PSEUDONYM_KEY, or for an embedded install
    without it a random key made once under the data directory (readable by its owner only).
    Changing the key changes every pseudonym at the next publication."""
    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV].encode()
    path = config.data_dir / "secrets" / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic_bytes(secrets.token_urlsafe(32).encode(), path)
        path.chmod(0o600)
    return path.read_bytes().strip()


def key_id(key: bytes) -> str:
    """A public name for the key (to notice a new key), from which the key cannot be found."""
    return hashlib.sha256(b"listener-pseudonym-key:" + key).hexdigest()[:16]


@dataclass(frozen=True)
class HmacPads:
    """HMAC-SHA256 (RFC 2104) in SQL: sha256(outer || sha256(inner || message)). The padded
    keys are bound as parameters, so the key never appears in SQL text, logs or files."""

    inner: bytes
    outer: bytes

    @classmethod
    def of(cls, key: bytes) -> HmacPads:
        block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
        return cls(bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block))


def pseudonym_sql(platform: str, author_id: str) -> str:
    """The SQL of an author's pseudonym (two parameters: the outer, then the inner pad)."""
    message = f"encode({platform} || ':' || {author_id})"
    return f"left(sha256(?::blob || unhex(sha256(?::blob || {message}))), 32)"


def pseudonym(key: bytes, platform: str, author_id: str) -> str:
    """The same pseudonym computed in Python (tests, support answering an erasure request)."""
    import hmac

    message = f"{platform}:{author_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


# --- what a mart looks like to its readers ---------------------------------------------------


def columns_of(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from duckdb_columns() where database_name = ? and schema_name = ? "
        "and table_name = ? order by column_index",
        [catalog, schema, table],
    ).fetchall()
    return [r[0] for r in rows]


def bi_select(table: str, columns: list[str]) -> tuple[list[str], list[str]]:
    """(select expressions, published column names) of a mart as BI tools see it: the author id
    as its pseudonym, in its place, and no handle (a mart that names authors by handle only,
    like funnel_attribution_posts, joins to post_engagement's pseudonym by post_id)."""
    if "author_id" in columns and "platform" not in columns:
        raise PublishError(
            f"mart {table} has author_id but no platform: its authors cannot be pseudonymized "
            "(ids are per platform); add the column or list the mart in RESTRICTED_ONLY"
        )
    select, names = [], []
    for column in columns:
        if column == "author_id":
            select.append(f"{pseudonym_sql('platform', 'author_id')} as {PSEUDONYM}")
            names.append(PSEUDONYM)
        elif column not in PERSONAL_COLUMNS:
            select.append(f'"{column}"')
            names.append(column)
    return select, names


# --- fingerprints: what changed since the last publication ----------------------------------


def row_hash_sql(columns: list[str]) -> str:
    """A hash of one row over these columns (DuckDB's, order-sensitive in the columns)."""
    return "hash(" + ", ".join(f'"{c}"' for c in columns) + ")"


def fingerprints(
    con: duckdb.DuckDBPyConnection, source: str, names: list[str], params: list
) -> dict:
    """Rows and an order-free hash of every row of a query, per day for a mart by day (a null
    day counts as `*`: the whole mart), else as `*`."""
    row_hash = f"sum({row_hash_sql(names)}::hugeint)"
    if "day" in names:
        key = "coalesce(cast(day as varchar), '*')"
        sql = f"select {key}, count(*), {row_hash} from ({source}) as m group by all"
    else:
        sql = f"select '*', count(*), {row_hash} from ({source}) as m"
    rows = con.execute(sql, params).fetchall()
    return {str(day): [n, str(digest)] for day, n, digest in rows}


def kept_fingerprints(wh: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """The fingerprints the build kept (KEPT_FINGERPRINTS), as fingerprints() gives them, of the
    marts whose kept rows still describe them: hashed over the mart's columns as it has them now,
    and as many rows as it holds (a mart rebuilt without its fingerprints, by a partial dbt run,
    is fingerprinted by publish instead)."""
    catalog = current_catalog(wh)
    kept = {}
    for table, model in KEPT_FINGERPRINTS.items():
        columns = columns_of(wh, catalog, MARTS_SCHEMA, table)
        if not columns or not columns_of(wh, catalog, FINGERPRINTS_SCHEMA, model):
            continue
        rows = wh.execute(
            "select coalesce(cast(day as varchar), '*'), row_count, row_hash, hashed_columns "
            f"from {FINGERPRINTS_SCHEMA}.{model}"
        ).fetchall()
        (mart_rows,) = wh.execute(f"select count(*) from {MARTS_SCHEMA}.{table}").fetchone()
        described = all(hashed == ",".join(columns) for *_, hashed in rows)
        if described and sum(n for _, n, _, _ in rows) == mart_rows:
            kept[table] = {day: [n, str(digest)] for day, n, digest, _ in rows}
    return kept


def read_manifest(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


# --- publishing ------------------------------------------------------------------------------


def mart_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """The tables dbt materialized in the marts schema of an attached database."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = ? "
        "and table_schema = ? and table_type = 'BASE TABLE' order by table_name",
        [catalog, MARTS_SCHEMA],
    ).fetchall()
    return [r[0] for r in rows]


def copy_comments(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[str], kind: str = "table"
) -> None:
    """The dbt descriptions of a mart (a table or a view) and its columns (persist_docs), onto
    its published copy."""
    listing = "duckdb_tables()" if kind == "table" else "duckdb_views()"
    (comment,) = con.execute(
        f"select comment from {listing} where database_name = 'wh' and schema_name = ? "
        f"and {kind}_name = ?",
        [MARTS_SCHEMA, table],
    ).fetchone()
    if comment:
        con.execute(f"comment on {kind} main.{table} is {quoted(comment)}")
    described = con.execute(
        "select column_name, comment from duckdb_columns() where database_name = 'wh' "
        "and schema_name = ? and table_name = ? and comment is not null",
        [MARTS_SCHEMA, table],
    ).fetchall()
    for column, text in described:
        if column in columns:
            con.execute(f'comment on column main.{table}."{column}" is {quoted(text)}')
    if PSEUDONYM in columns:
        con.execute(
            f"comment on column main.{table}.{PSEUDONYM} is "
            f"{quoted('The author, pseudonymized: HMAC-SHA256 of platform:author_id under the publication key (docs/privacy.md).')}"  # noqa: E501
        )


@dataclass
class MartCopy:
    """One mart being published: where it comes from and how its readers see it."""

    table: str
    columns: list[str]  # as built
    select: list[str]
    names: list[str]  # as published
    params: list[bytes]

    def source(self, where: str = "") -> str:
        return f"select {', '.join(self.select)} from wh.{MARTS_SCHEMA}.{self.table} {where}"


def _mart_copy(con: duckdb.DuckDBPyConnection, table: str, pads: HmacPads | None) -> MartCopy:
    columns = columns_of(con, "wh", MARTS_SCHEMA, table)
    if pads is None:  # the restricted file: as built
        return MartCopy(table, columns, [f'"{c}"' for c in columns], columns, [])
    select, names = bi_select(table, columns)
    params = [pads.outer, pads.inner] if PSEUDONYM in names else []
    return MartCopy(table, columns, select, names, params)


def _replace_table(out: duckdb.DuckDBPyConnection, mart: MartCopy) -> None:
    out.execute(f"create or replace table main.{mart.table} as {mart.source()}", mart.params)
    copy_comments(out, mart.table, mart.names)


def _replace_days(out: duckdb.DuckDBPyConnection, mart: MartCopy, days: list[str]) -> None:
    """Replace only these days of a published mart by day."""
    out.execute(
        "create or replace temp table changed_days as "
        "select cast(unnest(?::varchar[]) as date) as day",
        [days],
    )
    out.execute(f"delete from main.{mart.table} where day in (select day from changed_days)")
    where = "where day in (select day from changed_days)"
    out.execute(f"insert into main.{mart.table} by name {mart.source(where)}", mart.params)


# --- marts published by key: only the rows that changed --------------------------------------


def row_hashes_file(config: Config, table: str) -> Path:
    """The key and row hash of every row of a keyed mart as last published (as built, with author
    ids: kept beside the working warehouse, never with the published files)."""
    return zones.warehouse_file(config).parent / "published_rows" / f"{table}.parquet"


def _building(path: Path) -> Path:
    return path.with_name(f".{path.name}.building")


def key_match(columns: list[str], keys: str, key_columns: list[str]) -> str:
    """`columns` (of the row) equal one row of `keys` (its `key_columns`, in the same order);
    a null matches a null, as in the changed_rows macro."""

    def row(names: list[str]) -> str:
        return ", ".join(f"coalesce(cast({c} as varchar), '')" for c in names)

    return f"({row(columns)}) in (select {row(key_columns)} from {keys})"


@dataclass
class KeyedChanges:
    """What changed in a keyed mart since its row hashes were last kept: the keys whose row is new,
    changed or gone (None: no hashes kept, so nothing to compare with), and the fingerprint of
    the rows the kept hashes describe (a publication whose fingerprint differs is not the one
    they describe, and is rewritten whole)."""

    key: tuple[str, ...]
    keys: Any  # a pyarrow Table of the key columns
    fingerprint: list | None
    now: dict[str, list]  # the mart's fingerprint as built now, from the same hashes


def keyed_changes(config: Config, wh: duckdb.DuckDBPyConnection) -> dict[str, KeyedChanges]:
    """Hash every row of each keyed mart (kept as the next hashes once published) and compare with
    the hashes of the last publication."""
    catalog = current_catalog(wh)
    changes: dict[str, KeyedChanges] = {}
    for table, key in KEYED_MARTS.items():
        columns = columns_of(wh, catalog, MARTS_SCHEMA, table)
        if not columns:
            continue
        if "day" in columns:
            raise PublishError(f"{table} has a day: publish it by day, not in KEYED_MARTS")
        kept, building = row_hashes_file(config, table), _building(row_hashes_file(config, table))
        building.parent.mkdir(parents=True, exist_ok=True)
        key_list = ", ".join(f'"{c}"' for c in key)
        wh.execute(
            f"copy (select {key_list}, {row_hash_sql(columns)} as row_hash "
            f"from {MARTS_SCHEMA}.{table}) to {quoted(str(building))} (format parquet)"
        )
        now = {"*": _hashes_fingerprint(wh, building)}
        if not kept.exists():
            changes[table] = KeyedChanges(key, None, None, now)
            continue
        same_key = " and ".join(f'now."{c}" is not distinct from kept."{c}"' for c in key)
        either = ", ".join(f'coalesce(now."{c}", kept."{c}") as "{c}"' for c in key)
        keys = wh.sql(
            f"select {either} from read_parquet({quoted(str(building))}) as now "
            f"full join read_parquet({quoted(str(kept))}) as kept on {same_key} "
            "where now.row_hash is distinct from kept.row_hash"
        ).to_arrow_table()
        changes[table] = KeyedChanges(key, keys, _hashes_fingerprint(wh, kept), now)
    return changes


def _hashes_fingerprint(con: duckdb.DuckDBPyConnection, hashes: Path) -> list:
    """The fingerprint (as fingerprints() gives it) of the rows a file of row hashes describes."""
    ((rows, digest),) = con.execute(
        f"select count(*), sum(row_hash::hugeint) from read_parquet({quoted(str(hashes))})"
    ).fetchall()
    return [rows, str(digest)]


def keep_row_hashes(config: Config, changes: dict[str, KeyedChanges]) -> None:
    """The hashes of what was just published become the ones the next publication compares with."""
    for table in changes:
        os.replace(_building(row_hashes_file(config, table)), row_hashes_file(config, table))


def _replace_keys(out: duckdb.DuckDBPyConnection, mart: MartCopy, changes: KeyedChanges) -> None:
    """Replace only the changed keys' rows of a published keyed mart (a key gone from the mart
    loses its row). In the BI file the author of a key is its pseudonym."""
    out.register("changed_keys_found", changes.keys)
    key = list(changes.key)
    pseudonymized = bool(mart.params)
    spelled = [
        f"{pseudonym_sql('platform', 'author_id')}" if pseudonymized and c == "author_id"
        else f'"{c}"'
        for c in key
    ]  # fmt: skip
    out.execute(
        "create or replace temp table changed_keys as select "
        + ", ".join(f"{e} as k{i}" for i, e in enumerate(spelled))
        + " from changed_keys_found",
        mart.params if "author_id" in key else [],
    )
    out.unregister("changed_keys_found")
    published_key = [PSEUDONYM if pseudonymized and c == "author_id" else c for c in key]
    numbered = [f"k{i}" for i in range(len(key))]
    out.execute(
        f"delete from main.{mart.table} where "
        + key_match([f'"{c}"' for c in published_key], "changed_keys", numbered)
    )
    out.register("changed_keys_built", changes.keys)
    quoted_key = [f'"{c}"' for c in key]
    where = "where " + key_match(quoted_key, "changed_keys_built", quoted_key)
    out.execute(f"insert into main.{mart.table} by name {mart.source(where)}", mart.params)
    out.unregister("changed_keys_built")


def _publish_marts(
    out: duckdb.DuckDBPyConnection,
    tables: list[str],
    pads: HmacPads | None,
    previous: dict[str, Any],
    keyed: dict[str, KeyedChanges],
    known: dict[str, dict],
    ahead: ViewsAhead | None = None,
) -> tuple[dict[str, Any], dict[str, list[str] | None]]:
    """Bring `out` (a copy of the previous publication, or empty) up to the working marts:
    (the new fingerprints and columns per table, the tables rewritten: of each, the days
    replaced, or None when it was rewritten whole or by key). `known` holds the fingerprints
    already taken in this publication (a mart in both files is hashed once); `ahead` is told of
    every table rewritten, as soon as it is."""
    published = {r[0] for r in out.execute(
        "select table_name from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'main'").fetchall()}  # fmt: skip
    state: dict[str, Any] = {}
    rewritten: dict[str, list[str] | None] = {}
    for table in tables:
        mart = _mart_copy(out, table, pads)
        # Of the mart as built (the pseudonyms follow from it and from the key, which is the
        # publication's): hashing the HMACs would compute them twice.
        if table not in known:
            source = f"select * from wh.{MARTS_SCHEMA}.{table}"
            known[table] = fingerprints(out, source, mart.columns, [])
        prints = known[table]
        before = previous.get(table, {})
        state[table] = {"columns": mart.columns, "fingerprints": prints,
                        "rows": sum(rows for rows, _ in prints.values())}  # fmt: skip
        same_shape = table in published and before.get("columns") == mart.columns
        if same_shape and before.get("fingerprints") == prints:
            continue
        changed = sorted(
            day
            for day in set(prints) | set(before.get("fingerprints", {}))
            if prints.get(day) != before.get("fingerprints", {}).get(day)
        )
        if same_shape and "day" in mart.columns and "*" not in changed:
            _replace_days(out, mart, changed)
            rewritten[table] = changed
        elif same_shape and _by_key(keyed.get(table), before):
            _replace_keys(out, mart, keyed[table])
            rewritten[table] = None
            # a published copy out of step with the kept hashes cannot be patched: rewrite it
            (published_rows,) = out.execute(f"select count(*) from main.{table}").fetchone()
            if published_rows != state[table]["rows"]:
                _replace_table(out, mart)
        else:
            _replace_table(out, mart)
            rewritten[table] = None
        if ahead is not None:
            ahead.rewritten(out, table)
    for retired in sorted(published - set(tables)):
        out.execute(f"drop table main.{retired}")
    return state, rewritten


def _by_key(changes: KeyedChanges | None, before: dict[str, Any]) -> bool:
    """Whether a keyed mart can be republished by key: its row hashes were kept, and they describe
    the publication being updated (the same fingerprint)."""
    return (
        changes is not None
        and changes.keys is not None
        and before.get("fingerprints", {}).get("*") == changes.fingerprint
    )


class ViewsAhead:
    """The Parquet files of the views that show a keyed mart whole (SHOWN_BY_VIEW), written
    while the BI file's other marts are still being brought up to date rather than after the
    file is done: as soon as the keyed mart is rewritten, a second cursor on the same DuckDB
    instance reads the view over it (ranking `author_influence`'s 2.1M authors and writing them
    was the last and longest part of a day's export at 10M posts, about 1.9 s). Only a view
    that the file already holds as this publication defines it (a copy of the previous
    publication, the view's SQL unchanged) is read early; export_parquet takes the files."""

    def __init__(self, folder: Path, views: dict[str, str], before: dict[str, str]) -> None:
        self.folder = folder
        self.unchanged = {v for v, sql in views.items() if before.get(v) == sql}
        self.files: dict[str, Path] = {}
        self._running: list[tuple[Future, duckdb.DuckDBPyConnection]] = []
        self._pool = ThreadPoolExecutor(max_workers=1)
        for view in SHOWN_BY_VIEW.values():  # left by a publication that failed after writing it
            self.file(view).unlink(missing_ok=True)

    def file(self, view: str) -> Path:
        return self.folder / f".{view}.parquet.ahead"

    def rewritten(self, out: duckdb.DuckDBPyConnection, table: str) -> None:
        view = SHOWN_BY_VIEW.get(table)
        if view is None or view not in self.unchanged or not _has_view(out, view):
            return
        target = self.file(view)
        target.unlink(missing_ok=True)
        cursor = out.cursor()  # its own connection: reads what `out` has committed
        sql = f"copy (select * from main.{view}) to {quoted(str(target))} ({PARQUET_OPTIONS})"
        self._running.append((self._pool.submit(cursor.execute, sql), cursor))
        self.files[view] = target

    def wait(self, raise_errors: bool = True) -> None:
        """Wait for every file; the first failure is raised (the publication fails with it)."""
        errors = []
        for future, cursor in self._running:
            if (error := future.exception()) is not None:
                errors.append(error)
            cursor.close()
        self._running.clear()
        self._pool.shutdown()
        if errors and raise_errors:
            raise errors[0]


def _has_view(con: duckdb.DuckDBPyConnection, view: str) -> bool:
    (found,) = con.execute(
        "select count(*) from duckdb_views() where database_name = current_database() "
        "and schema_name = 'main' and view_name = ?",
        [view],
    ).fetchone()
    return bool(found)


def _build_file(
    config: Config,
    target: Path,
    marts: Marts,
    pads: HmacPads | None,
    previous: dict,
    keyed: dict[str, KeyedChanges],
    known: dict[str, dict],
    ahead: ViewsAhead | None = None,
) -> tuple[dict[str, Any], dict[str, list[str] | None]]:
    """Write the new version of one published file next to it, then rename it over it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.building")
    tmp.unlink(missing_ok=True)
    with removed_on_failure(tmp, tmp.with_name(f"{tmp.name}.wal")):
        if target.exists() and previous:
            shutil.copyfile(target, tmp)  # start from the previous publication
        else:
            previous = {}
        with duckdb.connect(str(tmp)) as out:
            out.execute("set preserve_insertion_order = false")  # copies tables in parallel
            out.execute(f"attach {quoted(str(zones.warehouse_file(config)))} as wh (read_only)")
            try:
                state, rewritten = _publish_marts(
                    out, marts.tables, pads, previous, keyed, known, ahead
                )
            except BaseException:
                if ahead is not None:
                    ahead.wait(raise_errors=False)  # the first failure is the one to report
                raise
            if ahead is not None:  # its reads end before the views change or the file closes
                ahead.wait()
            _publish_views(out, marts.views, target.name)
            out.execute("detach wh")
            out.execute("checkpoint")
        failpoint("publish:written")
        replace_file_atomic(tmp, target)
    return state, rewritten


# --- marts that are views --------------------------------------------------------------------


@dataclass
class Marts:
    """The marts one published file holds: tables, and views over them (name -> DuckDB's
    `CREATE VIEW` statement of the working marts)."""

    tables: list[str]
    views: dict[str, str]

    def only(self, keep: Callable[[str], bool]) -> Marts:
        return Marts(
            [t for t in self.tables if keep(t)],
            {name: sql for name, sql in self.views.items() if keep(name)},
        )


def view_sources(con: duckdb.DuckDBPyConnection, views: dict[str, str]) -> dict[str, set[str]]:
    """The marts each view reads."""
    sources: dict[str, set[str]] = {}
    for name, statement in views.items():
        published_view_sql(con, name, statement, sources.setdefault(name, set()))
    return sources


def mart_views(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, str]:
    """The views dbt made in the marts schema of an attached database, with their statements."""
    rows = con.execute(
        "select view_name, sql from duckdb_views() where database_name = ? and schema_name = ? "
        "and not internal order by view_name",
        [catalog, MARTS_SCHEMA],
    ).fetchall()
    return dict(rows)


def published_view_sql(
    con: duckdb.DuckDBPyConnection, name: str, statement: str, sources: set[str] | None = None
) -> str:
    """The query of a working mart view, reading the published file's own tables instead of the
    marts schema (through DuckDB's parse tree, not by editing the text); the marts it reads are
    added to `sources`."""
    prefix = f"CREATE VIEW {MARTS_SCHEMA}.{name} AS "
    if not statement.startswith(prefix):
        raise PublishError(f"view {name}: unexpected definition {statement[:80]!r}")
    query = statement.removeprefix(prefix).rstrip().removesuffix(";")
    tree = json.loads(con.execute("select json_serialize_sql(?)", [query]).fetchone()[0])
    if tree.get("error"):
        raise PublishError(f"view {name}: its query cannot be read: {tree.get('error_message')}")
    _repoint_tables(tree, name, sources if sources is not None else set())
    return con.execute("select json_deserialize_sql(?)", [json.dumps(tree)]).fetchone()[0]


def _repoint_tables(node: Any, view: str, sources: set[str]) -> None:
    """Every table of the marts schema in a parse tree becomes the published file's `main` one."""
    if isinstance(node, list):
        for item in node:
            _repoint_tables(item, view, sources)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "BASE_TABLE" and node.get("schema_name"):
        if node["schema_name"] != MARTS_SCHEMA:
            raise PublishError(
                f"view {view} reads {node['schema_name']}.{node['table_name']}, which is not "
                "published: a published view may read only marts"
            )
        node["schema_name"], node["catalog_name"] = "main", ""
        node["qualified_name"] = {"path": ["main", node["table_name"]]}
        sources.add(node["table_name"])
    for value in node.values():
        _repoint_tables(value, view, sources)


def _publish_views(out: duckdb.DuckDBPyConnection, views: dict[str, str], file: str) -> None:
    """The views over the tables just published (a view the previous publication had and this
    one has not is dropped). A view that reads a column the file does not publish (an author id
    in the BI file) is refused with the reason."""
    present = {r[0] for r in out.execute(
        "select view_name from duckdb_views() where database_name = current_database() "
        "and schema_name = 'main' and not internal").fetchall()}  # fmt: skip
    for retired in sorted(present - set(views)):
        out.execute(f"drop view main.{retired}")
    for name, statement in views.items():
        query = published_view_sql(out, name, statement)
        try:
            out.execute(f"create or replace view main.{name} as {query}")
        except duckdb.Error as error:
            raise PublishError(f"view {name} cannot be published in {file}: {error}") from error
        copy_comments(out, name, columns_of(out, current_catalog(out), "main", name), "view")


def parquet_files(folder: Path, table: str) -> list[Path]:
    """The Parquet files of one published mart: `<table>.parquet`, or for a mart by day its
    folder's files, one a day (`<table>/<day>.parquet`)."""
    single = folder / f"{table}.parquet"
    return [single] if single.exists() else sorted((folder / table).glob("*.parquet"))


def export_parquet(
    published: Path,
    folder: Path,
    rewritten: dict[str, list[str] | None],
    sources: dict[str, set[str]] | None = None,
    ready: dict[str, Path] | None = None,
) -> None:
    """The published marts as Parquet, for tools that read Parquet but not DuckDB: a mart by
    day is a folder with one file a day (`<folder>/<table>/<day>.parquet`, the `day` column
    kept in the file), any other mart one file (`<folder>/<table>.parquet`). Only what this
    publication rewrote is exported again (of a mart by day, only its changed days, so a day's
    increment costs what it changed); everything else is a hard link to its current file. A view
    is exported as the table it computes, again when a mart it reads (`sources`) was rewritten
    or the view itself is new (`rewritten` names it); a table that a view shows whole
    (SHOWN_BY_VIEW) only through the view. The set is written next to the old one and swapped in
    with two renames, so a reader never finds some tables old and some new. `ready` holds files
    already written from this publication (ViewsAhead): they are moved in, not written again."""
    building = folder.with_name(f".{folder.name}.building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    with removed_on_failure(building), duckdb.connect(str(published), read_only=True) as con:
        con.execute("set preserve_insertion_order = false")
        tables = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database() "
            "order by table_name").fetchall()]  # fmt: skip
        views = [r[0] for r in con.execute(
            "select view_name from duckdb_views() where database_name = current_database() "
            "and schema_name = 'main' and not internal order by view_name").fetchall()]  # fmt: skip
        sources = sources or {}
        stale = {**rewritten, **{v: None for v in views if sources.get(v, set()) & set(rewritten)}}
        # a table shown whole by a view is in the view's file, when the view is published
        for table in [t for t in tables if SHOWN_BY_VIEW.get(t) not in views] + views:
            by_day = "day" in columns_of(con, current_catalog(con), "main", table)
            if table in (ready or {}) and table in stale and not by_day:
                os.replace(ready[table], building / f"{table}.parquet")
            elif not by_day:
                _export_table(con, table, folder, building, stale)
            else:
                _export_days(con, table, folder / table, building / table, stale)
    retired = folder.with_name(f".{folder.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if folder.exists():
        folder.rename(retired)
    building.rename(folder)
    shutil.rmtree(retired, ignore_errors=True)


def current_catalog(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_database()").fetchone()[0]


def _export_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    folder: Path,
    building: Path,
    rewritten: dict[str, list[str] | None],
) -> None:
    current = folder / f"{table}.parquet"
    if table not in rewritten and current.exists():
        os.link(current, building / current.name)
        return
    target = building / current.name
    con.execute(f"copy main.{table} to {quoted(str(target))} ({PARQUET_OPTIONS})")


def _export_days(
    con: duckdb.DuckDBPyConnection,
    table: str,
    current: Path,
    building: Path,
    rewritten: dict[str, list[str] | None],
) -> None:
    """A mart by day: its changed days written again, the others linked. A day that is gone
    from the mart is among the changed days and simply not written."""
    building.mkdir()
    changed = rewritten.get(table, []) if current.is_dir() else None
    if changed is not None:
        for file in current.glob("*.parquet"):
            if file.name != EMPTY_MART and _day_of(file) not in changed:
                os.link(file, building / file.name)
    if changed != []:
        _write_days(con, table, building, changed)
    if not any(building.iterdir()):  # no day at all: an empty file keeps the columns
        con.execute(
            f"copy main.{table} to {quoted(str(building / EMPTY_MART))} ({PARQUET_OPTIONS})"
        )


def _write_days(
    con: duckdb.DuckDBPyConnection, table: str, building: Path, changed: list[str] | None
) -> None:
    """Write these days of a mart by day (None: every day) as `<day>.parquet` files."""
    listed = f"select distinct cast(day as varchar) from main.{table} order by 1"
    present = [r[0] for r in con.execute(listed).fetchall()]
    # A changed day may be gone from the mart (its file is then simply not written again).
    days = present if changed is None else [d for d in present if d in set(changed)]
    if len(days) <= DAYS_COPIED_ONE_BY_ONE:
        for day in days:  # a day's rows alone: the common daily increment, a small history
            target = quoted(str(building / f"{day}.parquet"))
            con.execute(
                f"copy (select * from main.{table} where cast(day as varchar) = ?) to {target} "
                f"({PARQUET_OPTIONS})",
                [day],
            )
        return
    scratch = building / ".partitions"
    # DuckDB writes one folder per day (`day=<d>/data_0.parquet`), the day kept in the file;
    # the files are then renamed to one flat folder, which every Parquet reader lists as is.
    con.execute(
        f"copy (select * from main.{table} where cast(day as varchar) in "
        f"(select unnest(?::varchar[]))) to {quoted(str(scratch))} "
        f"({PARQUET_OPTIONS}, partition_by (day), write_partition_columns true)",
        [days],
    )
    for partition in sorted(scratch.glob("day=*")):
        day = partition.name.removeprefix("day=")
        for i, file in enumerate(sorted(partition.glob("*.parquet"))):
            file.rename(building / (f"{day}.parquet" if i == 0 else f"{day}.{i}.parquet"))
    shutil.rmtree(scratch, ignore_errors=True)  # a mart without these days writes nothing


def _day_of(file: Path) -> str:
    """`2026-10-01` of `2026-10-01.parquet` and of `2026-10-01.1.parquet`."""
    return file.name.split(".")[0]


def publish(config: Config) -> dict[str, int]:
    """Publish the working warehouse's marts: the BI file (pseudonymized), its Parquet copies and
    the restricted file; returns the rows of every BI mart."""
    from transforms.warehouse import clear_pending_days

    target = zones.published_warehouse(config)
    manifest_path = target.with_name(MANIFEST)
    manifest = read_manifest(manifest_path)
    key = pseudonym_key(config)
    # A new key changes every pseudonym: the BI marts are then published again from scratch.
    previous = manifest.get("state", {}) if manifest.get("key_id") == key_id(key) else {}
    with duckdb.connect(str(zones.warehouse_file(config)), read_only=True) as wh:
        catalog = current_catalog(wh)
        marts = Marts(mart_tables(wh, catalog), mart_views(wh, catalog))
        keyed = keyed_changes(config, wh)
        sources = view_sources(wh, marts.views)
        # fingerprints already taken: of the keyed marts, from their row hashes; kept by the build
        known = {table: changes.now for table, changes in keyed.items()} | kept_fingerprints(wh)
    bi_marts = marts.only(lambda name: name not in RESTRICTED_ONLY)
    before = manifest.get("views", {})
    ahead = ViewsAhead(target.parent, bi_marts.views, before)
    bi, rewritten = _build_file(
        config, target, bi_marts, HmacPads.of(key), previous.get("bi", {}), keyed, known, ahead
    )
    failpoint("publish:replaced")  # the Parquet set and published.json not yet
    new_views = {v: None for v, sql in marts.views.items() if before.get(v) != sql}
    restricted_path = target.parent / RESTRICTED_FILE
    # The Parquet set is exported from the new BI file while the restricted file is written
    # from the working warehouse: two files, no shared state, and DuckDB releases the GIL, so
    # the one's writes overlap the other's (ranking the authors for their Parquet file keeps
    # about one core busy).
    with ThreadPoolExecutor(max_workers=1) as pool:
        exported = pool.submit(
            export_parquet,
            target, target.with_name("parquet"), {**rewritten, **new_views}, sources, ahead.files,
        )  # fmt: skip
        restricted, _ = _build_file(
            config,
            restricted_path,
            marts.only(lambda name: name in RESTRICTED_MARTS),
            None,
            previous.get("restricted", {}),
            keyed,
            known,
        )
        exported.result()
    restricted_path.chmod(0o600)  # the care teams' file, not the BI readers'
    document = {
        "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "key_id": key_id(key),
        # a view has the rows of the table it ranks or filters: counted in the published file
        "tables": {**{t: s["rows"] for t, s in bi.items()}, **view_rows(target)},
        "restricted_tables": {
            **{t: s["rows"] for t, s in restricted.items()},
            **view_rows(restricted_path),
        },
        "state": {"bi": bi, "restricted": restricted},  # columns and fingerprints
        "views": marts.views,  # as dbt made them: a changed view is exported again
    }
    write_atomic_bytes(json.dumps(document, indent=2, sort_keys=True).encode(), manifest_path)
    keep_row_hashes(config, keyed)
    # Kept until now, so that a build whose gate failed is redone from the same days.
    clear_pending_days(config)
    return document["tables"]


def view_rows(path: Path) -> dict[str, int]:
    """Rows of every view of a published file (DuckDB counts without computing unused columns)."""
    with duckdb.connect(str(path), read_only=True) as con:
        views = [r[0] for r in con.execute(
            "select view_name from duckdb_views() where database_name = current_database() "
            "and schema_name = 'main' and not internal order by view_name").fetchall()]  # fmt: skip
        return {v: con.execute(f"select count(*) from main.{v}").fetchone()[0] for v in views}


def query_published(config: Config, sql: str, restricted: bool = False) -> Any:
    """Read from the published marts (read-only), as a BI tool would; `restricted` reads the
    restricted file instead (the dashboard's influencers, the care teams' queue)."""
    path = zones.published_warehouse(config)
    if restricted:
        path = path.parent / RESTRICTED_FILE
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(sql).pl()
