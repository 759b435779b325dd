"""An incremental `dbt build` gives exactly the marts a `dbt build --full-refresh` gives.

Small generated days (seeded, about 120 posts a day about nimbus, apex and orbit on three
platforms, with the brands' replies, engagement snapshots, brand matches and funnel rows) are
loaded as the loader loads them: every table's rows of the day replaced, and the day recorded in
raw.pending_days by transforms.warehouse.pending_day before the old rows go.

1. Day 1 is loaded and built, then published (raw.pending_days emptied).
2. Day 2 is loaded: new posts and replies (some to day-1 posts), a newer snapshot of a day-1
   post, a post written two days before it was loaded (a day the marts have not seen). Then day
   1 is loaded again: one post is gone, another lost its day-1 row (it stays on day 2), a third
   was reclassified; orders, social sessions and a lead are gone (all of one visitor's) and a
   session changed visitor. An incremental build must equal a full refresh of the same raw
   tables, and a second build of the same pending days (a build whose publication failed is
   redone) too.
3. Day 3 (new posts only) is loaded after a publication: the build rewrites only day 3's posts
   and still equals a full refresh.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from dbt_helpers import create_raw_warehouse, insert_raw_rows, query, run_dbt

from transforms.publish import KEPT_FINGERPRINTS, columns_of, fingerprints, kept_fingerprints
from transforms.warehouse import pending_day
from transforms.warehouse_schema import RAW_SCHEMA, RAW_TABLES

D1, D2, D3 = dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 10, 3)
PLATFORMS = ["x", "reddit", "facebook"]
BRANDS = [
    {"brand": "nimbus", "brand_name": "Nimbus Mobile", "is_tracked": True},
    {"brand": "apex", "brand_name": "Apex Wireless", "is_tracked": False},
    {"brand": "orbit", "brand_name": "Orbit Telecom", "is_tracked": False},
]
ACCOUNTS = ["nimbus", "apex"]  # orbit has no account: its posts are never inbound
INTENTS = ["complaint", "purchase_intent", "question", "praise", "other"]
SENTIMENTS = ["negative", "neutral", "positive", "unknown"]
CAMPAIGNS = ["fall_launch", "retention", None]
# Unit tests run in tests/dbt_project/test_listener_dbt.py; here only models and data tests.
BUILD = ["build", "--exclude-resource-type", "unit_test"]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


class Day:
    """The raw rows of one loaded day."""

    TABLES = ("posts", "post_snapshots", "post_brands", "web_sessions", "orders", "leads",
              "opportunities", "campaign_spend")  # fmt: skip

    def __init__(self, day: dt.date) -> None:
        self.day = day
        self.tables: dict[str, list[dict]] = {t: [] for t in self.TABLES}

    def add_post(self, post: dict, brands: list[tuple[str, bool]], noon_likes: int | None) -> None:
        self.tables["posts"].append(post)
        self.tables["post_snapshots"].append(_snapshot(post, post["observed_at"], post["batch_id"]))
        if noon_likes is not None:  # an earlier snapshot of the same day
            noon = {**post, "likes": noon_likes}
            self.tables["post_snapshots"].append(_snapshot(noon, at(self.day, 12), "b-noon"))
        for brand, relevant in brands:
            self.tables["post_brands"].append({
                "post_id": post["post_id"], "brand": brand, "matched_by": "alias",
                "day": self.day, "p_relevant": 0.9 if relevant else 0.2, "is_relevant": relevant,
            })  # fmt: skip


def _snapshot(post: dict, observed_at: dt.datetime, batch_id: str) -> dict:
    keep = ("post_id", "likes", "shares", "comments", "impressions", "author_followers", "source")
    return {**{k: post[k] for k in keep}, "observed_at": observed_at, "batch_id": batch_id,
            "day": post["day"]}  # fmt: skip


def _post(rng: random.Random, day: dt.date, native_id: str, created_at: dt.datetime, **extra):
    platform = extra.pop("platform", rng.choice(PLATFORMS))
    own = extra.pop("own_brand", None)
    spam = own is None and rng.random() < 0.06
    duplicate = own is None and not spam and rng.random() < 0.06
    reason = "own_post" if own else "spam" if spam else "duplicate" if duplicate else None
    author = extra.pop("author", f"a{rng.randrange(40)}")
    post = {
        "post_id": f"{platform}:{native_id}", "platform": platform, "native_id": native_id,
        "created_at": created_at, "author_id": f"id-{author}", "author_handle": f"@{author}",
        "author_followers": None if platform == "reddit" else rng.choice([10, 300, 20000]),
        "text": f"post {native_id}", "text_clean": f"post {native_id}",
        "likes": rng.randrange(60), "shares": rng.randrange(8), "comments": rng.randrange(12),
        "impressions": rng.randrange(100, 5000) if platform == "x" else None,
        "is_own_post": own is not None, "own_brand": own, "is_spam": spam,
        "is_duplicate": duplicate, "exclusion_reason": reason,
        "sentiment": rng.choice(SENTIMENTS), "intent": rng.choice(INTENTS),
        "utm_campaign": rng.choice(CAMPAIGNS), "source": platform, "batch_id": f"b-{day}",
        "day": day, "observed_at": at(day, 23, 50), "loaded_at": at(day + dt.timedelta(days=1), 1),
    }  # fmt: skip
    post.update(extra)
    return post


def generate_day(day: dt.date, seed: int, posts: int = 120) -> Day:
    """Customer posts about one or two brands, the brands' replies to some of them (a few the
    next day), and the day's web sessions (some from the posts' links), leads and orders."""
    rng = random.Random(seed)
    rows = Day(day)
    for i in range(posts):
        created = at(day, rng.randrange(24), rng.randrange(60))
        post = _post(rng, day, f"{day:%m%d}-{i}", created)
        brands = rng.sample([b["brand"] for b in BRANDS], rng.choice([1, 1, 2]))
        noon_likes = post["likes"] // 2 if rng.random() < 0.3 else None
        rows.add_post(post, [(b, rng.random() > 0.1) for b in brands], noon_likes)
        needs_reply = post["intent"] in ("complaint", "purchase_intent")
        for brand in brands:
            if needs_reply and brand in ACCOUNTS and rng.random() < 0.5:
                _add_reply(rows, rng, post, brand)
    _add_funnel(rows, rng)
    return rows


def _add_reply(rows: Day, rng: random.Random, parent: dict, brand: str) -> None:
    minutes = rng.randrange(5, 600)
    created = parent["created_at"] + dt.timedelta(minutes=minutes)
    native_id = f"r{rows.day:%m%d}-{parent['native_id']}-{brand}"
    reply = _post(rng, rows.day, native_id, created, platform=parent["platform"],
                  own_brand=brand, author=f"{brand}_care", intent="other", sentiment="neutral",
                  in_reply_to_post_id=parent["post_id"], utm_campaign=None)  # fmt: skip
    rows.add_post(reply, [], noon_likes=None)


def _add_funnel(rows: Day, rng: random.Random) -> None:
    day = rows.day
    linked = [p for p in rows.tables["posts"] if not p["is_own_post"]][:30]
    for i in range(60):
        visitor = f"v{rng.randrange(25)}"
        post = linked[i] if i < len(linked) else None
        rows.tables["web_sessions"].append({
            "session_id": f"s-{day:%m%d}-{i}", "visitor_id": visitor,
            "started_at": at(day, rng.randrange(20), rng.randrange(60)), "landing_page": "/",
            "utm_source": post["platform"] if post else rng.choice(PLATFORMS),
            "utm_medium": "social" if rng.random() < 0.8 else "email",
            "utm_campaign": rng.choice(["fall_launch", "retention", ""]),
            "utm_content": post["native_id"] if post else None, "click_id": None,
        })  # fmt: skip
    for i in range(8):
        rows.tables["orders"].append({
            "order_id": f"o-{day:%m%d}-{i}", "visitor_id": f"v{rng.randrange(25)}",
            "ordered_at": at(day, 21, rng.randrange(60)), "revenue": float(rng.randrange(20, 400)),
            "currency": "EUR",
        })  # fmt: skip
    # a visitor of this day only, who orders: a re-load that drops its rows leaves no raw row
    # that names it, but its path must go
    only = f"v-{day:%m%d}"
    rows.tables["web_sessions"].append({
        "session_id": f"s-{day:%m%d}-only", "visitor_id": only, "started_at": at(day, 8),
        "landing_page": "/", "utm_source": "x", "utm_medium": "social",
        "utm_campaign": "retention", "utm_content": None, "click_id": None,
    })  # fmt: skip
    rows.tables["orders"].append({
        "order_id": f"o-{day:%m%d}-only", "visitor_id": only, "ordered_at": at(day, 20),
        "revenue": 50.0, "currency": "EUR",
    })  # fmt: skip
    for i in range(5):
        lead = f"l-{day:%m%d}-{i}"
        rows.tables["leads"].append({"lead_id": lead, "visitor_id": f"v{rng.randrange(25)}",
                                     "created_at": at(day, 22, i)})  # fmt: skip
        if i % 2 == 0:
            rows.tables["opportunities"].append({
                "opportunity_id": f"op-{lead}", "lead_id": lead, "created_at": at(day, 23, i),
                "stage": "qualified", "amount": 1000.0,
            })  # fmt: skip
    for platform in PLATFORMS:
        rows.tables["campaign_spend"].append({
            "day": day, "platform": platform, "campaign": "fall_launch",
            "spend": 100.0, "impressions": 5000, "clicks": 120,
        })  # fmt: skip


def load_day(warehouse: Path, rows: Day, loaded_at: dt.datetime) -> None:
    """What transforms.warehouse.load_day does with a day: the pending-day rows first (from the
    raw tables as they were), then every table's rows of the day replaced, in one transaction."""
    incoming = pl.DataFrame(
        [{"post_id": p["post_id"], "created_at": p["created_at"]} for p in rows.tables["posts"]],
        schema={"post_id": pl.String(), "created_at": pl.Datetime("us")},
    )
    with duckdb.connect(str(warehouse)) as con:
        con.execute("begin transaction")
        pending = pending_day(con, incoming, rows.day).with_columns(loaded_at=pl.lit(loaded_at))
        for table in rows.tables:
            columns, day_column = RAW_TABLES[table]
            day_value = f"cast({day_column} as date)"
            if not isinstance(columns[day_column], pl.Datetime):
                day_value = day_column
            con.execute(f"delete from {RAW_SCHEMA}.{table} where {day_value} = ?", [rows.day])
        con.execute(f"delete from {RAW_SCHEMA}.pending_days where day = ?", [rows.day])
        con.register("pending", pending.to_arrow())
        con.execute(f"insert into {RAW_SCHEMA}.pending_days select * from pending")
        con.execute("commit")
    for table, table_rows in rows.tables.items():
        insert_raw_rows(warehouse, table, table_rows)


def publish(warehouse: Path) -> None:
    """What a publication leaves behind: no pending day."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"delete from {RAW_SCHEMA}.pending_days")


def day_two_and_day_one_again(day1: Day) -> tuple[Day, Day, dict]:
    rng = random.Random(202)
    day2 = generate_day(D2, seed=2)
    voice = [p for p in day1.tables["posts"] if not p["exclusion_reason"]]
    # A newer snapshot of a day-1 post: more likes, observed a day later, first seen on day 1.
    seen_again = voice[0]
    newer = {**seen_again, "day": D2, "likes": seen_again["likes"] + 500,
             "observed_at": at(D2, 23, 55), "batch_id": f"b-{D2}"}  # fmt: skip
    day2.add_post(newer, [], noon_likes=None)
    # Seen again on day 2, and its day-1 row will be dropped: first seen moves to day 2.
    moved = voice[1]
    day2.add_post({**moved, "day": D2, "observed_at": at(D2, 23, 56), "batch_id": f"b-{D2}"},
                  [("nimbus", True)], noon_likes=None)  # fmt: skip
    # Written two days before it was loaded: counts on 09-30, a day the marts do not hold yet.
    late = _post(rng, D2, "late-1", at(D2 - dt.timedelta(days=2), 18), platform="x",
                 intent="complaint", sentiment="negative")  # fmt: skip
    day2.add_post({**late, "is_spam": False, "is_duplicate": False, "exclusion_reason": None},
                  [("nimbus", True)], noon_likes=None)  # fmt: skip
    # Replies on day 2 to day-1 complaints about nimbus (their response times change).
    for parent in [p for p in voice if p["intent"] == "complaint"][:3]:
        _add_reply(day2, rng, parent, "nimbus")
    # Day 1 loaded again: one post gone, `moved` without its day-1 row, one post reclassified;
    # in the funnel, an order, a social session, a lead and every row of one visitor gone, and a
    # session moved to another visitor (both visitors' paths change).
    gone = voice[2]
    reclassified = voice[3]
    sessions = [r for r in day1.tables["web_sessions"] if r["utm_medium"] == "social"]
    funnel_gone = {day1.tables["orders"][0]["order_id"], sessions[0]["session_id"],
                   day1.tables["leads"][0]["lead_id"], f"o-{D1:%m%d}-only",
                   f"s-{D1:%m%d}-only"}  # fmt: skip
    again = Day(D1)
    for table, table_rows in day1.tables.items():
        again.tables[table] = [
            {**r, "sentiment": "negative", "intent": "complaint"}
            if table == "posts" and r.get("post_id") == reclassified["post_id"]
            else {**r, "visitor_id": "v-new"}
            if table == "web_sessions" and r["session_id"] == sessions[1]["session_id"]
            else dict(r)
            for r in table_rows
            if r.get("post_id") not in (gone["post_id"], moved["post_id"])
            and not funnel_gone & {r.get("order_id"), r.get("session_id"), r.get("lead_id")}
        ]
    return day2, again, {"gone": gone, "moved": moved, "late": late, "seen_again": seen_again,
                         "funnel_gone": funnel_gone}  # fmt: skip


def mart_tables(warehouse: Path, schema: str = "marts") -> list[str]:
    rows = query(warehouse, "select table_name from information_schema.tables "
                 f"where table_schema = '{schema}' order by 1")  # fmt: skip
    return [r["table_name"] for r in rows]


def _normal(value):
    return float(f"{value:.10g}") if isinstance(value, float) else value


def table_rows(warehouse: Path, table: str) -> list[tuple]:
    rows = query(warehouse, f"select * from {table}")
    return sorted((tuple(_normal(v) for v in r.values()) for r in rows), key=repr)


def assert_same_tables(incremental: Path, full: Path) -> None:
    marts = mart_tables(full)
    assert marts, "no marts built"
    assert mart_tables(incremental) == marts
    compared = [f"marts.{t}" for t in marts] + [
        "staging.stg_listener__posts",
        "intermediate.int_post_snapshots_summarized",
        "intermediate.int_brand_mentions_joined",
        "intermediate.int_brand_mentions_aggregated",
        "intermediate.int_inbound_posts_joined",
        "intermediate.int_visitor_days_listed",
        "intermediate.int_social_touchpoints_joined",
        "intermediate.int_conversion_paths_built",
        "intermediate.int_leads_attributed",
        "intermediate.int_markov_transitions_counted",
        "intermediate.int_order_credits_computed",
        "publication.post_engagement_fingerprints",
    ]
    for table in compared:
        expected = table_rows(full, table)
        # alerts needs a week of baseline (anomaly_min_baseline_days): three days raise none
        assert expected or table == "marts.alerts", f"{table} is empty: nothing was compared"
        assert table_rows(incremental, table) == expected, table
    assert_kept_fingerprints_are_the_marts(incremental)


def assert_kept_fingerprints_are_the_marts(warehouse: Path) -> None:
    """The fingerprints the build keeps for publish are the ones publish would compute."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kept = kept_fingerprints(con)
        assert set(kept) == set(KEPT_FINGERPRINTS)
        for table, prints in kept.items():
            columns = columns_of(con, "listener", "marts", table)
            assert prints == fingerprints(con, f"select * from marts.{table}", columns, []), table


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Day 1 built and published; day 2 and day 1 again loaded, not yet built."""
    root = tmp_path_factory.mktemp("incremental")
    warehouse = create_raw_warehouse(root / "listener.duckdb")
    insert_raw_rows(warehouse, "brands", BRANDS)
    insert_raw_rows(warehouse, "model_versions", [
        {"task": task, "version": "v1", "is_current": True, "method": "prior",
         "holdout_macro_f1": 0.7, "created_at": "2026-09-30T00:00:00"}
        for task in ("sentiment", "intent")
    ])  # fmt: skip
    day1 = generate_day(D1, seed=1)
    load_day(warehouse, day1, at(D2, 1))
    first = run_dbt(BUILD, warehouse=warehouse, work_dir=root / "dbt")
    assert first.success, first.summary()
    publish(warehouse)
    day2, again, changed = day_two_and_day_one_again(day1)
    load_day(warehouse, day2, at(D3, 1))
    load_day(warehouse, again, at(D3, 2))
    return root, warehouse, changed


def _full_refresh_of(warehouse: Path, root: Path, name: str) -> Path:
    copy = root / f"{name}.duckdb"
    shutil.copy(warehouse, copy)
    run = run_dbt(["run", "--full-refresh"], warehouse=copy, work_dir=root / "dbt")
    assert run.success, run.summary()
    return copy


def test_an_incremental_build_equals_a_full_refresh(built):
    root, warehouse, changed = built
    full = _full_refresh_of(warehouse, root, "full_day2")
    run = run_dbt(BUILD, warehouse=warehouse, work_dir=root / "dbt")
    assert run.success, run.summary()
    assert not run.failed
    assert_same_tables(warehouse, full)

    posts = {r["post_id"]: r for r in query(warehouse, "select * from staging.stg_listener__posts")}
    assert changed["gone"]["post_id"] not in posts
    assert posts[changed["moved"]["post_id"]]["first_seen_day"] == D2
    assert posts[changed["late"]["post_id"]]["day"] == D2 - dt.timedelta(days=2)
    seen_again = posts[changed["seen_again"]["post_id"]]
    assert (seen_again["first_seen_day"], seen_again["day"]) == (D1, D1)
    assert seen_again["likes"] == changed["seen_again"]["likes"] + 500
    paths = query(warehouse, "select * from intermediate.int_conversion_paths_built")
    assert not changed["funnel_gone"] & {r["session_id"] for r in paths}
    assert not changed["funnel_gone"] & {r["order_id"] for r in paths}
    # found only in what the last build held: the re-load left no row of it
    visitors = query(warehouse, "select visitor_id from staging.stg_web__visitor_changes")
    assert f"v-{D1:%m%d}" in {r["visitor_id"] for r in visitors}
    assert f"v-{D1:%m%d}" not in {r["visitor_id"] for r in paths}

    # A second build of the same pending days (a publication that failed) changes nothing.
    again = run_dbt(BUILD, warehouse=warehouse, work_dir=root / "dbt")
    assert again.success, again.summary()
    assert_same_tables(warehouse, full)


def test_a_new_day_rewrites_only_its_own_posts(built):
    root, warehouse, _ = built
    run = run_dbt(BUILD, warehouse=warehouse, work_dir=root / "dbt")  # day 2 as above
    assert run.success, run.summary()
    publish(warehouse)
    day3 = generate_day(D3, seed=3)
    load_day(warehouse, day3, at(D3 + dt.timedelta(days=1), 1))
    full = _full_refresh_of(warehouse, root, "full_day3")
    run = run_dbt(BUILD, warehouse=warehouse, work_dir=root / "dbt")
    assert run.success, run.summary()
    assert_same_tables(warehouse, full)

    listed = {r["post_id"] for r in query(warehouse, "select post_id from "
                                          "staging.stg_listener__post_changes")}  # fmt: skip
    assert listed == {p["post_id"] for p in day3.tables["posts"]}
    days = {r["day"] for r in query(warehouse, "select day from intermediate."
                                    "int_post_changes_joined")}  # fmt: skip
    assert days == {D3}
    visitors = {r["visitor_id"] for r in query(warehouse, "select visitor_id from "
                                               "staging.stg_web__visitor_changes")}  # fmt: skip
    assert visitors == {r["visitor_id"] for table in ("web_sessions", "orders", "leads")
                        for r in day3.tables[table]}  # fmt: skip
    # The marts were rewritten with a delete of the changed rows, not rebuilt.
    sql = (root / "dbt" / "target" / "run" / "listener" / "models" / "marts" / "engagement"
           / "post_engagement.sql").read_text()  # fmt: skip
    assert "delete from" in sql and "stg_listener__post_changes" in sql


def test_a_post_that_moves_to_a_later_day_leaves_its_old_day(built):
    """The late post (written two days before it was loaded on day 2, so it counts on 09-30) is
    seen again on day 4 with its creation time corrected to day 2: it moves to day 2, and its
    09-30 rows must go although no changed post counts on 09-30 any more (the day bound of kind
    dated_posts includes the days the changed posts counted on before)."""
    root, warehouse, changed = built
    run = run_dbt(BUILD, warehouse=warehouse, work_dir=root / "dbt")
    assert run.success, run.summary()
    publish(warehouse)
    d4 = D3 + dt.timedelta(days=1)
    late = changed["late"]
    day4 = Day(d4)
    day4.add_post({**late, "is_spam": False, "is_duplicate": False, "exclusion_reason": None,
                   "created_at": at(D2, 9), "day": d4, "observed_at": at(d4, 23, 50),
                   "batch_id": f"b-{d4}"}, [("nimbus", True)], noon_likes=None)  # fmt: skip
    load_day(warehouse, day4, at(d4 + dt.timedelta(days=1), 1))
    full = _full_refresh_of(warehouse, root, "full_day4")
    run = run_dbt(BUILD, warehouse=warehouse, work_dir=root / "dbt")
    assert run.success, run.summary()
    moves = query(warehouse, "select day, previous_day from intermediate.int_post_changes_joined")
    assert moves == [{"day": D2, "previous_day": D2 - dt.timedelta(days=2)}]
    assert_same_tables(warehouse, full)
    rows = query(
        warehouse, f"select day from marts.post_engagement where post_id = '{late['post_id']}'"
    )
    assert rows == [{"day": D2}]


def test_a_changed_competitive_set_rewrites_every_day(built):
    """config/listener.yml's brands reach raw.brands on every load: a renamed brand and a new
    competitor change the shares and names of every day, not only the days loaded since."""
    root, warehouse, _ = built
    run = run_dbt(BUILD, warehouse=warehouse, work_dir=root / "dbt")
    assert run.success, run.summary()
    publish(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw.brands set brand_name = 'Apex Mobile' where brand = 'apex'")
        con.execute("insert into raw.brands values ('pulse', 'Pulse Connect', false)")
    full = _full_refresh_of(warehouse, root, "full_brands")
    run = run_dbt(BUILD, warehouse=warehouse, work_dir=root / "dbt")
    assert run.success, run.summary()
    assert_same_tables(warehouse, full)
    names = query(warehouse, "select distinct brand_name from marts.share_of_voice_daily")
    assert {r["brand_name"] for r in names} == {"Nimbus Mobile", "Apex Mobile", "Orbit Telecom",
                                                 "Pulse Connect"}  # fmt: skip


def test_the_pipeline_rebuilds_everything_after_a_build_it_cannot_trust(config, monkeypatch):
    """build_marts builds incrementally only on top of a build that finished and whose marts the
    marts gate did not stop; otherwise (no build yet or one from before this bookkeeping, a
    failed or killed build, a stopped gate) it does a full refresh."""
    from transforms import batch_quarantine, warehouse

    runs: list[list[str]] = []
    outcome = {"success": True}

    def fake_run_dbt(config, command="build", extra=None, target=None):
        runs.append(list(extra or []))
        failures = [] if outcome["success"] else ["model.listener.x: error"]
        return warehouse.DbtResult(outcome["success"], 1, failures, "dbt.log")

    monkeypatch.setattr(warehouse, "run_dbt", fake_run_dbt)
    warehouse.connect(config).close()  # the raw schema

    def full_refresh() -> bool:
        return "--full-refresh" in runs[-1]

    warehouse.build_marts(config)
    assert full_refresh()  # nothing built yet
    warehouse.build_marts(config)
    assert not full_refresh()
    outcome["success"] = False
    with pytest.raises(warehouse.DbtBuildError):
        warehouse.build_marts(config)
    outcome["success"] = True
    warehouse.build_marts(config)
    assert full_refresh()  # the failed build may have left some models newer than others
    warehouse.build_marts(config)
    assert not full_refresh()
    batch_quarantine.record_stopped_load(
        config, checkpoint="marts", run="through-2026-10-03", days=[D3], failures=["shares"],
        report="report.json",
    )  # fmt: skip
    warehouse.build_marts(config)
    assert full_refresh()  # the gate stopped marts that dbt's tests passed
    batch_quarantine.resolve_loads(config, "marts")
    warehouse.build_marts(config)
    assert not full_refresh()
    # An incremental build leaves the views (their SQL is the previous build's) but not their tests.
    assert runs[-1][-2:] == ["--select", warehouse.INCREMENTAL_BUILD_SELECTION]
    warehouse.build_marts(config, full_refresh=True)
    assert full_refresh() and "--select" not in runs[-1]
    warehouse.build_marts(config)
    assert not full_refresh()
    monkeypatch.setattr(warehouse, "project_fingerprint", lambda config: "another version")
    warehouse.build_marts(config)
    assert full_refresh()  # the marts so far were built by other SQL
    warehouse.build_marts(config)
    assert not full_refresh()


def test_the_project_fingerprint_follows_the_project_files_and_the_vars(
    config, tmp_path, monkeypatch
):
    from transforms import warehouse

    project = tmp_path / "dbt_project"
    (project / "models").mkdir(parents=True)
    (project / "target").mkdir()
    (project / "dbt_project.yml").write_text("name: listener\n")
    (project / "models" / "a.sql").write_text("select 1 as a\n")
    monkeypatch.setattr(warehouse, "DBT_PROJECT_DIR", project)
    first = warehouse.project_fingerprint(config)
    (project / "target" / "manifest.json").write_text("{}")  # dbt's output, not the project
    (project / "target" / "a.sql").write_text("compiled")
    (project / ".user.yml").write_text("id: 1")  # dbt's own bookkeeping
    assert warehouse.project_fingerprint(config) == first
    (project / "models" / "a.sql").write_text("select 2 as a\n")
    second = warehouse.project_fingerprint(config)
    assert second != first
    (project / "models" / "a.sql").rename(project / "models" / "b.sql")
    assert warehouse.project_fingerprint(config) not in {first, second}
    (project / "models" / "b.sql").rename(project / "models" / "a.sql")
    assert warehouse.project_fingerprint(config) == second
    funnel = config.funnel.model_copy(update={"attribution_lookback_days": 7})
    changed = config.model_copy(update={"funnel": funnel})
    assert warehouse.project_fingerprint(changed) != second


def test_a_row_that_breaks_a_mart_constraint_stops_the_build(built, tmp_path):
    """The marts' checks of single rows are constraints: the warehouse refuses the row as the
    incremental run writes it, the model fails and nothing downstream is built."""
    root, warehouse, _ = built
    broken = tmp_path / "listener.duckdb"
    shutil.copy(warehouse, broken)
    rng = random.Random(9)
    day = Day(D3 + dt.timedelta(days=1))
    post = _post(
        rng, day.day, "negative-likes", at(day.day, 9), platform="x", likes=-5, shares=0, comments=0
    )  # engagement -5: post_engagement checks engagement >= 0
    day.add_post(post, [("nimbus", True)], noon_likes=None)
    load_day(broken, day, at(day.day, 23))
    run = run_dbt([*BUILD, "--select", "+author_influence"], warehouse=broken,
                  work_dir=tmp_path / "dbt")  # fmt: skip
    assert not run.success
    assert run.statuses["post_engagement"] == "error"
    assert run.statuses["author_influence"] == "skipped"


def test_a_process_parses_each_version_of_the_project_once(config, tmp_path, monkeypatch):
    from transforms import warehouse

    project = tmp_path / "dbt_project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: listener\nprofile: listener\n")
    shutil.copy(warehouse.DBT_PROJECT_DIR / "profiles.yml", project / "profiles.yml")
    (project / "models" / "a.sql").write_text("select 1 as a\n")
    monkeypatch.setattr(warehouse, "DBT_PROJECT_DIR", project)
    first = warehouse.parsed_project(config)
    assert set(first.nodes) == {"model.listener.a"}
    assert warehouse.parsed_project(config) is first
    # Another data directory (another target folder, the same warehouse file name): no parse.
    elsewhere = config.model_copy(update={"data_dir": tmp_path / "elsewhere"})
    assert warehouse.parsed_project(elsewhere) is first
    (project / "models" / "b.sql").write_text("select 2 as b\n")
    second = warehouse.parsed_project(config)
    assert set(second.nodes) == {"model.listener.a", "model.listener.b"}
    warehouse.connect(config).close()  # the warehouse file
    built = warehouse.run_dbt(config, "build")
    assert built.success and built.nodes == 2, built.failures
    assert warehouse.parsed_project(config) is second
