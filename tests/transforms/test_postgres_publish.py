"""The published marts, copied into the PostgreSQL warehouse BI tools share (a real server on
127.0.0.1:5432, a fresh database per test)."""

from __future__ import annotations

import os

import duckdb
import pytest

from transforms import postgres_warehouse as pg
from transforms import zones
from transforms.postgres_publish import (
    PostgresPublishError,
    publish_to_postgres,
    warehouse_connection,
)

READER = "listener_test_bi_reader"
HOSTILE = 'it\'s; drop table marts.alerts; -- "quoted"'


@pytest.fixture
def bi_database():
    settings = pg.create_database(pg.PostgresSettings.from_env(), f"listener_bi_{os.getpid()}")
    admin = settings.connect()
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"select 1 from pg_roles where rolname = '{READER}'")
        if not cursor.fetchone():
            cursor.execute(f"create role {READER} login")
    admin.close()
    yield settings
    pg.drop_database(settings)


def _publish_file(config, tables: dict[str, str]) -> None:
    """A published DuckDB file holding `tables` (name -> select), with dbt-like comments."""
    path = zones.published_warehouse(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        for name, select in tables.items():
            con.execute(f"create table {name} as {select}")
            con.execute(f"comment on table {name} is 'The {name} mart; it''s documented.'")
            con.execute(f"comment on column {name}.day is 'Day of the posts.'")


ALERTS = (
    "select * from (values (date '2026-10-10', 'nimbus', true, 384::bigint, 4.73::double, "
    f"timestamp '2026-10-10 23:50:00', '{HOSTILE.replace(chr(39), chr(39) * 2)}'), "
    "(date '2026-10-11', 'apex', null, null, null, null, null)) "
    "as t(day, brand, is_tracked, observed, ratio, seen_at, explanation)"
)
SOV = "select date '2026-10-10' as day, 'nimbus' as brand, 0.5::double as share_of_mentions"


def _rows(settings, sql: str) -> list[tuple]:
    connection = settings.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        connection.close()


def _config(config):
    return config.model_copy(
        update={"bi": config.bi.model_copy(update={"readers": [READER, "nobody_has_this_role"]})}
    )


def test_marts_arrive_with_types_comments_and_read_access(config, bi_database):
    config = _config(config)
    _publish_file(config, {"alerts": ALERTS, "share_of_voice_daily": SOV})
    counts = publish_to_postgres(config, bi_database)
    assert counts == {"alerts": 2, "share_of_voice_daily": 1}
    rows = _rows(bi_database, "select * from marts.alerts order by day")
    assert rows[0][1:4] == ("nimbus", True, 384) and rows[0][6] == HOSTILE
    assert rows[1][2:] == (None, None, None, None, None)
    types = _rows(
        bi_database,
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'alerts' order by ordinal_position",
    )
    assert [t for _, t in types] == [
        "date", "text", "boolean", "bigint", "double precision",
        "timestamp without time zone", "text",
    ]  # fmt: skip
    (comment, column_comment), = _rows(
        bi_database,
        "select obj_description('marts.alerts'::regclass), "
        "col_description('marts.alerts'::regclass, 1)",
    )  # fmt: skip
    assert comment == "The alerts mart; it's documented." and column_comment == "Day of the posts."
    (allowed,) = _rows(
        bi_database, f"select has_table_privilege('{READER}', 'marts.alerts', 'select')"
    )
    assert allowed == (True,)


def test_a_new_publication_replaces_the_set_and_drops_retired_marts(config, bi_database):
    config = _config(config)
    _publish_file(config, {"alerts": ALERTS, "share_of_voice_daily": SOV})
    publish_to_postgres(config, bi_database)
    _publish_file(config, {"share_of_voice_daily": SOV + " union all " + SOV})
    assert publish_to_postgres(config, bi_database) == {"share_of_voice_daily": 2}
    assert pg.table_names(bi_database, "marts") == ["share_of_voice_daily"]


def test_a_failed_load_leaves_the_previous_marts_whole(config, bi_database):
    config = _config(config)
    _publish_file(config, {"alerts": ALERTS, "share_of_voice_daily": SOV})
    publish_to_postgres(config, bi_database)
    # PostgreSQL text cannot hold a NUL character: the second table's COPY fails mid-load.
    broken = SOV.replace("'nimbus'", "'nim' || chr(0) || 'bus'")
    _publish_file(config, {"alerts": ALERTS + " limit 1", "share_of_voice_daily": broken})
    with pytest.raises(Exception, match="0x00"):
        publish_to_postgres(config, bi_database)
    assert len(_rows(bi_database, "select * from marts.alerts")) == 2, "old alerts kept"
    assert _rows(bi_database, "select brand from marts.share_of_voice_daily") == [("nimbus",)]


def test_a_type_without_a_postgres_twin_is_a_clear_error(config, bi_database):
    _publish_file(config, {"odd": "select date '2026-10-10' as day, [1, 2] as ids"})
    with pytest.raises(PostgresPublishError, match=r"odd: no PostgreSQL type for ids INTEGER\[\]"):
        publish_to_postgres(config, bi_database)


def test_the_warehouse_comes_from_the_airflow_connection(config, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_LISTENER_WAREHOUSE", raising=False)
    assert warehouse_connection(config) is None
    monkeypatch.setenv(
        "AIRFLOW_CONN_LISTENER_WAREHOUSE", "postgresql://listener:fake%40pw@warehouse:5433/bi"
    )
    settings = warehouse_connection(config)
    assert (settings.host, settings.port, settings.user, settings.password, settings.database) == (
        "warehouse", 5433, "listener", "fake@pw", "bi",
    )  # fmt: skip


def test_an_unreachable_warehouse_is_a_clear_error(config):
    _publish_file(config, {"share_of_voice_daily": SOV})
    nowhere = pg.PostgresSettings(host="127.0.0.1", port=1, database="bi")
    with pytest.raises(PostgresPublishError, match="cannot reach the BI warehouse 127.0.0.1:1/bi"):
        publish_to_postgres(config, nowhere)
