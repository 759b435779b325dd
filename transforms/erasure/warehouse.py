"""The warehouse (working DuckDB file): erase_warehouse deletes and redacts the author's rows
in the raw schema in one transaction (posts, brand matches, snapshots, quarantine, funnel
credits of web sessions) and brings the load audit's counts in line with the manifests;
rebuild_and_publish then rebuilds the marts with a full refresh (incremental marts would keep
old days), gates and publishes them, and draws the dashboard again."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl

from transforms import raw_zone, zones
from transforms.config import Config
from transforms.erasure.raw_batches import _source_platform, _with_counts, batch_folders
from transforms.erasure.report import ErasureReport
from transforms.erasure.subject import LINK_COLUMNS, Subject, redact_linked

WAREHOUSE_POST_TABLES = ("posts", "post_brands", "post_snapshots")


def erase_warehouse(
    config: Config, subject: Subject, report: ErasureReport, changed_batches: list[str]
) -> bool:
    """Delete and redact the author's rows in the raw schema in one transaction, and bring the
    load audit's counts in line with the manifests; True when any row changed."""
    if not zones.warehouse_file(config).exists():
        return False
    from transforms.warehouse import connect

    with connect(config) as con:
        con.execute("begin transaction")
        ids = pl.DataFrame({"post_id": sorted(subject.post_ids)}, schema={"post_id": pl.String})
        con.register("erased_ids", ids.to_arrow())
        rows = _delete_posts(con, subject, report) + _delete_quarantine(
            con, config, subject, report
        )
        rows += _redact_warehouse_links(con, subject, report)
        rows += _unlink_sessions(con, subject, report)
        expired = _expired_batch_counts(con, config)
        _update_audit(con, config, [*changed_batches, *expired])
        con.unregister("erased_ids")
        con.execute("commit")
    return rows > 0


def _count(con, sql: str, params: list | None = None) -> int:
    result = con.execute(sql, params or []).fetchone()
    return int(result[0]) if result else 0


def _delete_posts(con, subject: Subject, report: ErasureReport) -> int:
    total = 0
    for table in WAREHOUSE_POST_TABLES:
        n = _count(
            con, f"delete from raw.{table} where post_id in (select post_id from erased_ids)"
        )
        report.add("removed", f"warehouse_{table}_rows", n)
        total += n
    platform = "" if subject.platform is None else " and platform = ?"
    params = [subject.author_id] + ([subject.platform] if subject.platform else [])
    # Rows of the author that no post id found (none expected; the author column decides).
    n = _count(con, f"delete from raw.posts where author_id = ?{platform}", params)
    report.add("removed", "warehouse_posts_rows", n)
    return total + n


def _delete_quarantine(con, config: Config, subject: Subject, report: ErasureReport) -> int:
    total = 0
    sources = [r[0] for r in con.execute("select distinct source from raw.quarantine").fetchall()]
    for source in sources:
        platform = _source_platform(config, source)
        pattern = subject.token_pattern(platform)
        if pattern is None or not subject.covers(platform):
            continue
        total += _count(
            con,
            "delete from raw.quarantine where source = ? "
            "and regexp_matches(coalesce(raw_payload, ''), ?)",
            [source, pattern],
        )
    report.add("removed", "warehouse_quarantine_rows", total)
    return total


def _redact_warehouse_links(con, subject: Subject, report: ErasureReport) -> int:
    condition = " or ".join(f"{c} in (select post_id from erased_ids)" for c in LINK_COLUMNS)
    linked = con.sql(f"select * from raw.posts where {condition}").pl()
    if linked.is_empty():
        return 0
    redacted, n = redact_linked(linked, subject)
    con.execute(f"delete from raw.posts where {condition}")
    con.register("redacted_posts", redacted.to_arrow())
    columns = ", ".join(redacted.columns)
    con.execute(f"insert into raw.posts ({columns}) select {columns} from redacted_posts")
    con.unregister("redacted_posts")
    report.add("redacted", "warehouse_posts_rows", n)
    return n


def _unlink_sessions(con, subject: Subject, report: ErasureReport) -> int:
    """A web session credited to an erased post (utm_content is the post's native id) keeps the
    visit but loses the credit."""
    natives = pl.DataFrame(
        {"native_id": sorted(subject.native_ids())}, schema={"native_id": pl.String}
    )
    con.register("erased_natives", natives.to_arrow())
    n = _count(
        con,
        "update raw.web_sessions set utm_content = null "
        "where utm_content in (select native_id from erased_natives)",
    )
    con.unregister("erased_natives")
    report.add("redacted", "warehouse_web_sessions_rows", n)
    return n


def _expired_batch_counts(con, config: Config) -> list[str]:
    """Batches whose files retention removed have the warehouse as their only copy: their
    manifest counts follow the rows the warehouse still holds."""
    audited = con.execute("select distinct source, day, batch_id from raw.load_audit").fetchall()
    changed = []
    for source, day, batch_id in audited:
        folder = raw_zone.batch_dir(config, source, day, batch_id)
        if raw_zone.expiry(folder) is None or not (folder / raw_zone.MANIFEST).exists():
            continue
        manifest = raw_zone.read_manifest(folder)
        accepted = _count(
            con, "select count(*) from raw.post_snapshots where batch_id = ?", [batch_id]
        )
        quarantined = _count(
            con, "select count(*) from raw.quarantine where batch_id = ?", [batch_id]
        )
        updated = _with_counts(manifest, accepted, quarantined)
        if updated != manifest:
            raw_zone.write_manifest(folder, updated)
            changed.append(batch_id)
    return changed


def _update_audit(con, config: Config, batch_ids: list[str]) -> None:
    if not batch_ids:
        return
    manifests = {raw_zone.batch_id_of(f): f for f in batch_folders(config)}
    for batch_id in dict.fromkeys(batch_ids):
        if batch_id not in manifests:
            continue
        m = raw_zone.read_manifest(manifests[batch_id])
        for table in ("load_audit", "quarantined_batches"):
            con.execute(
                f"update raw.{table} set rows_accepted = ?, rows_quarantined = ?, "
                "rows_erased = ? where batch_id = ?",
                [m.rows_accepted, m.rows_quarantined, m.erased_rows, batch_id],
            )


def marts_exist(config: Config) -> bool:
    if not zones.warehouse_file(config).exists():
        return False
    from transforms.publish import mart_tables
    from transforms.warehouse import connect

    with connect(config) as con:
        return bool(mart_tables(con, con.execute("select current_database()").fetchone()[0]))


def rebuild_and_publish(config: Config, request_id: str, report: ErasureReport) -> None:
    """Full refresh (incremental marts would keep the erased rows of days outside their
    lookback), the marts gate, publication, and the dashboard drawn from the new marts."""
    from transforms.dashboard import render_dashboard
    from transforms.mart_gate import gate_marts
    from transforms.publish import publish
    from transforms.warehouse import build_marts

    with _argv_without_arguments():
        build_marts(config, full_refresh=True)
    report.marts_rebuilt = True
    gate_marts(config, f"erasure-{request_id}")
    publish(config)
    report.marts_published = True
    if zones.dashboard_file(config).exists():
        render_dashboard(config)


@contextmanager
def _argv_without_arguments() -> Iterator[None]:
    """dbt writes the process's command line into dbt.log and run_results.json, and the
    command line of `listener forget --author ID` is the id itself."""
    saved = sys.argv
    sys.argv = saved[:1]
    try:
        yield
    finally:
        sys.argv = saved
