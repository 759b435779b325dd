"""Publication: pseudonymized BI marts, the restricted file, and incremental republication that
gives exactly what a publication from scratch gives."""

from __future__ import annotations

import datetime as dt
import shutil
import stat

import duckdb
import polars as pl
import pytest

from transforms import publish, zones
from transforms.warehouse import connect

KEY = "a test key, not a secret"
D1, D2, D3 = dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 10, 3)


@pytest.fixture
def working(config, monkeypatch):
    """A working warehouse with a few marts shaped like the real ones."""
    monkeypatch.setenv(publish.KEY_ENV, KEY)
    with connect(config) as con:  # also creates raw.pending_days, which publish clears
        con.execute("create schema marts")
        con.execute(
            "create table marts.post_engagement as select * from (values "
            "(date '2026-10-01', 'x:1', 'x', 'u1', 10), (date '2026-10-01', 'x:2', 'x', 'u2', 3), "
            "(date '2026-10-02', 'x:3', 'reddit', 'u1', 7)) "
            "as t(day, post_id, platform, author_id, engagement)"
        )
        con.execute(
            "create table marts.author_influence as select * from (values "
            "('x', 'u1', '@ann', 1), ('x', 'u2', '@bob', 2)) "
            "as t(platform, author_id, author_handle, influence_rank)"
        )
        con.execute(
            "create table marts.triage_queue as select * from (values "
            "('x:2', 'x', 'u2', '@bob', 'support')) "
            "as t(post_id, platform, author_id, author_handle, route)"
        )
        con.execute(
            "create table marts.funnel_attribution_posts as select * from (values "
            "('x:1', '@ann', 60.0)) as t(post_id, author_handle, revenue)"
        )
        con.execute("comment on table marts.post_engagement is 'Engagement per post'")
    return config


def published_tables(config, restricted: bool = False) -> dict[str, pl.DataFrame]:
    path = zones.published_warehouse(config)
    if restricted:
        path = path.parent / publish.RESTRICTED_FILE
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()]
        return {n: con.sql(f"select * from {n}").pl().sort(pl.all()) for n in sorted(names)}


def test_bi_marts_name_authors_only_by_a_keyed_pseudonym(working):
    counts = publish.publish(working)
    assert counts == {"author_influence": 2, "funnel_attribution_posts": 1, "post_engagement": 3}
    bi = published_tables(working)
    assert "triage_queue" not in bi, "the care teams' queue is restricted"
    for table, frame in bi.items():
        assert not {"author_id", "author_handle"} & set(frame.columns), table
    engagement = bi["post_engagement"]
    assert engagement.columns == ["day", "post_id", "platform", "author_pseudonym", "engagement"]
    expected = [publish.pseudonym(KEY.encode(), p, a) for p, a in
                [("x", "u1"), ("x", "u2"), ("reddit", "u1")]]  # fmt: skip
    assert sorted(engagement["author_pseudonym"]) == sorted(expected)
    # The same author is the same pseudonym in every mart (BI tools can join on it) ...
    influence = bi["author_influence"]
    assert set(influence["author_pseudonym"]) <= set(engagement["author_pseudonym"])
    # ... and the Parquet exports are the pseudonymized marts too.
    parquet = zones.published_warehouse(working).with_name("parquet")
    for file in parquet.rglob("*.parquet"):
        assert not {"author_id", "author_handle"} & set(pl.read_parquet_schema(file)), file
    assert not list(parquet.glob("triage_queue*"))


def test_the_restricted_file_keeps_handles_for_its_readers_only(working):
    publish.publish(working)
    restricted = published_tables(working, restricted=True)
    assert set(restricted) == {"triage_queue", "author_influence"}
    assert restricted["triage_queue"]["author_handle"].to_list() == ["@bob"]
    path = zones.published_warehouse(working).parent / publish.RESTRICTED_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert publish.query_published(
        working, "select author_handle from author_influence order by 1", restricted=True
    )["author_handle"].to_list() == ["@ann", "@bob"]


def test_the_key_never_reaches_a_published_file(working):
    publish.publish(working)
    folder = zones.published_warehouse(working).parent
    for file in folder.rglob("*"):
        if file.is_file():
            assert KEY.encode() not in file.read_bytes(), file


def test_without_a_key_in_the_environment_a_local_key_is_made_once(working, monkeypatch):
    monkeypatch.delenv(publish.KEY_ENV)
    first = publish.pseudonym_key(working)
    assert first == publish.pseudonym_key(working) and len(first) >= 32
    key_file = working.data_dir / "secrets" / "pseudonym.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_mart_with_author_ids_but_no_platform_is_refused(working):
    with connect(working) as con:
        con.execute("create table marts.leaky as select 'u1' as author_id")
    with pytest.raises(publish.PublishError, match="leaky has author_id but no platform"):
        publish.publish(working)


def _change_the_marts(config) -> None:
    with connect(config) as con:
        con.execute("update marts.post_engagement set engagement = 11 where post_id = 'x:1'")
        con.execute("delete from marts.post_engagement where day = date '2026-10-02'")
        con.execute(
            "insert into marts.post_engagement values (date '2026-10-03', 'x:4', 'x', 'u3', 1)"
        )
        con.execute("update marts.author_influence set influence_rank = 3 - influence_rank")
        con.execute("create table marts.sentiment_trend as select 1 as net_sentiment")
        con.execute("drop table marts.funnel_attribution_posts")


def test_republishing_rewrites_only_what_changed_and_equals_a_fresh_publication(working, tmp_path):
    publish.publish(working)
    parquet = zones.published_warehouse(working).with_name("parquet")
    inode_before = (parquet / "author_influence.parquet").stat().st_ino
    publish.publish(working)  # nothing changed
    assert (parquet / "author_influence.parquet").stat().st_ino == inode_before
    _change_the_marts(working)
    publish.publish(working)
    incremental = published_tables(working)
    state = publish.read_manifest(zones.published_warehouse(working).with_name("published.json"))
    assert set(state["tables"]) == {"author_influence", "post_engagement", "sentiment_trend"}

    fresh = working.model_copy(update={"data_dir": tmp_path / "fresh"})
    zones.warehouse_file(fresh).parent.mkdir(parents=True)
    shutil.copyfile(zones.warehouse_file(working), zones.warehouse_file(fresh))
    publish.publish(fresh)
    assert incremental.keys() == published_tables(fresh).keys()
    for table, frame in published_tables(fresh).items():
        assert incremental[table].equals(frame), table
    assert_parquet_equals_marts(parquet, incremental)


def assert_parquet_equals_marts(parquet, marts: dict[str, pl.DataFrame]) -> None:
    assert {p.name.removesuffix(".parquet") for p in parquet.iterdir()} == set(marts)
    for table, frame in marts.items():
        exported = pl.concat([pl.read_parquet(f) for f in publish.parquet_files(parquet, table)])
        assert exported.sort(pl.all()).equals(frame), table


@pytest.mark.parametrize("one_by_one", [8, 0], ids=["a-copy-a-day", "partitioned-write"])
def test_a_mart_by_day_is_exported_a_file_a_day_and_republished_by_changed_day(
    working, monkeypatch, one_by_one
):
    monkeypatch.setattr(publish, "DAYS_COPIED_ONE_BY_ONE", one_by_one)
    publish.publish(working)
    folder = zones.published_warehouse(working).with_name("parquet") / "post_engagement"
    assert sorted(f.name for f in folder.iterdir()) == ["2026-10-01.parquet", "2026-10-02.parquet"]
    assert pl.read_parquet(folder / "2026-10-02.parquet")["post_id"].to_list() == ["x:3"]
    inodes = {f.name: f.stat().st_ino for f in folder.iterdir()}
    with connect(working) as con:  # a new day, and the 2nd emptied
        con.execute("delete from marts.post_engagement where day = date '2026-10-02'")
        con.execute(
            "insert into marts.post_engagement values (date '2026-10-03', 'x:4', 'x', 'u3', 1)"
        )
    publish.publish(working)
    files = {f.name: f.stat().st_ino for f in folder.iterdir()}
    assert sorted(files) == ["2026-10-01.parquet", "2026-10-03.parquet"]
    assert files["2026-10-01.parquet"] == inodes["2026-10-01.parquet"], "an unchanged day is kept"
    assert_parquet_equals_marts(folder.parent, published_tables(working))


def test_a_mart_by_day_without_rows_is_exported_with_its_columns(working):
    with connect(working) as con:
        con.execute("delete from marts.post_engagement")
    publish.publish(working)
    folder = zones.published_warehouse(working).with_name("parquet") / "post_engagement"
    (file,) = folder.iterdir()
    assert file.name == publish.EMPTY_MART
    assert pl.read_parquet(file).columns == published_tables(working)["post_engagement"].columns


def test_a_new_key_republishes_every_pseudonym(working, monkeypatch):
    publish.publish(working)
    before = set(published_tables(working)["post_engagement"]["author_pseudonym"])
    monkeypatch.setenv(publish.KEY_ENV, "another key")
    publish.publish(working)
    after = set(published_tables(working)["post_engagement"]["author_pseudonym"])
    assert before.isdisjoint(after) and len(after) == 3  # x:u1, x:u2, reddit:u1
    parquet = zones.published_warehouse(working).with_name("parquet")
    exported = pl.concat(
        [pl.read_parquet(f) for f in publish.parquet_files(parquet, "post_engagement")]
    )
    assert set(exported["author_pseudonym"]) == after
