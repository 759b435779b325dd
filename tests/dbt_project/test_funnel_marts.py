"""The funnel marts (attribution under six models, Markov removal effects, posts, stages).

Two dbt builds of the funnel models and their parents (and one `dbt test` of tampered marts):

* a hand-made warehouse small enough to work out every value by hand (comments show the sums),
  built with a 10-day conversion window so that one order's path lapses;
* a generated sample (a seeded random generator, a few hundred visitors over October 2026) with
  a planted campaign whose sessions convert at 12% against 3% for the others, on which the SQL
  Markov model is checked against the independent Python reference (markov_reference.py) and
  the planted effect must show under every attribution model.

The Python reference itself is unit-tested on chains solved by hand (no dbt).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import numpy as np
import pytest
from dbt_helpers import DbtRun, create_raw_warehouse, insert_raw_rows, query, run_dbt
from markov_reference import (
    Order,
    Session,
    build_paths,
    conversion_probability,
    removal_effects,
    removal_shares,
    transition_counts,
)

MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based", "markov")
FUNNEL_SELECTION = [
    "--select",
    "+funnel_attribution",
    "+funnel_attribution_posts",
    "+funnel_stages",
    "--indirect-selection",
    "cautious",  # tests of unselected models (e.g. post_brands -> posts) stay out
]


# --- the reference, on chains solved by hand ----------------------------------------------------


def test_reference_solves_a_chain_with_a_cycle():
    # start -> x 1/2, -> r 1/2; x -> conversion 1/2, -> r 1/2; r -> x 1/2, -> null 1/2.
    # p_x = 1/2 + p_r / 2, p_r = p_x / 2 -> p_x = 2/3, p_r = 1/3, P = (2/3 + 1/3) / 2 = 1/2.
    # Without x: 0 (effect 1). Without r: start -> x -> conversion = 1/4 (effect 1/2).
    paths = [(("x",), True), (("r", "x", "r"), False)]
    counts = transition_counts(paths)
    assert counts[("(start)", "x")] == counts[("x", "r")] == counts[("r", "x")] == 1
    assert conversion_probability(counts) == pytest.approx(0.5)
    assert conversion_probability(counts, removed="x") == 0.0
    assert conversion_probability(counts, removed="r") == pytest.approx(0.25)
    assert removal_effects(paths) == pytest.approx({"x": 1.0, "r": 0.5})
    assert removal_shares(paths) == pytest.approx({"x": 2 / 3, "r": 1 / 3})


def test_reference_ignores_repeated_touches_and_handles_no_conversion():
    paths = [(("x",), True), (("r", "x", "r"), False)]
    repeated = [(("x", "x", "x"), True), (("r", "r", "x", "r"), False)]
    assert removal_shares(repeated) == pytest.approx(removal_shares(paths))
    assert removal_shares([(("x",), False)]) == {"x": 0.0}


def test_reference_builds_paths_by_the_documented_rule():
    t0 = dt.datetime(2026, 10, 1, 9)
    sessions = [
        Session("a1", "v1", t0, "x"),
        Session("a2", "v1", t0 + dt.timedelta(days=1), "reddit"),
        Session("a3", "v1", t0 + dt.timedelta(days=5), "x"),  # after o1
        Session("b1", "v2", t0, "x"),  # 12 days before o2: lapsed (window 10)
    ]
    orders = [
        Order("o1", "v1", t0 + dt.timedelta(days=2)),
        Order("o2", "v2", t0 + dt.timedelta(days=12)),
    ]
    assert build_paths(sessions, orders, lookback_days=30, window_days=10) == {
        "order:o1": (("x", "reddit"), True),
        "visitor:v1:1": (("x",), False),
        "visitor:v2:0": (("x",), False),
    }


# --- the hand-made warehouse ------------------------------------------------------------------

WINDOW_DAYS = 10  # conversion window of the hand-made build (lookback stays 30)


def _session(session_id, visitor_id, started_at, source, campaign, post=None, medium="social"):
    return {
        "session_id": session_id,
        "visitor_id": visitor_id,
        "started_at": started_at,
        "landing_page": "/",
        "utm_source": source,
        "utm_medium": medium,
        "utm_campaign": campaign,
        "utm_content": post,
    }


def _post(platform, native_id, day, campaign, impressions, likes, is_spam=False, own=False):
    return {
        "post_id": f"{platform}:{native_id}",
        "platform": platform,
        "native_id": native_id,
        "created_at": dt.datetime.combine(day, dt.time(8)),
        "author_id": f"author-{native_id}",
        "author_handle": "@nimbus" if own else f"@fan{native_id}",
        "text": f"post {native_id}",
        "utm_source": platform,
        "utm_medium": "social",
        "utm_campaign": campaign,
        "impressions": impressions,
        "likes": likes,
        "shares": 10 if likes else 0,
        "comments": 10 if likes else 0,
        "is_own_post": own,
        "is_spam": is_spam,
        "is_duplicate": False,
        "exclusion_reason": "spam" if is_spam else ("own_post" if own else ""),
        "sentiment": "neutral",
        "source": platform,
        "batch_id": "b1",
        "day": day,
    }


O1_AT = dt.datetime(2026, 10, 23, 9)
HAND_SESSIONS = [
    # v1 orders o1 (70) on 10-23 09:00: touches 21, 14 and 7 days before (x, reddit, x), one 40
    # days before (outside the lookback) and an email visit (not social).
    _session("a0", "v1", dt.datetime(2026, 9, 13, 9), "x", "launch", "p0"),
    _session("a1", "v1", dt.datetime(2026, 10, 2, 9), "x", "launch", "p1"),
    _session("a2", "v1", dt.datetime(2026, 10, 9, 9), "reddit", "launch", "p2"),
    _session("a3", "v1", dt.datetime(2026, 10, 16, 9), "x", "retarget", "p3"),
    _session("a_email", "v1", dt.datetime(2026, 10, 20, 9), "newsletter", "oct", medium="email"),
    # v2 orders o2 (40) on 10-20, one touch the day before.
    _session("b1", "v2", dt.datetime(2026, 10, 19, 8), "reddit", "launch", "p4"),
    # v3 orders o3 (500) on 10-25; its only touch is 24 days old: in the lookback, past the window.
    _session("c1", "v3", dt.datetime(2026, 10, 1, 9), "x", "launch"),
    # v4 visits and never orders.
    _session("d1", "v4", dt.datetime(2026, 10, 22, 8), "x", "retarget"),
    # v6 orders o6 (30) the day after a reddit visit, then comes back from x without ordering.
    _session("e1", "v6", dt.datetime(2026, 10, 5, 9), "reddit", "launch", "p4"),
    _session("e2", "v6", dt.datetime(2026, 10, 10, 9), "x", "launch", "p1"),
]
HAND_ORDERS = [
    {"order_id": "o1", "visitor_id": "v1", "ordered_at": O1_AT, "revenue": 70.0},
    {
        "order_id": "o2",
        "visitor_id": "v2",
        "ordered_at": dt.datetime(2026, 10, 20, 9),
        "revenue": 40.0,
    },
    {
        "order_id": "o3",
        "visitor_id": "v3",
        "ordered_at": dt.datetime(2026, 10, 25, 9),
        "revenue": 500.0,
    },
    {
        "order_id": "o6",
        "visitor_id": "v6",
        "ordered_at": dt.datetime(2026, 10, 6, 10),
        "revenue": 30.0,
    },
]
HAND_LEADS = [
    {"lead_id": "l1", "visitor_id": "v1", "created_at": dt.datetime(2026, 10, 16, 10)},  # a3
    {"lead_id": "l3", "visitor_id": "v3", "created_at": dt.datetime(2026, 10, 20, 9)},  # lapsed
    {"lead_id": "l4", "visitor_id": "v4", "created_at": dt.datetime(2026, 10, 22, 9)},  # d1
    {"lead_id": "l9", "visitor_id": "v9", "created_at": dt.datetime(2026, 10, 22, 9)},  # no touch
]
HAND_OPPORTUNITIES = [
    {"opportunity_id": "op1", "lead_id": "l1", "created_at": dt.datetime(2026, 10, 18, 9)},
    {"opportunity_id": "op9", "lead_id": "l9", "created_at": dt.datetime(2026, 10, 23, 9)},
]
HAND_SPEND = [
    {
        "day": dt.date(2026, 10, 16),
        "platform": "x",
        "campaign": "retarget",
        "spend": 20.0,
        "impressions": 1000,
        "clicks": 10,
    },
    {
        "day": dt.date(2026, 10, 23),
        "platform": "x",
        "campaign": "retarget",
        "spend": 35.0,
        "impressions": 2000,
        "clicks": 20,
    },
]
HAND_POSTS = [
    # 500 impressions, 30 + 10 + 10 = 50 engagements
    _post("x", "p3", dt.date(2026, 10, 16), "retarget", 500, 30, own=True),
    _post("x", "spam1", dt.date(2026, 10, 16), "retarget", 9000, 900, is_spam=True),
    _post("x", "rival1", dt.date(2026, 10, 16), "rival_promo", 7000, 70),  # a competitor's link
    _post("reddit", "p2", dt.date(2026, 10, 9), "launch", None, 5),  # reddit: no impressions
]

# The hand-made paths (window 10): o1 (x, reddit, x), o2 (reddit), o6 (reddit) convert; a0, c1,
# d1 and e2 are one-touch x paths that do not. Transitions: start -> x 5/7, -> reddit 2/7;
# x -> reddit 1/6, -> conversion 1/6, -> null 4/6; reddit -> x 1/3, -> conversion 2/3.
# p_x = 1/6 + p_r / 6, p_r = 2/3 + p_x / 3 -> p_x = 5/17, p_r = 13/17, P = 51/119 = 3/7.
# Without x: 2/7 x 2/3 = 4/21 (effect 5/9); without reddit: 5/7 x 1/6 = 5/42 (effect 13/18).
# Shares: x 10/23, reddit 13/23; o1's markov credits: a1 5/23, a2 13/23, a3 5/23.
HAND_SHARES = {"x": 10 / 23, "reddit": 13 / 23}


@pytest.fixture(scope="module")
def hand(tmp_path_factory) -> tuple[Path, DbtRun]:
    root = tmp_path_factory.mktemp("funnel_hand")
    warehouse = create_raw_warehouse(root / "listener.duckdb")
    insert_raw_rows(warehouse, "web_sessions", HAND_SESSIONS)
    insert_raw_rows(warehouse, "orders", [{**o, "currency": "USD"} for o in HAND_ORDERS])
    insert_raw_rows(warehouse, "leads", HAND_LEADS)
    insert_raw_rows(warehouse, "opportunities", HAND_OPPORTUNITIES)
    insert_raw_rows(warehouse, "campaign_spend", HAND_SPEND)
    insert_raw_rows(warehouse, "posts", HAND_POSTS)
    run = run_dbt(
        ["build", *FUNNEL_SELECTION],
        warehouse=warehouse,
        work_dir=root / "dbt",
        dbt_vars={"attribution_conversion_window_days": WINDOW_DAYS},
    )
    return warehouse, run


@pytest.fixture(scope="module")
def hand_warehouse(hand) -> Path:
    path, run = hand
    assert run.success, run.summary()
    return path


def test_hand_build_passes_unit_and_data_tests(hand):
    _, run = hand
    assert run.success, run.summary()
    assert {
        "test_int_order_credits_computed_three_touches",
        "test_int_social_touchpoints_joined_conversion_window",
        "test_int_conversion_paths_built_splits_at_orders",
        "test_int_markov_transitions_counted_collapses_repeats",
        "test_int_markov_removal_effects_small_graph",
        "test_funnel_stages_rates_cpa_and_roas",
        "test_funnel_attribution_posts_credits_posts",
        "sums_to_one_int_order_credits_computed_credit__order_id__attribution_model",
        "assert_attributed_revenue_matches_credited_orders",
        "assert_funnel_posts_and_stages_reconcile_with_credits",
    } <= run.with_status("pass")
    assert {"funnel_attribution", "funnel_attribution_posts", "funnel_stages"} <= (
        run.with_status("success")
    )


def _credits(warehouse: Path) -> dict[tuple[str, str, str], float]:
    rows = query(
        warehouse,
        "select order_id, attribution_model, session_id, credit "
        "from intermediate.int_order_credits_computed",
    )
    return {(r["order_id"], r["attribution_model"], r["session_id"]): r["credit"] for r in rows}


def test_hand_credits_under_every_model(hand_warehouse):
    credits = _credits(hand_warehouse)
    # o3's path lapsed (last touch 24 days old, window 10); a0 is outside the 30-day lookback
    assert {order for order, _, _ in credits} == {"o1", "o2", "o6"}
    assert {s for o, m, s in credits if o == "o1" and m == "linear"} == {"a1", "a2", "a3"}
    expected = {
        "first_touch": (1, 0, 0),
        "last_touch": (0, 0, 1),
        "linear": (1 / 3, 1 / 3, 1 / 3),
        "time_decay": (1 / 7, 2 / 7, 4 / 7),  # weights 2^-3, 2^-2, 2^-1 over 7/8
        "position_based": (0.4, 0.2, 0.4),
        "markov": (5 / 23, 13 / 23, 5 / 23),
    }
    for model, shares in expected.items():
        got = tuple(credits[("o1", model, s)] for s in ("a1", "a2", "a3"))
        assert got == pytest.approx(shares), model
        assert credits[("o2", model, "b1")] == pytest.approx(1.0)
        assert credits[("o6", model, "e1")] == pytest.approx(1.0)


def test_hand_markov_matches_hand_solution_and_reference(hand_warehouse):
    rows = query(hand_warehouse, "select * from intermediate.int_markov_removal_effects")
    by_channel = {r["channel"]: r for r in rows}
    assert set(by_channel) == {"x", "reddit"}
    assert by_channel["x"]["conversion_probability"] == pytest.approx(3 / 7)
    assert by_channel["x"]["conversion_probability_without"] == pytest.approx(4 / 21)
    assert by_channel["reddit"]["conversion_probability_without"] == pytest.approx(5 / 42)
    assert by_channel["x"]["removal_effect"] == pytest.approx(5 / 9)
    assert by_channel["reddit"]["removal_effect"] == pytest.approx(13 / 18)
    sql_shares = {c: r["removal_share"] for c, r in by_channel.items()}
    assert sql_shares == pytest.approx(HAND_SHARES, abs=1e-12)
    assert all(r["unabsorbed_mass"] < 1e-12 for r in rows)

    sessions = [
        Session(s["session_id"], s["visitor_id"], s["started_at"], s["utm_source"])
        for s in HAND_SESSIONS
        if s["utm_medium"] == "social"
    ]
    orders = [Order(o["order_id"], o["visitor_id"], o["ordered_at"]) for o in HAND_ORDERS]
    paths = build_paths(sessions, orders, lookback_days=30, window_days=WINDOW_DAYS)
    assert _sql_paths(hand_warehouse) == paths
    assert removal_shares(list(paths.values())) == pytest.approx(HAND_SHARES, abs=1e-12)


def test_hand_funnel_attribution_values(hand_warehouse):
    rows = query(hand_warehouse, "select * from marts.funnel_attribution")
    funnel = {(r["attribution_model"], r["day"], r["platform"], r["campaign"]): r for r in rows}
    o1_day = O1_AT.date()
    decay = funnel[("time_decay", o1_day, "x", "retarget")]
    assert decay["conversions"] == pytest.approx(4 / 7)
    assert decay["revenue"] == pytest.approx(40.0)
    assert decay["orders_touched"] == 1
    assert funnel[("position_based", o1_day, "reddit", "launch")]["revenue"] == pytest.approx(14.0)
    assert funnel[("markov", o1_day, "reddit", "launch")]["revenue"] == pytest.approx(70 * 13 / 23)
    assert funnel[("markov", o1_day, "x", "launch")]["conversions"] == pytest.approx(5 / 23)
    # o3 is not credited under any model
    assert not [r for r in rows if r["day"] == dt.date(2026, 10, 25)]
    for model in MODELS:
        model_rows = [r for r in rows if r["attribution_model"] == model]
        # o1 (70), o2 (40) and o6 (30) are credited
        assert sum(r["revenue"] for r in model_rows) == pytest.approx(140.0), model
        assert sum(r["conversions"] for r in model_rows) == pytest.approx(3.0), model
        assert sum(r["sessions"] for r in model_rows) == 9  # the social sessions


def test_hand_posts_get_credit(hand_warehouse):
    rows = query(hand_warehouse, "select * from marts.funnel_attribution_posts")
    posts = {(r["attribution_model"], r["post_id"]): r for r in rows}
    # p4 brought o2 (40) and o6 (30) alone
    p4 = posts[("markov", "reddit:p4")]
    assert (p4["conversions"], p4["revenue"], p4["orders_touched"], p4["sessions"]) == (
        pytest.approx(2.0),
        pytest.approx(70.0),
        2,
        2,
    )
    # p1: a1 touched o1, e2 touched nothing
    assert posts[("time_decay", "x:p1")]["conversions"] == pytest.approx(1 / 7)
    assert posts[("time_decay", "x:p1")]["sessions"] == 2
    assert posts[("first_touch", "x:p1")]["revenue"] == pytest.approx(70.0)
    p3 = posts[("last_touch", "x:p3")]
    assert (p3["revenue"], p3["is_own_post"], p3["post_day"]) == (70.0, True, dt.date(2026, 10, 16))
    # c1 (x / launch) and d1 (x / retarget) carry no post: one '(not set)' row per campaign
    linear = [r for r in rows if r["attribution_model"] == "linear"]
    not_set = [r for r in linear if r["post_id"] == "(not set)"]
    assert {(r["campaign"], r["sessions"], r["conversions"]) for r in not_set} == {
        ("launch", 1, 0.0),
        ("retarget", 1, 0.0),
    }
    for model in MODELS:
        assert sum(r["conversions"] for r in rows if r["attribution_model"] == model) == (
            pytest.approx(3.0)
        )


def test_hand_funnel_stages(hand_warehouse):
    rows = query(hand_warehouse, "select * from marts.funnel_stages")
    stages = {(r["day"], r["platform"], r["campaign"]): r for r in rows}
    # the spam post and the competitor's campaign do not count
    assert not [key for key in stages if key[2] == "rival_promo"]
    day = stages[(dt.date(2026, 10, 16), "x", "retarget")]
    assert {k: day[k] for k in ("impressions", "engagements", "clicks", "sessions", "leads")} == {
        "impressions": 1500,
        "engagements": 50,
        "clicks": 10,
        "sessions": 1,
        "leads": 1,
    }
    assert (day["opportunities"], day["orders"], day["revenue"], day["spend"]) == (0, 0, 0.0, 20.0)
    assert day["engagements_per_impression"] == pytest.approx(1 / 30)
    assert day["clicks_per_engagement"] == pytest.approx(0.2)
    assert day["sessions_per_click"] == pytest.approx(0.1)
    assert day["leads_per_session"] == 1.0
    assert day["opportunities_per_lead"] == 0.0
    assert day["orders_per_opportunity"] is None
    assert (day["cpa"], day["roas"]) == (None, 0.0)
    # o1's last touch is a3 (x / retarget): CPA 35 / 1, ROAS 70 / 35
    order_day = stages[(O1_AT.date(), "x", "retarget")]
    assert (order_day["orders"], order_day["revenue"]) == (1, 70.0)
    assert (order_day["cpa"], order_day["roas"]) == (35.0, 2.0)
    assert order_day["sessions"] == 0 and order_day["orders_per_session"] is None
    # the opportunity of l1 counts for l1's touch on its own day; l9 has no social touch, l3's
    # touch is past the conversion window
    assert stages[(dt.date(2026, 10, 18), "x", "retarget")]["opportunities"] == 1
    assert stages[(dt.date(2026, 10, 22), "x", "retarget")]["leads"] == 1
    assert sum(r["leads"] for r in rows) == 2
    assert sum(r["opportunities"] for r in rows) == 1
    # reddit reports no impressions: organic impressions unknown, engagements still counted
    reddit = stages[(dt.date(2026, 10, 9), "reddit", "launch")]
    assert (reddit["organic_impressions"], reddit["engagements"]) == (None, 25)
    assert reddit["engagements_per_impression"] is None
    assert sum(r["orders"] for r in rows) == 3
    assert sum(r["revenue"] for r in rows) == pytest.approx(140.0)


def _sql_paths(warehouse: Path) -> dict[str, tuple[tuple[str, ...], bool]]:
    rows = query(
        warehouse,
        "select path_id, channel, is_converted from intermediate.int_conversion_paths_built "
        "order by path_id, touch_number",
    )
    channels: dict[str, list[str]] = defaultdict(list)
    converted: dict[str, bool] = {}
    for r in rows:
        channels[r["path_id"]].append(r["channel"])
        converted[r["path_id"]] = r["is_converted"]
    return {p: (tuple(c), converted[p]) for p, c in channels.items()}


# --- a generated sample with a planted campaign ------------------------------------------------

PLATFORMS = ("x", "reddit", "facebook", "instagram")
PLATFORM_P = (0.4, 0.25, 0.2, 0.15)
CAMPAIGNS = ("nimbus_always_on", "nimbus_family_plan", "nimbus_switch_save")
PROMOTED = "nimbus_switch_save"
RATE = {PROMOTED: 0.12}  # the planted effect; every other social session converts at 3%
BASE_RATE = 0.03


def _generate(seed: int = 20261001, visitors: int = 900):
    """Journeys of 1-5 social sessions (a few with an email visit between), hours to days apart,
    starting over October 2026. A session converts with its campaign's rate; the first converting
    session orders 5-120 minutes later, and the visitor may come back afterwards."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2026, 10, 1)
    sessions, orders = [], []
    for v in range(visitors):
        visitor = f"v{v:04d}"
        at = start + dt.timedelta(minutes=int(rng.integers(0, 29 * 24 * 60)))
        ordered = False
        for k in range(int(rng.integers(1, 6))):
            if k:
                at += dt.timedelta(minutes=int(rng.exponential(3 * 24 * 60)) + 1)
            platform = PLATFORMS[rng.choice(len(PLATFORMS), p=PLATFORM_P)]
            campaign = CAMPAIGNS[rng.integers(len(CAMPAIGNS))]
            post = f"{campaign[-4:]}{rng.integers(8)}" if rng.random() < 0.9 else None
            sessions.append(_session(f"{visitor}-s{k}", visitor, at, platform, campaign, post))
            if rng.random() < 0.15:
                email_at = at + dt.timedelta(hours=2)
                email = _session(
                    f"{visitor}-e{k}", visitor, email_at, "newsletter", "n", None, "email"
                )
                sessions.append(email)
            if not ordered and rng.random() < RATE.get(campaign, BASE_RATE):
                ordered = True
                orders.append(
                    {
                        "order_id": f"o-{visitor}",
                        "visitor_id": visitor,
                        "ordered_at": at + dt.timedelta(minutes=int(rng.integers(5, 121))),
                        "revenue": float(np.round(110 * np.exp(0.6 * rng.standard_normal()), 2)),
                        "currency": "USD",
                    }
                )
    return sessions, orders


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, list[dict], list[dict]]:
    root = tmp_path_factory.mktemp("funnel_generated")
    warehouse = create_raw_warehouse(root / "listener.duckdb")
    sessions, orders = _generate()
    insert_raw_rows(warehouse, "web_sessions", sessions)
    insert_raw_rows(warehouse, "orders", orders)
    run = run_dbt(["build", *FUNNEL_SELECTION], warehouse=warehouse, work_dir=root / "dbt")
    assert run.success, run.summary()
    return warehouse, sessions, orders


def test_generated_markov_shares_agree_with_the_reference(generated):
    warehouse, sessions, orders = generated
    social = [
        Session(s["session_id"], s["visitor_id"], s["started_at"], s["utm_source"])
        for s in sessions
        if s["utm_medium"] == "social"
    ]
    paths = build_paths(
        social,
        [Order(o["order_id"], o["visitor_id"], o["ordered_at"]) for o in orders],
        lookback_days=30,
        window_days=30,
    )
    assert _sql_paths(warehouse) == paths
    assert sum(converted for _, converted in paths.values()) > 50
    reference = removal_shares(list(paths.values()))
    rows = query(warehouse, "select * from intermediate.int_markov_removal_effects")
    sql = {r["channel"]: r["removal_share"] for r in rows}
    assert set(sql) == set(PLATFORMS)
    for channel in PLATFORMS:
        assert abs(sql[channel] - reference[channel]) <= 0.01, (channel, sql, reference)
    assert all(r["unabsorbed_mass"] < 1e-6 for r in rows)
    # the effects themselves, not only their shares
    effects = removal_effects(list(paths.values()))
    assert {r["channel"]: r["removal_effect"] for r in rows} == pytest.approx(effects, abs=1e-9)


def test_generated_planted_campaign_leads_under_every_model(generated):
    warehouse, _, _ = generated
    rows = query(
        warehouse,
        "select attribution_model, campaign, sum(conversions) as conversions, "
        "sum(sessions) as sessions from marts.funnel_attribution "
        "group by attribution_model, campaign",
    )
    for model in MODELS:
        by_campaign = {r["campaign"]: r for r in rows if r["attribution_model"] == model}
        assert set(by_campaign) == set(CAMPAIGNS)
        rate = {c: r["conversions"] / r["sessions"] for c, r in by_campaign.items()}
        promoted = by_campaign.pop(PROMOTED)
        # the order follows the converting (last) session: first touch dilutes the effect most
        # (measured: 7.7% against 5.3% and 4.8%), the other models keep twice the others' rate
        lift = 1.4 if model == "first_touch" else 1.9
        assert all(promoted["conversions"] > lift * r["conversions"] for r in by_campaign.values())
        assert all(rate[PROMOTED] > lift * rate[c] for c in by_campaign), (model, rate)
        if model == "last_touch":  # the planted rates: 12% against 3%
            assert rate[PROMOTED] == pytest.approx(0.12, abs=0.02), rate
            assert all(rate[c] == pytest.approx(0.03, abs=0.01) for c in by_campaign), rate
    stages = query(
        warehouse,
        "select campaign, sum(orders) as orders, sum(sessions) as sessions "
        "from marts.funnel_stages group by campaign",
    )
    rate = {r["campaign"]: r["orders"] / r["sessions"] for r in stages}
    # last touch in funnel_stages: close to the planted 12% against 3%
    assert rate[PROMOTED] > 0.09
    assert all(rate[c] < 0.05 for c in CAMPAIGNS if c != PROMOTED), rate


def test_generated_revenue_reconciles_with_credited_orders(generated):
    warehouse, _, orders = generated
    revenue = {o["order_id"]: o["revenue"] for o in orders}
    credited = {
        r["order_id"]
        for r in query(
            warehouse,
            "select distinct order_id from intermediate.int_conversion_paths_built "
            "where is_converted",
        )
    }
    expected = sum(revenue[o] for o in credited)
    per_model = query(
        warehouse,
        "select attribution_model, sum(credit * revenue) as revenue, sum(credit) as credits, "
        "count(distinct order_id) as orders from intermediate.int_order_credits_computed "
        "group by attribution_model",
    )
    marts = {
        r["attribution_model"]: r
        for r in query(
            warehouse,
            "select attribution_model, sum(revenue) as revenue, sum(conversions) as conversions "
            "from marts.funnel_attribution group by attribution_model",
        )
    }
    posts = {
        r["attribution_model"]: r["revenue"]
        for r in query(
            warehouse,
            "select attribution_model, sum(revenue) as revenue "
            "from marts.funnel_attribution_posts group by attribution_model",
        )
    }
    assert {r["attribution_model"] for r in per_model} == set(MODELS)
    for r in per_model:
        model = r["attribution_model"]
        assert r["orders"] == len(credited)
        assert r["credits"] == pytest.approx(len(credited))
        assert r["revenue"] == pytest.approx(expected)
        assert marts[model]["revenue"] == pytest.approx(expected)
        assert marts[model]["conversions"] == pytest.approx(len(credited))
        assert posts[model] == pytest.approx(expected)
    max_error = query(
        warehouse,
        "select max(abs(total - 1)) as e from (select order_id, attribution_model, "
        "sum(credit) as total from intermediate.int_order_credits_computed "
        "group by order_id, attribution_model) as sums",
    )[0]["e"]
    assert max_error < 1e-9


def test_reconciliation_fails_on_tampered_marts(hand_warehouse, tmp_path):
    tampered = tmp_path / "tampered.duckdb"
    shutil.copy(hand_warehouse, tampered)
    with duckdb.connect(str(tampered)) as con:
        # p4's markov credit lost, and o1 counted twice in the stages
        con.execute(
            "delete from marts.funnel_attribution_posts "
            "where attribution_model = 'markov' and post_id = 'reddit:p4'"
        )
        con.execute("update marts.funnel_stages set orders = 2 where orders = 1 and revenue = 70")
    run = run_dbt(
        ["test", "--select", "assert_funnel_posts_and_stages_reconcile_with_credits"],
        warehouse=tampered,
        work_dir=tmp_path / "dbt",
    )
    assert not run.success
    assert run.failed == {"assert_funnel_posts_and_stages_reconcile_with_credits"}, run.summary()
    # the failure's message shows the rows the test returned
    message = run.messages["assert_funnel_posts_and_stages_reconcile_with_credits"]
    assert "first rows: [{'attribution_model': 'markov'" in message, message
