"""The engagement and response marts built from a small hand-made warehouse.

Three days of posts (Thursday 2026-10-01 to Saturday 2026-10-03) about nimbus (tracked), apex and
orbit: customer complaints and purchase intents, some answered by the brands' own accounts (one
twice, one by two brands), a question, praise, spam and a complaint about orbit, which has no
account. Every value below is worked out by hand in the comments.

Three dbt invocations for the module (about a minute here):
1. `dbt build` of days 1-3; a copy of the warehouse right after it is what the value tests read.
2. Day 4 lands (a new post and its reply), a day-3 post is seen again with more engagement and
   posts dated days 3 and 2 arrive late (rows the loader did not record as a pending day: the
   build finds them by their loaded_at); `dbt build` again: post_engagement runs incrementally and
   rewrites only the posts those rows belong to (day 1 stays as built).
3. `dbt build --full-refresh` of a copy of that same warehouse: post_engagement must hold exactly
   the rows the incremental run left.
"""

from __future__ import annotations

import math
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from dbt_helpers import DbtRun, create_raw_warehouse, insert_raw_rows, query, run_dbt

D1, D2, D3, D4 = (date(2026, 10, d) for d in (1, 2, 3, 4))  # Thursday .. Sunday
SELECT = ["--select", "+path:models/marts/engagement"]
# A late post counts on the day it was written, at most 1 day before it was first seen.
DBT_VARS = {
    "incremental_lookback_days": 1,
    "business_hours_start": 9,
    "business_hours_end": 18,
    "response_target_minutes": 60,
    "response_intents": ["complaint", "purchase_intent"],
    "triage_high_reach_followers": 10000,
    "triage_viral_engagement": 250,
}

BRANDS = [
    {"brand": "nimbus", "brand_name": "Nimbus Mobile", "is_tracked": True},
    {"brand": "apex", "brand_name": "Apex Wireless", "is_tracked": False},
    {"brand": "orbit", "brand_name": "Orbit Telecom", "is_tracked": False},
]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hour, minutes=minute)


def _post(
    native_id: str,
    created_at: datetime,
    *,
    author: str,
    followers: int | None = 100,
    intent: str = "other",
    sentiment: str = "neutral",
    likes: int = 0,
    shares: int = 0,
    comments: int = 0,
    impressions: int | None = None,
    platform: str = "x",
    day: date | None = None,
    observed_at: datetime | None = None,
    batch_id: str | None = None,
    **extra,
) -> dict:
    """A classified post, loaded on its creation day and observed at the end of it."""
    day = day or created_at.date()
    observed_at = observed_at or at(day + timedelta(days=1), 0)
    own = extra.pop("own_brand", None)
    return {
        "post_id": f"{platform}:{native_id}",
        "platform": platform,
        "native_id": native_id,
        "created_at": created_at,
        "author_id": f"id-{author}",
        "author_handle": f"@{author}",
        "author_followers": followers,
        "text": f"post {native_id}",
        "text_clean": f"post {native_id}",
        "likes": likes,
        "shares": shares,
        "comments": comments,
        "impressions": impressions,
        "is_own_post": own is not None,
        "own_brand": own,
        "is_spam": False,
        "is_duplicate": False,
        "exclusion_reason": "own_post" if own else None,
        "sentiment": sentiment,
        "intent": intent,
        "source": platform,
        "batch_id": batch_id or f"b-{day}",
        "day": day,
        "observed_at": observed_at,
        "loaded_at": observed_at,
        **extra,
    }


def _reply(native_id: str, created_at: datetime, to: str, brand: str) -> dict:
    return _post(
        native_id,
        created_at,
        author=f"{brand}_care",
        followers=50000,
        intent="other",
        sentiment="neutral",
        in_reply_to_post_id=f"x:{to}",
        own_brand=brand,
    )


# (post, brands it is about). Business hours: Mon-Fri 9:00-18:00 UTC.
CUSTOMER_POSTS = [
    # Thursday, business hours: four nimbus complaints/purchase intents, all answered.
    (
        _post(
            "c1",
            at(D1, 10),
            author="alice",
            followers=1000,
            intent="complaint",
            sentiment="negative",
            likes=40,
            shares=5,
            comments=3,
            impressions=4800,
        ),
        ["nimbus"],
    ),
    (
        _post(
            "c2",
            at(D1, 12),
            author="bob",
            followers=200,
            intent="purchase_intent",
            sentiment="positive",
            likes=2,
            impressions=300,
        ),
        ["nimbus"],
    ),
    (
        _post(
            "c3",
            at(D1, 14),
            author="carol",
            followers=500,
            intent="complaint",
            sentiment="negative",
            impressions=900,
        ),
        ["nimbus", "apex"],
    ),
    (_post("c4", at(D1, 15), author="dave", followers=50, intent="complaint"), ["nimbus"]),
    # Thursday 20:00: off hours, answered Friday 08:00.
    (_post("c5", at(D1, 20), author="erin", followers=80, intent="complaint"), ["nimbus"]),
    # Friday: a viral negative complaint nobody answered; a question and praise need no reply.
    (
        _post(
            "c6",
            at(D2, 15),
            author="frank",
            followers=300,
            intent="complaint",
            sentiment="negative",
            likes=400,
            impressions=8000,
        ),
        ["nimbus"],
    ),
    (_post("c7", at(D2, 16), author="alice", followers=1000, intent="question"), ["nimbus"]),
    (
        _post(
            "c12",
            at(D2, 10),
            author="alice",
            followers=1000,
            intent="praise",
            sentiment="positive",
        ),
        ["nimbus"],
    ),
    (
        _post(
            "c14", at(D2, 11), author="bob", followers=200, intent="praise", sentiment="positive"
        ),
        ["apex"],
    ),
    (
        _post(
            "c13",
            at(D2, 12),
            author="spammer",
            followers=10,
            intent="complaint",
            sentiment="negative",
            is_spam=True,
            exclusion_reason="spam",
        ),
        ["nimbus"],
    ),
    # orbit has no account: its complaint is not inbound.
    (
        _post(
            "c11",
            at(D1, 11),
            author="judy",
            followers=100,
            intent="complaint",
            sentiment="negative",
        ),
        ["orbit"],
    ),
    # Saturday (off hours), all unanswered: a high-reach negative complaint, a reddit purchase
    # intent (no impressions: reach = followers), a plain complaint.
    (
        _post(
            "c8",
            at(D3, 11),
            author="grace",
            followers=20000,
            intent="complaint",
            sentiment="negative",
            likes=30,
            impressions=50000,
        ),
        ["nimbus"],
    ),
    (
        _post(
            "c9",
            at(D3, 14),
            author="henry",
            followers=400,
            intent="purchase_intent",
            platform="reddit",
        ),
        ["nimbus"],
    ),
    (
        _post(
            "c10",
            at(D3, 9, 30),
            author="ivan",
            followers=100,
            intent="complaint",
            impressions=500,
        ),
        ["nimbus"],
    ),
]

REPLIES = [
    _reply("r1", at(D1, 10, 30), "c1", "nimbus"),  # 30 min
    _reply("r2", at(D1, 13, 30), "c2", "nimbus"),  # 90 min
    _reply("r3a", at(D1, 14, 10), "c3", "nimbus"),  # 10 min: nimbus's first reply to c3
    _reply("r3b", at(D1, 14, 40), "c3", "nimbus"),  # a second reply: not the response time
    _reply("r3c", at(D1, 16), "c3", "apex"),  # apex: 120 min
    _reply("r4", at(D1, 18, 20), "c4", "nimbus"),  # 200 min
    _reply("r5", at(D2, 8), "c5", "nimbus"),  # 720 min
]

# Day 4 and the late arrivals of the second run.
DAY_4_POSTS = [
    (
        _post(
            "c15",
            at(D4, 10),
            author="kate",
            followers=100,
            intent="complaint",
            sentiment="negative",
            likes=3,
            impressions=700,
        ),
        ["nimbus"],
    ),
    # c8 (day 3) seen again in day 4's load with more engagement: a new snapshot
    (
        {
            **CUSTOMER_POSTS[11][0],
            "likes": 130,
            "shares": 20,
            "day": D4,
            "batch_id": f"b-{D4}",
            "observed_at": at(D4 + timedelta(days=1), 0),
            "loaded_at": at(D4 + timedelta(days=1), 0),
        },
        ["nimbus"],
    ),
    # a post of day 3 that arrives late (loaded with day 4's batch, dated day 3)
    (
        _post(
            "c16",
            at(D3, 20),
            author="leo",
            followers=700,
            intent="praise",
            sentiment="positive",
            likes=7,
            impressions=1400,
            observed_at=at(D4 + timedelta(days=1), 0),
            batch_id="late",
        ),
        ["nimbus"],
    ),
    # ... and one of day 2, a day the first build did not rewrite
    (
        _post(
            "c17",
            at(D2, 21),
            author="mia",
            followers=90,
            likes=1,
            impressions=200,
            observed_at=at(D4 + timedelta(days=1), 0),
            batch_id="late",
        ),
        ["apex"],
    ),
]
DAY_4_REPLIES = [_reply("r15", at(D4, 10, 20), "c15", "nimbus")]


def _snapshot(post: dict) -> dict:
    columns = ("post_id", "likes", "shares", "comments", "impressions", "author_followers")
    return {
        **{c: post[c] for c in columns},
        "observed_at": post["observed_at"],
        "source": post["source"],
        "batch_id": post["batch_id"],
        "day": post["day"],
    }


def _load(warehouse: Path, posts: list[tuple[dict, list[str]]], replies: list[dict]) -> None:
    rows = [post for post, _ in posts] + replies
    insert_raw_rows(warehouse, "posts", rows)
    insert_raw_rows(warehouse, "post_snapshots", [_snapshot(row) for row in rows])
    insert_raw_rows(
        warehouse,
        "post_brands",
        [
            {
                "post_id": post["post_id"],
                "brand": brand,
                "matched_by": "alias",
                "day": post["day"],
                "p_relevant": 0.9,
                "is_relevant": True,
            }
            for post, brands in posts
            for brand in brands
        ],
    )


def _assert_ok(run: DbtRun) -> None:
    assert run.success, run.summary()


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("engagement")
    warehouse = create_raw_warehouse(root / "listener.duckdb")
    insert_raw_rows(warehouse, "brands", BRANDS)
    _load(warehouse, CUSTOMER_POSTS, REPLIES)
    # c1 was also seen at noon on day 1 with 10 likes and 2 shares (engagement 12)
    insert_raw_rows(
        warehouse,
        "post_snapshots",
        [
            {
                "post_id": "x:c1", "likes": 10, "shares": 2, "comments": 0, "impressions": 1000,
                "author_followers": 1000, "observed_at": at(D1, 12), "source": "x",
                "batch_id": "b-noon", "day": D1,
            }
        ],
    )  # fmt: skip
    first = run_dbt(
        ["build", *SELECT], warehouse=warehouse, work_dir=root / "dbt1", dbt_vars=DBT_VARS
    )
    _assert_ok(first)
    days_1_to_3 = root / "days_1_to_3.duckdb"
    shutil.copy(warehouse, days_1_to_3)

    _load(warehouse, DAY_4_POSTS, DAY_4_REPLIES)
    full_copy = root / "full_refresh.duckdb"
    shutil.copy(warehouse, full_copy)
    incremental = run_dbt(
        ["build", *SELECT], warehouse=warehouse, work_dir=root / "dbt2", dbt_vars=DBT_VARS
    )
    full = run_dbt(
        ["build", "--full-refresh", *SELECT],
        warehouse=full_copy,
        work_dir=root / "dbt3",
        dbt_vars=DBT_VARS,
    )
    return {
        "first": first,
        "values": days_1_to_3,
        "incremental": (warehouse, incremental, root / "dbt2"),
        "full": (full_copy, full),
    }


@pytest.fixture(scope="module")
def warehouse(runs) -> Path:
    return runs["values"]


def _by(rows: list[dict], *keys: str) -> dict:
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


# --- the build ---------------------------------------------------------------------------------


def test_build_passes_unit_and_data_tests(runs):
    first = runs["first"]
    assert not first.failed
    assert {
        "test_post_engagement_reach_rate_and_velocity",
        "test_author_influence_scores_advocacy",
        "test_author_influence_ranks_within_platform",
        "test_response_times_business_hours_and_target",
        "test_response_time_summary_median_p90_and_rates",
        "test_triage_queue_items_scores_and_routing",
        "test_triage_queue_ages_and_ranks",
        "test_data_as_of_is_the_newest_post",
        "test_int_inbound_posts_joined_first_reply_of_the_brand",
    } <= first.with_status("pass")
    assert {
        "post_engagement",
        "author_influence_scores",
        "author_influence",
        "response_times",
        "response_time_summary",
        "triage_queue_items",
        "triage_queue",
        "data_as_of",
    } <= first.with_status("success")


# --- post engagement ---------------------------------------------------------------------------


def test_post_engagement_reach_rate_and_velocity(warehouse):
    rows = _by(query(warehouse, "select * from marts.post_engagement"), "post_id")
    # 14 customer posts + 7 replies, own posts included
    assert len(rows) == 21
    c1 = rows["x:c1"]
    assert (c1["engagement"], c1["reach"], c1["reach_basis"]) == (48, 4800, "impressions")
    assert c1["engagement_rate"] == pytest.approx(0.01)
    # written 10:00, latest snapshot read at midnight: 48 in 14 h
    assert c1["engagement_per_hour"] == pytest.approx(48 / 14)
    # first snapshot at noon with 12: (48 - 12) / 12 h
    assert c1["snapshots"] == 2
    assert c1["snapshot_velocity_per_hour"] == pytest.approx(3.0)
    c9 = rows["reddit:c9"]  # no impressions on reddit: reach = 400 followers
    assert (c9["reach"], c9["reach_basis"], c9["engagement_rate"]) == (400, "followers", 0.0)
    assert c9["snapshot_velocity_per_hour"] is None  # one snapshot
    assert rows["x:r1"]["is_own_post"] and not rows["x:r1"]["is_voice"]
    assert rows["x:r1"]["own_brand"] == "nimbus"
    assert not rows["x:c13"]["is_voice"]  # spam
    assert rows["x:c7"]["is_voice"]


# --- author influence --------------------------------------------------------------------------


def test_author_influence_advocacy(warehouse):
    rows = _by(query(warehouse, "select * from marts.author_influence"), "author_id")
    # brand accounts and the spammer are not voice
    assert "id-nimbus_care" not in rows and "id-apex_care" not in rows and "id-spammer" not in rows
    alice = rows["id-alice"]  # c1 negative, c7 neutral, c12 positive: all about nimbus
    assert (alice["posts"], alice["mentions"], alice["positive_mentions"]) == (3, 3, 1)
    assert alice["tracked_brand_advocacy"] == pytest.approx(1 / 3)
    assert alice["total_engagement"] == 48
    bob = rows["id-bob"]  # c2 positive about nimbus, c14 positive about apex
    assert (bob["mentions"], bob["tracked_brand_mentions"]) == (2, 1)
    assert bob["positive_mention_share"] == pytest.approx(1.0)
    assert bob["tracked_brand_advocacy"] == pytest.approx(1.0)
    carol = rows["id-carol"]  # c3 negative about nimbus and apex: 2 mentions, 1 of nimbus
    assert (carol["mentions"], carol["tracked_brand_negative_mentions"]) == (2, 1)
    assert carol["tracked_brand_advocacy"] == pytest.approx(0.0)
    assert rows["id-judy"]["tracked_brand_advocacy"] is None  # only ever mentions orbit


def test_author_influence_score_and_rank(warehouse):
    rows = _by(query(warehouse, "select * from marts.author_influence"), "author_id")
    grace, frank, alice = rows["id-grace"], rows["id-frank"], rows["id-alice"]
    # ln(1 + followers) + ln(1 + engagement)
    assert grace["influence_score"] == pytest.approx(math.log(20001) + math.log(31))
    assert frank["influence_score"] == pytest.approx(math.log(301) + math.log(401))
    assert alice["influence_score"] == pytest.approx(math.log(1001) + math.log(49))
    assert [grace["influence_rank"], frank["influence_rank"], alice["influence_rank"]] == [1, 2, 3]
    assert rows["id-henry"]["platform"] == "reddit"
    assert rows["id-henry"]["influence_rank"] == 1


# --- response times ----------------------------------------------------------------------------


def test_response_times_first_reply_per_brand(warehouse):
    rows = _by(query(warehouse, "select * from marts.response_times"), "post_id", "brand")
    # nimbus: c1-c6, c8-c10 (not the question c7, the praise, the spam); apex: c3; orbit has no
    # account
    assert set(rows) == {
        *(("x:" + c, "nimbus") for c in ("c1", "c2", "c3", "c4", "c5", "c6", "c8", "c10")),
        ("reddit:c9", "nimbus"),
        ("x:c3", "apex"),
    }
    minutes = {key: r["response_minutes"] for key, r in rows.items() if r["responded"]}
    assert minutes == {
        ("x:c1", "nimbus"): 30.0,
        ("x:c2", "nimbus"): 90.0,
        ("x:c3", "nimbus"): 10.0,  # the first of nimbus's two replies
        ("x:c4", "nimbus"): 200.0,
        ("x:c5", "nimbus"): 720.0,
        ("x:c3", "apex"): 120.0,  # apex's own reply, not nimbus's
    }
    assert rows[("x:c3", "nimbus")]["replies"] == 2
    assert rows[("x:c3", "nimbus")]["first_reply_post_id"] == "x:r3a"
    within = {key for key, r in rows.items() if r["is_within_target"]}
    assert within == {("x:c1", "nimbus"), ("x:c3", "nimbus")}
    off_hours = {key[0] for key, r in rows.items() if not r["is_business_hours"]}
    # Thursday 20:00 and Saturday
    assert off_hours == {"x:c5", "x:c8", "reddit:c9", "x:c10"}


def test_response_time_summary(warehouse):
    rows = _by(
        query(warehouse, "select * from marts.response_time_summary"),
        "brand",
        "day",
        "platform",
        "is_business_hours",
    )
    assert len(rows) == 6
    thursday = rows[("nimbus", D1, "x", True)]
    # 10, 30, 90, 200: median (30 + 90) / 2; p90 at position 1 + 0.9 x 3 = 3.7: 90 + 0.7 x 110
    assert (thursday["inbound_posts"], thursday["responded_posts"]) == (4, 4)
    assert thursday["response_rate"] == pytest.approx(1.0)
    assert thursday["median_response_minutes"] == pytest.approx(60.0)
    assert thursday["p90_response_minutes"] == pytest.approx(167.0)
    assert thursday["within_target_posts"] == 2
    assert thursday["within_target_share"] == pytest.approx(0.5)
    evening = rows[("nimbus", D1, "x", False)]
    assert evening["median_response_minutes"] == pytest.approx(720.0)
    assert evening["within_target_share"] == 0
    friday = rows[("nimbus", D2, "x", True)]
    assert (friday["inbound_posts"], friday["responded_posts"]) == (1, 0)
    assert friday["median_response_minutes"] is None
    saturday = rows[("nimbus", D3, "x", False)]
    assert (saturday["inbound_posts"], saturday["response_rate"]) == (2, 0.0)
    assert rows[("nimbus", D3, "reddit", False)]["inbound_posts"] == 1
    assert rows[("apex", D1, "x", True)]["median_response_minutes"] == pytest.approx(120.0)


# --- triage queue ------------------------------------------------------------------------------


def _reach_points(reach: int) -> float:
    return 25 * min(math.log(1 + reach) / math.log(1e6), 1.0)


def test_triage_queue_priority_and_routing(warehouse):
    rows = query(warehouse, "select * from marts.triage_queue order by priority_rank")
    # as of the newest post (reddit:c9, Saturday 14:00); the unanswered nimbus posts only
    assert {r["as_of_at"] for r in rows} == {at(D3, 14)}
    expected = {
        # complaint 40 + negative 20 + reach + age 23 h of 24 x 15
        "x:c6": 40 + 20 + _reach_points(8000) + 15 * 23 / 24,
        # complaint 40 + negative 20 + reach + 3 h
        "x:c8": 40 + 20 + _reach_points(50000) + 15 * 3 / 24,
        # complaint 40 + neutral 10 + reach + 4.5 h
        "x:c10": 40 + 10 + _reach_points(500) + 15 * 4.5 / 24,
        # purchase intent 32 + neutral 10 + reach (400 followers) + 0 h
        "reddit:c9": 32 + 10 + _reach_points(400),
    }
    assert [r["post_id"] for r in rows] == ["x:c6", "x:c8", "x:c10", "reddit:c9"]  # 90.6 .. 52.8
    assert [r["priority_rank"] for r in rows] == [1, 2, 3, 4]
    for row in rows:
        assert row["priority_score"] == pytest.approx(expected[row["post_id"]])
    routing = {r["post_id"]: (r["routed_team"], r["routing_reason"], r["team_rank"]) for r in rows}
    assert routing == {
        "x:c6": ("communications", "negative_viral", 1),  # 400 likes >= 250
        "x:c8": ("communications", "negative_high_reach", 2),  # 20000 followers >= 10000
        "x:c10": ("support", "complaint", 1),
        "reddit:c9": ("sales", "purchase_intent", 1),
    }
    c8 = rows[1]
    assert (c8["author_handle"], c8["text"], c8["age_hours"]) == ("@grace", "post c8", 3.0)


# --- incremental = full refresh ----------------------------------------------------------------


def test_incremental_run_equals_full_refresh(runs):
    warehouse, incremental, work_dir = runs["incremental"]
    full_copy, full = runs["full"]
    _assert_ok(incremental)
    _assert_ok(full)
    sql = "select * from marts.post_engagement order by post_id"
    incremental_rows = query(warehouse, sql)
    assert incremental_rows == query(full_copy, sql)
    rows = _by(incremental_rows, "post_id")
    # the new day, the late post of day 3 and c8's newer snapshot all landed
    assert rows["x:c15"]["day"] == D4
    assert rows["x:c16"]["day"] == D3
    assert rows["x:c17"]["day"] == D2
    c8 = rows["x:c8"]
    assert (c8["day"], c8["engagement"], c8["snapshots"]) == (D3, 150, 2)
    # 150 - 30 over the 24 h between the snapshots
    assert c8["snapshot_velocity_per_hour"] == pytest.approx(5.0)
    assert len(rows) == 21 + 4  # c15, r15, c16, c17


def test_second_run_was_incremental(runs):
    warehouse, incremental, work_dir = runs["incremental"]
    assert incremental.statuses["post_engagement"] == "success"
    model_dir = Path("listener", "models", "marts", "engagement")
    run_sql = (work_dir / "target" / "run" / model_dir / "post_engagement.sql").read_text()
    # the changed posts' rows deleted and inserted again ...
    assert "delete from" in run_sql and "insert into" in run_sql
    compiled = (work_dir / "target" / "compiled" / model_dir / "post_engagement.sql").read_text()
    assert '"staging"."stg_listener__post_changes"' in compiled
    # ... which are the posts of the rows loaded since the first build, and only those
    changed = query(warehouse, "select post_id from staging.stg_listener__post_changes")
    assert {r["post_id"] for r in changed} == {"x:c15", "x:r15", "x:c8", "x:c16", "x:c17"}
