"""raw.pending_days: what a load tells the next incremental dbt build to rebuild."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from transforms.warehouse import pending_day
from transforms.warehouse_schema import create_raw_tables_sql

D1, D4, D5 = dt.date(2026, 10, 1), dt.date(2026, 10, 4), dt.date(2026, 10, 5)


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for statement in create_raw_tables_sql():
        con.execute(statement)
    con.execute(
        "insert into raw.posts (post_id, day) values ('x:old', ?), ('x:d4', ?), ('x:gone', ?)",
        [D1, D4, D5],
    )
    return con


def test_a_new_day_of_new_posts_is_pending_from_itself():
    con = _warehouse()
    row = pending_day(con, pl.DataFrame({"post_id": ["x:new"]}), dt.date(2026, 10, 6))
    assert row.drop("loaded_at").to_dicts() == [
        {"day": dt.date(2026, 10, 6), "oldest_first_seen_day": dt.date(2026, 10, 6)}
    ]
    assert row["loaded_at"].dtype == pl.Datetime("us")


def test_a_new_snapshot_of_an_old_post_reaches_back_to_its_first_day():
    con = _warehouse()
    row = pending_day(con, pl.DataFrame({"post_id": ["x:new", "x:old"]}), dt.date(2026, 10, 6))
    assert row["oldest_first_seen_day"].to_list() == [D1]


def test_reloading_a_day_covers_the_posts_it_held_before():
    con = _warehouse()
    # The reload of 10-05 no longer holds x:gone; x:gone itself was first seen on 10-05.
    con.execute("insert into raw.posts (post_id, day) values ('x:d4', ?)", [D5])
    row = pending_day(con, pl.DataFrame({"post_id": ["x:other"]}), D5)
    assert row["oldest_first_seen_day"].to_list() == [D4]  # x:d4 had a snapshot on 10-05


def test_a_publication_clears_only_the_loads_its_build_saw(config):
    """A day loaded while dbt ran (here: after the build started) stays pending."""
    from transforms.warehouse import (
        clear_pending_days,
        connect,
        pending_days,
        record_build_start,
    )

    def pend(day: dt.date, loaded_at: dt.datetime | None) -> None:
        with connect(config) as con:
            con.execute("insert into raw.pending_days values (?, ?, ?)", [day, day, loaded_at])

    pend(D1, None)  # loaded before the column existed
    pend(D4, dt.datetime(2026, 10, 5, 1))
    record_build_start(config)
    pend(D5, dt.datetime(2026, 10, 5, 2))  # the load during the build
    clear_pending_days(config)
    assert pending_days(config) == [D5]
    record_build_start(config)
    clear_pending_days(config)
    assert pending_days(config) == []
