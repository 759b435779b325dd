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


# as dbt makes it: a view of the marts schema over a mart table, the rank computed when read
INFLUENCE_VIEW = (
    "create or replace view marts.author_influence as with scores as "
    "(select * from marts.author_influence_scores) select *, rank() over "
    "(partition by platform order by influence_score desc) as influence_rank from scores"
)


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
            "create table marts.author_influence_scores as select * from (values "
            "('x', 'u1', '@ann', 2.0), ('x', 'u2', '@bob', 1.0), ('reddit', 'u1', '@ann', 1.0)) "
            "as t(platform, author_id, author_handle, influence_score)"
        )
        con.execute(INFLUENCE_VIEW)
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
        names = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() union all "
            "select view_name from duckdb_views() where not internal").fetchall()]  # fmt: skip
        return {n: con.sql(f"select * from {n}").pl().sort(pl.all()) for n in sorted(names)}


def test_bi_marts_name_authors_only_by_a_keyed_pseudonym(working):
    counts = publish.publish(working)
    assert counts == {
        "author_influence": 3,
        "author_influence_scores": 3,
        "funnel_attribution_posts": 1,
        "post_engagement": 3,
    }
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
    assert set(restricted) == {"triage_queue", "author_influence_scores", "author_influence"}
    assert restricted["triage_queue"]["author_handle"].to_list() == ["@bob"]
    path = zones.published_warehouse(working).parent / publish.RESTRICTED_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert publish.query_published(
        working, "select author_handle from author_influence order by 1", restricted=True
    )["author_handle"].to_list() == ["@ann", "@ann", "@bob"]


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
        # u2 overtakes u1, u1's handle is new, u3 is a new author and u1 on reddit is gone
        con.execute("update marts.author_influence_scores set influence_score = 3 "
                    "where author_id = 'u2'")  # fmt: skip
        con.execute("update marts.author_influence_scores set author_handle = '@ann2' "
                    "where author_id = 'u1'")  # fmt: skip
        con.execute("insert into marts.author_influence_scores values ('x', 'u3', '@cy', 0.5)")
        con.execute("delete from marts.author_influence_scores where platform = 'reddit'")
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
    assert set(state["tables"]) == {
        "author_influence",
        "author_influence_scores",
        "post_engagement",
        "sentiment_trend",
    }

    fresh = working.model_copy(update={"data_dir": tmp_path / "fresh"})
    zones.warehouse_file(fresh).parent.mkdir(parents=True)
    shutil.copyfile(zones.warehouse_file(working), zones.warehouse_file(fresh))
    publish.publish(fresh)
    assert incremental.keys() == published_tables(fresh).keys()
    for table, frame in published_tables(fresh).items():
        assert incremental[table].equals(frame), table
    assert_parquet_equals_marts(parquet, incremental)


def assert_parquet_equals_marts(parquet, marts: dict[str, pl.DataFrame]) -> None:
    """Every mart has its Parquet copy, but a table a view shows whole (only the view's)."""
    exported = set(marts) - set(publish.SHOWN_BY_VIEW)
    assert {p.name.removesuffix(".parquet") for p in parquet.iterdir()} == exported
    for table, frame in [(t, f) for t, f in marts.items() if t in exported]:
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


def _calls(monkeypatch, name: str) -> list[str]:
    """The marts a publish helper is called for (it still runs)."""
    tables: list[str] = []
    real = getattr(publish, name)

    def spy(out, mart, *args):
        tables.append(mart.table)
        return real(out, mart, *args)

    monkeypatch.setattr(publish, name, spy)
    return tables


def test_a_keyed_mart_is_republished_by_key_and_equals_a_fresh_publication(
    working, monkeypatch, tmp_path
):
    publish.publish(working)
    assert publish.row_hashes_file(working, "author_influence_scores").exists()
    whole, by_key = _calls(monkeypatch, "_replace_table"), _calls(monkeypatch, "_replace_keys")
    _change_the_marts(working)
    publish.publish(working)
    assert by_key == ["author_influence_scores", "author_influence_scores"]  # BI and restricted
    assert "author_influence_scores" not in whole
    restricted = published_tables(working, restricted=True)["author_influence"]
    assert restricted.sort("influence_rank").select("author_id", "author_handle").rows() == [
        ("u2", "@bob"), ("u1", "@ann2"), ("u3", "@cy")
    ]  # fmt: skip

    fresh = working.model_copy(update={"data_dir": tmp_path / "fresh"})
    zones.warehouse_file(fresh).parent.mkdir(parents=True)
    shutil.copyfile(zones.warehouse_file(working), zones.warehouse_file(fresh))
    publish.publish(fresh)
    for restricted_file in (False, True):
        expected = published_tables(fresh, restricted_file)
        assert published_tables(working, restricted_file).keys() == expected.keys()
        for table, frame in expected.items():
            assert published_tables(working, restricted_file)[table].equals(frame), table


def test_hashes_that_do_not_describe_the_publication_make_a_whole_rewrite(working, monkeypatch):
    publish.publish(working)
    hashes = publish.row_hashes_file(working, "author_influence_scores")
    stale = hashes.read_bytes()
    with connect(working) as con:
        con.execute("update marts.author_influence_scores set influence_score = 9")
    publish.publish(working)
    hashes.write_bytes(stale)  # as after a crash between published.json and the hashes
    whole = _calls(monkeypatch, "_replace_table")
    with connect(working) as con:
        con.execute("update marts.author_influence_scores set influence_score = 2 "
                    "where author_id = 'u2'")  # fmt: skip
    publish.publish(working)
    assert whole.count("author_influence_scores") == 2
    scores = published_tables(working, restricted=True)["author_influence_scores"]
    assert sorted(scores["influence_score"]) == [2.0, 9.0, 9.0]


def test_a_view_is_published_over_the_published_tables_and_ranks_the_same(working):
    publish.publish(working)
    bi = published_tables(working)["author_influence"]
    restricted = published_tables(working, restricted=True)["author_influence"]
    assert bi.columns == ["platform", "author_pseudonym", "influence_score", "influence_rank"]
    assert sorted(bi["influence_rank"]) == sorted(restricted["influence_rank"]) == [1, 1, 2]
    path = zones.published_warehouse(working)
    with duckdb.connect(str(path), read_only=True) as con:
        (kind,) = con.execute(
            "select count(*) from duckdb_views() where view_name = 'author_influence'"
        ).fetchone()
    assert kind == 1, "a view in the published file, not a stored copy"
    parquet = pl.read_parquet(path.with_name("parquet") / "author_influence.parquet")
    assert parquet.sort(pl.all()).equals(bi)


def test_the_ranked_authors_file_is_written_while_the_bi_file_is_updated(working, monkeypatch):
    """A republication with changed authors writes author_influence's Parquet file from the new
    BI file as soon as its scores are replaced (ViewsAhead), not after: it is moved into the
    export, not written there again, and holds the new ranks."""
    publish.publish(working)
    folder = zones.published_warehouse(working).parent
    left = folder / ".author_influence.parquet.ahead"  # by a publication that failed after it
    left.write_bytes(b"partial")
    publish.publish(working)  # nothing changed: nothing written ahead, and the old file removed
    assert not left.exists()
    written: list[str] = []
    real = publish._export_table

    def spy(con, table, *args):
        written.append(table)
        return real(con, table, *args)

    monkeypatch.setattr(publish, "_export_table", spy)
    with connect(working) as con:
        con.execute("update marts.author_influence_scores set influence_score = 9.5 "
                    "where author_id = 'u2'")  # fmt: skip
    publish.publish(working)
    assert "author_influence" not in written, "moved in from the file written ahead"
    assert not list(folder.glob(".*.ahead")), "nothing left behind"
    bi = published_tables(working)["author_influence"]
    parquet = pl.read_parquet(folder / "parquet" / "author_influence.parquet")
    assert parquet.sort(pl.all()).equals(bi.sort(pl.all()))
    assert parquet.filter(pl.col("influence_score") == 9.5)["influence_rank"].to_list() == [1]


def test_a_view_that_needs_what_bi_readers_do_not_get_is_refused(working):
    with connect(working) as con:
        con.execute(
            "create view marts.named as select author_id from marts.author_influence_scores"
        )
    with pytest.raises(publish.PublishError, match="view named cannot be published"):
        publish.publish(working)


def test_a_view_that_reads_outside_the_marts_is_refused(working):
    with connect(working) as con:
        con.execute("create schema staging")
        con.execute("create table staging.stg as select 1 as a")
        con.execute("create view marts.leaky as select a from staging.stg")
    with pytest.raises(publish.PublishError, match="reads staging.stg, which is not published"):
        publish.publish(working)


def _keep_fingerprints(config, hashed_columns: str | None = None) -> None:
    """What the build keeps for publish (dbt_project/models/publication): the fingerprints of
    post_engagement's days, over its columns."""
    with connect(config) as con:
        columns = publish.columns_of(con, publish.current_catalog(con), "marts", "post_engagement")
        con.execute("create schema if not exists publication")
        con.execute(
            "create or replace table publication.post_engagement_fingerprints as "
            f"select day, count(*) as row_count, sum({publish.row_hash_sql(columns)}::hugeint) "
            "as row_hash, ? as hashed_columns from marts.post_engagement group by day",
            [hashed_columns or ",".join(columns)],
        )


def test_publish_takes_the_fingerprints_the_build_kept_while_they_describe_the_mart(
    working, monkeypatch
):
    hashed: list[str] = []
    computing = publish.fingerprints

    def fingerprints(con, source, names, params):
        hashed.append(source.split(".")[-1])
        return computing(con, source, names, params)

    monkeypatch.setattr(publish, "fingerprints", fingerprints)
    _keep_fingerprints(working)
    publish.publish(working)
    assert "post_engagement" not in hashed and "funnel_attribution_posts" in hashed
    first = published_tables(working)["post_engagement"]
    assert first.height == 3

    # a day the build rewrote, with its fingerprint: republished from the kept fingerprints
    with connect(working) as con:
        con.execute("update marts.post_engagement set engagement = 11 where post_id = 'x:3'")
    _keep_fingerprints(working)
    hashed.clear()
    publish.publish(working)
    assert "post_engagement" not in hashed
    assert published_tables(working)["post_engagement"]["engagement"].to_list() == [10, 3, 11]

    # rows the kept fingerprints do not count (a mart rebuilt without them): publish hashes it
    with connect(working) as con:
        con.execute(
            "insert into marts.post_engagement values (date '2026-10-03', 'x:4', 'x', 'u3', 1)"
        )
    publish.publish(working)
    assert "post_engagement" in hashed
    assert published_tables(working)["post_engagement"].height == 4

    # kept over other columns than the mart has now: publish hashes it too
    _keep_fingerprints(working, hashed_columns="day,post_id")
    hashed.clear()
    publish.publish(working)
    assert "post_engagement" in hashed
