"""Funnel exports: typed rows are loaded, unreadable or off-day rows quarantined with the reason."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from transforms import zones
from transforms.funnel_files import FunnelFileError, read_funnel_day

DAY = dt.date(2026, 10, 2)
ORDERS = "order_id,visitor_id,ordered_at,revenue,currency\n"


def write(config, table: str, text: str) -> None:
    path = zones.funnel_file(config, table, DAY)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_rows_of_the_day_are_typed_and_the_others_quarantined_with_the_reason(config):
    write(
        config,
        "orders",
        ORDERS
        + "o1,v1,2026-10-02T10:00:00Z,19.5,EUR\n"  # line 2: fine
        + "o2,v2,2026-10-02T23:30:00-02:00,5,EUR\n"  # line 3: 01:30 UTC on 10-03
        + "o3,v3,yesterday,5,EUR\n"  # line 4
        + "o4,v4,2026-10-02T11:00:00+00:00,twelve,EUR\n"  # line 5
        + "o5,v5,,5,EUR\n"  # line 6
        + "o6,v6,2026-10-02T12:00:00.250+02:00,,EUR\n",  # line 7: fine, revenue unknown
    )

    read = read_funnel_day(config, "orders", DAY)

    assert read.rows["order_id"].to_list() == ["o1", "o6"]
    assert read.rows["ordered_at"].to_list() == [
        dt.datetime(2026, 10, 2, 10, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 2, 10, 0, 0, 250000, tzinfo=dt.UTC),
    ]
    assert read.rows["revenue"].to_list() == [19.5, None]
    reasons = dict(zip(read.quarantined["line_number"], read.quarantined["reason"], strict=True))
    assert reasons == {
        3: "ordered_at 2026-10-03 is not on 2026-10-02, the day of its file",
        4: "ordered_at: cannot read 'yesterday' as an ISO-8601 time with its offset",
        5: "revenue: cannot read 'twelve' as a number",
        6: "ordered_at is empty: the row cannot be placed on a day",
    }
    # nothing dropped: every data line is loaded or quarantined
    assert read.rows.height + read.quarantined.height == 6
    first = read.quarantined.row(0, named=True)
    assert (first["source"], first["day"], first["file"]) == (
        "funnel:orders",
        DAY,
        str(zones.funnel_file(config, "orders", DAY)),
    )
    assert json.loads(first["raw_payload"])["ordered_at"] == "2026-10-02T23:30:00-02:00"


def test_a_date_column_is_checked_against_the_day_too(config):
    write(
        config,
        "campaign_spend",
        "day,platform,campaign,spend,impressions,clicks\n"
        "2026-10-02,x,launch,10.0,1000,12\n"
        "2026-10-01,x,launch,10.0,1000,12\n"
        "2026-10-02,x,launch,10.0,1000.5,12\n",
    )
    read = read_funnel_day(config, "campaign_spend", DAY)
    assert read.rows.height == 1
    assert read.quarantined["reason"].to_list() == [
        "day 2026-10-01 is not on 2026-10-02, the day of its file",
        "impressions: cannot read '1000.5' as a whole number",
    ]


def test_an_export_without_one_of_its_columns_is_refused_by_name(config):
    write(config, "orders", "order_id,visitor_id,revenue\no1,v1,3\n")
    with pytest.raises(FunnelFileError, match="no column ordered_at, currency"):
        read_funnel_day(config, "orders", DAY)


def test_a_day_without_an_export_has_no_rows(config):
    read = read_funnel_day(config, "web_sessions", DAY)
    assert read.rows.is_empty() and read.quarantined.is_empty()
    assert "started_at" in read.rows.columns


def test_a_load_quarantines_them_and_a_reload_loads_nothing_twice(config):
    import duckdb
    import polars as pl

    from transforms import schema
    from transforms.warehouse import load_day

    partition = zones.clean_partition(config, DAY)  # a day without posts
    partition.mkdir(parents=True)
    for name, columns in [("posts", schema.CLEAN_POST), ("classifications", schema.CLASSIFICATION),
                          ("brands", schema.POST_BRAND)]:  # fmt: skip
        pl.DataFrame(schema=columns).write_parquet(partition / f"{name}.parquet")
    write(
        config,
        "web_sessions",
        "session_id,visitor_id,started_at,landing_page,utm_source,utm_medium,utm_campaign,"
        "utm_content,click_id\n"
        "s1,v1,2026-10-02T09:00:00Z,/,x,social,launch,123,c1\n"
        "s2,v2,2026-10-03T00:10:00Z,/,x,social,launch,124,c2\n",  # the next day's
    )
    for _ in range(2):
        counts = load_day(config, DAY)
        assert (counts["web_sessions"], counts["funnel_quarantined"]) == (1, 1)
    with duckdb.connect(str(zones.warehouse_file(config)), read_only=True) as con:
        sessions = con.execute("select session_id from raw.web_sessions").fetchall()
        quarantined = con.execute("select source, line_number from raw.quarantine").fetchall()
    assert sessions == [("s1",)]
    assert quarantined == [("funnel:web_sessions", 3)]
