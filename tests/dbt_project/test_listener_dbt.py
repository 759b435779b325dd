"""The dbt project built end to end on a small hand-made warehouse.

The dataset is small enough to work out every mart value by hand (the comments show the sums):
4 brands, 2 platforms, 2 days of posts with own posts, spam, duplicates and an unrelated mention
that must not count, and 4 web visitors whose social sessions and orders exercise attribution
(a 3-touch order with a 4th touch outside the 30-day lookback and a non-social session, a
1-touch order, an order whose only touch is too old, a visitor who never orders).

Three dbt invocations, about 30 s for the module here: a `dbt build` of the good data, one of
the same data with an order loaded twice (the build must fail), and a `dbt test` of marts tampered
with after a good build (the invariant tests must fail).
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from dbt_helpers import (
    DbtRun,
    create_raw_warehouse,
    insert_raw_rows,
    query,
    run_dbt,
)

DAY_1 = date(2026, 10, 1)
DAY_2 = date(2026, 10, 2)

BRANDS = [
    {"brand": "nimbus", "brand_name": "Nimbus Mobile", "is_tracked": True},
    {"brand": "apex", "brand_name": "Apex Wireless", "is_tracked": False},
    {"brand": "orbit", "brand_name": "Orbit Telecom", "is_tracked": False},
    {"brand": "pulse", "brand_name": "Pulse Connect", "is_tracked": False},
]


def _post(platform, native_id, day, sentiment, engagement=0, exclusion_reason="", **flags):
    """A classified post; `engagement` goes to likes (shares/comments stay 0)."""
    return {
        "post_id": f"{platform}:{native_id}",
        "platform": platform,
        "native_id": native_id,
        "created_at": datetime.combine(day, datetime.min.time()).replace(hour=9),
        "author_id": f"author-{native_id}",
        "text": f"post {native_id}",
        "likes": engagement,
        "shares": 0,
        "comments": 0,
        "is_own_post": flags.get("is_own_post", False),
        "is_spam": flags.get("is_spam", False),
        "is_duplicate": flags.get("is_duplicate", False),
        "exclusion_reason": exclusion_reason,
        "sentiment": sentiment,
        "source": platform,
        "batch_id": "b1",
        "day": day,
    }


# (post, brands it mentions). Voice on day 1, x: nimbus 3 (x1, x2, x4), apex 2 (x3, x4), orbit 1
# (x9), pulse 0 -> 6 mentions; engagement nimbus 20+6+10=36, apex 10+10=20, orbit 4 -> 60.
# Day 1, reddit: nimbus 1, pulse 1. Day 2, x: nimbus 1 with no engagement.
POSTS = [
    (_post("x", "1", DAY_1, "positive", 20), ["nimbus"]),
    (_post("x", "2", DAY_1, "negative", 6), ["nimbus"]),
    (_post("x", "3", DAY_1, "positive", 10), ["apex"]),
    (_post("x", "4", DAY_1, "neutral", 10), ["nimbus", "apex"]),
    (_post("x", "5", DAY_1, "positive", 1000, "own_post", is_own_post=True), ["nimbus"]),
    (_post("x", "6", DAY_1, "negative", 500, "spam", is_spam=True), ["apex"]),
    (_post("x", "7", DAY_1, "positive", 300, "duplicate", is_duplicate=True), ["nimbus"]),
    (_post("x", "8", DAY_1, "neutral", 100, "unrelated"), ["orbit"]),
    (_post("x", "9", DAY_1, "unknown", 4), ["orbit"]),
    (_post("reddit", "1", DAY_1, "positive", 2), ["pulse"]),
    (_post("reddit", "2", DAY_1, "negative", 2), ["nimbus"]),
    (_post("x", "10", DAY_2, "positive", 0), ["nimbus"]),
]


def _session(session_id, visitor_id, started_at, source, campaign, medium="social"):
    return {
        "session_id": session_id,
        "visitor_id": visitor_id,
        "started_at": started_at,
        "landing_page": "/",
        "utm_source": source,
        "utm_medium": medium,
        "utm_campaign": campaign,
    }


SESSIONS = [
    # v1 orders o1 on 10-31 12:00: three social touches in the 30-day window, one 41 days before,
    # one from email.
    _session("s0", "v1", datetime(2026, 9, 20, 10), "x", "launch"),
    _session("s1", "v1", datetime(2026, 10, 5, 10), "x", "launch"),
    _session("s2", "v1", datetime(2026, 10, 15, 10), "reddit", "launch"),
    _session("s3", "v1", datetime(2026, 10, 30, 10), "x", "retarget"),
    _session("s_email", "v1", datetime(2026, 10, 29, 10), "newsletter", "oct", medium="email"),
    # v2 orders o2 on 10-20, one touch the day before.
    _session("s4", "v2", datetime(2026, 10, 19, 8), "reddit", "launch"),
    # v3 orders o3 on 10-25; its only social touch is 54 days older.
    _session("s5", "v3", datetime(2026, 9, 1, 8), "x", "launch"),
    # v4 visits on the day o1 converts and never orders.
    _session("s6", "v4", datetime(2026, 10, 31, 8), "x", "retarget"),
]

ORDERS = [
    {
        "order_id": "o1",
        "visitor_id": "v1",
        "ordered_at": datetime(2026, 10, 31, 12),
        "revenue": 90.0,
    },
    {
        "order_id": "o2",
        "visitor_id": "v2",
        "ordered_at": datetime(2026, 10, 20, 9),
        "revenue": 40.0,
    },
    {
        "order_id": "o3",
        "visitor_id": "v3",
        "ordered_at": datetime(2026, 10, 25, 9),
        "revenue": 500.0,
    },
]


def _load(warehouse: Path, orders=ORDERS) -> None:
    insert_raw_rows(warehouse, "brands", BRANDS)
    insert_raw_rows(warehouse, "posts", [post for post, _ in POSTS])
    post_brands = [
        {"post_id": post["post_id"], "brand": brand, "matched_by": "alias", "day": post["day"]}
        for post, brands in POSTS
        for brand in brands
    ]
    # x:1 also matched nimbus by its handle: still one mention.
    post_brands.append({"post_id": "x:1", "brand": "nimbus", "matched_by": "handle", "day": DAY_1})
    insert_raw_rows(warehouse, "post_brands", post_brands)
    insert_raw_rows(warehouse, "web_sessions", SESSIONS)
    insert_raw_rows(warehouse, "orders", [{**order, "currency": "USD"} for order in orders])


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, DbtRun]:
    root = tmp_path_factory.mktemp("dbt_good")
    warehouse = create_raw_warehouse(root / "listener.duckdb")
    _load(warehouse)
    return warehouse, run_dbt(["build"], warehouse=warehouse, work_dir=root / "dbt")


@pytest.fixture(scope="module")
def warehouse(built) -> Path:
    path, run = built
    assert run.success, run.summary()
    return path


# --- the build ---------------------------------------------------------------------------------


def test_build_succeeds_with_unit_and_data_tests(built):
    _, run = built
    assert run.success, run.summary()
    assert not run.failed
    assert {
        "test_share_of_voice_shares",
        "test_sentiment_trend_net_sentiment",
        "test_int_order_credits_computed_three_touches",
        "test_int_social_touchpoints_joined_lookback_window",
        "test_int_brand_mentions_joined_counts_only_voice",
        "test_stg_listener__posts_latest_snapshot_and_day",
    } <= run.with_status("pass")
    assert {"share_of_voice", "share_of_voice_daily", "sentiment_trend", "funnel_attribution"} <= (
        run.with_status("success")
    )


def test_marts_land_in_the_marts_schema(warehouse):
    tables = query(
        warehouse,
        "select table_schema, table_name, table_type from information_schema.tables "
        "where table_schema in ('staging', 'intermediate', 'marts')",
    )
    by_schema = {(t["table_schema"], t["table_name"]): t["table_type"] for t in tables}
    for mart in ("share_of_voice", "share_of_voice_daily", "sentiment_trend", "funnel_attribution"):
        assert by_schema[("marts", mart)] == "BASE TABLE"
    assert by_schema[("staging", "stg_listener__posts")] == "BASE TABLE"  # read by nearly all
    assert by_schema[("staging", "stg_web__sessions")] == "VIEW"
    # funnel intermediates are tables: several models and tests read each
    assert by_schema[("intermediate", "int_order_credits_computed")] == "BASE TABLE"
    assert by_schema[("intermediate", "int_brand_days_spined")] == "VIEW"


# --- share of voice ----------------------------------------------------------------------------


def test_share_of_voice_has_every_brand_on_every_day_platform_with_voice(warehouse):
    rows = query(warehouse, "select day, platform, brand from marts.share_of_voice")
    day_platforms = {(r["day"], r["platform"]) for r in rows}
    assert day_platforms == {(DAY_1, "x"), (DAY_1, "reddit"), (DAY_2, "x")}
    assert len(rows) == 3 * len(BRANDS)


def test_share_of_voice_values(warehouse):
    rows = query(
        warehouse,
        "select * from marts.share_of_voice where day = date '2026-10-01' and platform = 'x'",
    )
    sov = {r["brand"]: r for r in rows}
    # own post, spam, duplicate and unrelated posts are not counted
    assert {b: r["mentions"] for b, r in sov.items()} == {
        "nimbus": 3,
        "apex": 2,
        "orbit": 1,
        "pulse": 0,
    }
    assert {b: r["engagement"] for b, r in sov.items()} == {
        "nimbus": 36,
        "apex": 20,
        "orbit": 4,
        "pulse": 0,
    }
    assert sov["nimbus"]["share_of_mentions"] == pytest.approx(0.5)
    assert sov["apex"]["share_of_mentions"] == pytest.approx(1 / 3)
    assert sov["pulse"]["share_of_mentions"] == 0
    assert sov["nimbus"]["share_of_engagement"] == pytest.approx(0.6)
    assert sov["nimbus"]["positive_mentions"] == 1
    assert sov["nimbus"]["share_of_positive_voice"] == pytest.approx(0.5)
    assert sov["nimbus"]["is_tracked"] is True
    assert sov["apex"]["brand_name"] == "Apex Wireless"
    assert sum(r["share_of_mentions"] for r in rows) == pytest.approx(1, abs=1e-12)


def test_share_of_engagement_is_null_when_the_day_platform_has_none(warehouse):
    rows = query(
        warehouse,
        "select brand, share_of_mentions, share_of_engagement from marts.share_of_voice "
        "where day = date '2026-10-02'",
    )
    assert {r["brand"]: r["share_of_mentions"] for r in rows} == {
        "nimbus": 1.0,
        "apex": 0.0,
        "orbit": 0.0,
        "pulse": 0.0,
    }
    assert all(r["share_of_engagement"] is None for r in rows)


def test_share_of_voice_daily_sums_platforms(warehouse):
    rows = query(
        warehouse, "select * from marts.share_of_voice_daily where day = date '2026-10-01'"
    )
    daily = {r["brand"]: r for r in rows}
    # x: nimbus 3, apex 2, orbit 1; reddit: nimbus 1, pulse 1 -> 8 mentions
    assert {b: r["mentions"] for b, r in daily.items()} == {
        "nimbus": 4,
        "apex": 2,
        "orbit": 1,
        "pulse": 1,
    }
    assert daily["nimbus"]["share_of_mentions"] == pytest.approx(0.5)
    assert daily["pulse"]["share_of_mentions"] == pytest.approx(0.125)


# --- sentiment trend ---------------------------------------------------------------------------


def test_sentiment_trend_values(warehouse):
    rows = query(warehouse, "select * from marts.sentiment_trend where day = date '2026-10-01'")
    trend = {r["brand"]: r for r in rows}
    # nimbus: x1 positive, x2 negative, x4 neutral, reddit:2 negative -> (1 - 2) / (1 + 2)
    nimbus = trend["nimbus"]
    counts = ("mentions", "positive", "neutral", "negative", "unknown")
    assert [nimbus[c] for c in counts] == [4, 1, 1, 2, 0]
    assert nimbus["net_sentiment"] == pytest.approx(-1 / 3)
    assert nimbus["negative_share"] == pytest.approx(0.5)
    assert trend["apex"]["net_sentiment"] == pytest.approx(1.0)
    # orbit's only voice is in an unsupported language: no opinion to balance
    assert (trend["orbit"]["unknown"], trend["orbit"]["net_sentiment"]) == (1, None)
    day_2 = query(
        warehouse,
        "select brand, mentions, net_sentiment from marts.sentiment_trend "
        "where day = date '2026-10-02' and brand = 'apex'",
    )
    assert day_2 == [{"brand": "apex", "mentions": 0, "net_sentiment": None}]


# --- attribution -------------------------------------------------------------------------------


def test_order_credits(warehouse):
    rows = query(
        warehouse,
        "select order_id, session_id, attribution_model, credit "
        "from intermediate.int_order_credits_computed",
    )
    credits = {(r["order_id"], r["attribution_model"], r["session_id"]): r["credit"] for r in rows}
    # o3's only touch and v1's touch 41 days before o1 are outside the lookback; email is not social
    assert {order for order, _, _ in credits} == {"o1", "o2"}
    assert {model for _, model, _ in credits} == {
        "first_touch",
        "last_touch",
        "linear",
        "time_decay",
        "position_based",
        "markov",
    }
    assert {session for order, _, session in credits if order == "o1"} == {"s1", "s2", "s3"}
    assert credits[("o1", "first_touch", "s1")] == 1.0
    assert credits[("o1", "first_touch", "s2")] == credits[("o1", "first_touch", "s3")] == 0.0
    assert credits[("o1", "last_touch", "s3")] == 1.0
    for session in ("s1", "s2", "s3"):
        assert credits[("o1", "linear", session)] == pytest.approx(1 / 3)
    assert credits[("o2", "linear", "s4")] == 1.0


def test_funnel_attribution_values(warehouse):
    rows = query(warehouse, "select * from marts.funnel_attribution")
    funnel = {(r["attribution_model"], r["day"], r["platform"], r["campaign"]): r for r in rows}
    o1_day, o2_day = date(2026, 10, 31), date(2026, 10, 20)

    first = funnel[("first_touch", o1_day, "x", "launch")]
    assert (first["conversions"], first["revenue"], first["orders_touched"]) == (1.0, 90.0, 1)
    assert funnel[("first_touch", o1_day, "x", "retarget")]["revenue"] == 0.0
    assert funnel[("last_touch", o1_day, "x", "retarget")]["revenue"] == 90.0
    for source, campaign in (("x", "launch"), ("reddit", "launch"), ("x", "retarget")):
        linear = funnel[("linear", o1_day, source, campaign)]
        assert linear["conversions"] == pytest.approx(1 / 3)
        assert linear["revenue"] == pytest.approx(30.0)
    assert funnel[("linear", o2_day, "reddit", "launch")]["revenue"] == 40.0
    # s6 (a visitor who never ordered) arrived from x/retarget on the day o1 converted
    assert funnel[("linear", o1_day, "x", "retarget")]["sessions"] == 1
    assert funnel[("linear", o1_day, "x", "launch")]["sessions"] == 0
    # a day with sessions and no conversion still has its row
    assert funnel[("linear", date(2026, 10, 5), "x", "launch")]["sessions"] == 1
    assert funnel[("linear", date(2026, 10, 5), "x", "launch")]["conversions"] == 0.0

    for model in ("first_touch", "last_touch", "linear", "time_decay", "position_based", "markov"):
        model_rows = [r for r in rows if r["attribution_model"] == model]
        # o1 (90) and o2 (40) are credited; o3 (500) has no touch in the lookback
        assert sum(r["revenue"] for r in model_rows) == pytest.approx(130.0)
        assert sum(r["conversions"] for r in model_rows) == pytest.approx(2.0)


# --- broken data is caught ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> tuple[Path, DbtRun]:
    """The good dataset with order o2 loaded twice (a day's funnel file loaded again)."""
    root = tmp_path_factory.mktemp("dbt_broken")
    warehouse = create_raw_warehouse(root / "listener.duckdb")
    _load(warehouse, orders=[*ORDERS, ORDERS[1]])
    return warehouse, run_dbt(["build"], warehouse=warehouse, work_dir=root / "dbt")


def test_an_order_loaded_twice_fails_the_build_before_the_funnel_mart(broken, warehouse):
    broken_warehouse, run = broken
    assert not run.success
    # the order table's grain test (one order per order_id, no null keys)
    assert run.failed == {
        "grain_stg_commerce__orders_order_id__visitor_id__ordered_at__order_id"
    }, run.summary()
    assert {"int_order_credits_computed", "funnel_attribution"} <= run.with_status("skipped")
    marts = {
        r["table_name"]
        for r in query(
            broken_warehouse,
            "select table_name from information_schema.tables where table_schema = 'marts'",
        )
    }
    # the voice marts do not depend on orders and are built; the funnel mart is not
    assert "share_of_voice" in marts
    assert "funnel_attribution" not in marts
    # each run wrote to the warehouse LISTENER_WAREHOUSE_PATH named at the time (no cached env)
    assert query(warehouse, "select count(*) as n from marts.funnel_attribution")[0]["n"] > 0


def test_violated_invariants_fail_dbt_test(warehouse, tmp_path):
    tampered = tmp_path / "tampered.duckdb"
    shutil.copy(warehouse, tampered)
    with duckdb.connect(str(tampered)) as con:
        # a share that breaks "shares of a day x platform sum to 1"
        con.execute(
            "update marts.share_of_voice set share_of_mentions = 0.5 "
            "where day = date '2026-10-01' and platform = 'x' and brand = 'pulse'"
        )
        # o1 credited twice under first_touch
        con.execute(
            "insert into marts.funnel_attribution select * from marts.funnel_attribution "
            "where attribution_model = 'first_touch' and revenue = 90"
        )
        # a removal effect that lost its value (one test checks all of the model's columns)
        con.execute(
            "update intermediate.int_markov_removal_effects set unabsorbed_mass = null "
            "where channel = (select min(channel) from intermediate.int_markov_removal_effects)"
        )
        # a removal share out of [0, 1] (one test checks the four probability columns)
        con.execute(
            "update intermediate.int_markov_removal_effects set removal_share = 1.5 "
            "where channel = (select max(channel) from intermediate.int_markov_removal_effects)"
        )
        # a path's first touch twice (a key of two columns)
        con.execute(
            "insert into intermediate.int_conversion_paths_built "
            "select * from intermediate.int_conversion_paths_built "
            "where touch_number = 1 order by path_id limit 1"
        )
        (duplicated,) = con.execute(
            "select path_id from intermediate.int_conversion_paths_built "
            "where touch_number = 1 order by path_id limit 1"
        ).fetchone()
    run = run_dbt(
        ["test", "--select", "share_of_voice", "funnel_attribution", "int_markov_removal_effects",
         "int_conversion_paths_built"],
        warehouse=tampered,
        work_dir=tmp_path / "dbt",
    )  # fmt: skip
    assert not run.success
    assert run.failed == {
        "sums_to_one_share_of_voice_share_of_mentions__share_of_engagement__share_of_reach__share_of_positive_voice__day__platform",
        "assert_attributed_revenue_matches_credited_orders",
        "unique_combination_funnel_attribution_attribution_model__platform__campaign__day",
        "grain_int_markov_removal_effects_channel__unabsorbed_mass__channel",
        "accepted_range_int_markov_removal_effects_conversion_probability__conversion_probability_without__removal_effect__removal_share__1__0",
        "grain_int_conversion_paths_built_path_id__is_converted__touch_number__channel__path_id__touch_number",
        "unique_combination_int_conversion_paths_built_path_id__session_id",
    }, run.summary()
    # the grain test names what failed: the duplicated key's values, the column with nulls
    assert grain_failures(tmp_path / "dbt", tampered, "int_conversion_paths_built") == [
        ("duplicate key (path_id, touch_number)", f"{duplicated}|1", 2)
    ]
    assert grain_failures(tmp_path / "dbt", tampered, "int_markov_removal_effects") == [
        ("null unabsorbed_mass", "unabsorbed_mass", 1)
    ]


def grain_failures(work_dir: Path, warehouse: Path, model: str) -> list[tuple]:
    """The rows a model's grain test returns, run from the SQL dbt compiled for it."""
    # dbt shortens long test names in file names: find the one that reads the model
    (compiled,) = [
        path
        for path in (work_dir / "target" / "compiled").rglob("grain_*.sql")
        if f'."{model}"' in path.read_text()
    ]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"{compiled.read_text()} order by 1, 2").fetchall()


# --- docs --------------------------------------------------------------------------------------


def test_docs_site_is_generated_with_model_and_column_docs(warehouse, tmp_path):
    run = run_dbt(["docs", "generate", "--static"], warehouse=warehouse, work_dir=tmp_path)
    assert run.success, run.summary()
    page = (tmp_path / "target" / "static_index.html").read_text()
    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text())
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    # The catalog read the built marts from the warehouse...
    marts = {n["metadata"]["name"] for n in catalog["nodes"].values()}
    assert {"share_of_voice", "share_of_voice_periods", "sentiment_trend"} <= marts
    # ...and every mart column is documented.
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["fqn"][1] == "marts":
            missing = [c for c, spec in node["columns"].items() if not spec["description"]]
            assert not missing, f"{node['name']}: undocumented columns {missing}"
            assert node["description"], node["name"]
    # One self-contained page: the manifest and catalog are inlined.
    assert "share_of_voice_periods" in page and len(page) > 500_000
