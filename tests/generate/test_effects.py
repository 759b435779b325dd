"""The planted effects are where `planted_effects` says, and visible in the data."""

from __future__ import annotations

import datetime as dt

import polars as pl

from transforms.generate import planted_effects

from .conftest import Sample, config_in
from .helpers import read_funnel

VOICE = (
    ~pl.col("is_spam") & ~pl.col("is_unrelated") & ~pl.col("is_duplicate") & ~pl.col("is_own_post")
)


def test_planted_effects_describe_the_window(tmp_path) -> None:
    config = config_in(tmp_path)
    effects = planted_effects(config)
    start = config.sample.start  # 2026-10-01, a Thursday
    assert effects.start == start and effects.days == config.sample.days
    assert effects.complaint_spike_brand == "nimbus" == effects.tracked_brand
    saturday, sunday = effects.complaint_spike_days
    assert (saturday.weekday(), sunday.weekday()) == (5, 6)
    assert saturday - start >= dt.timedelta(days=7)
    assert saturday - start < dt.timedelta(days=14)
    assert sunday == saturday + dt.timedelta(days=1)
    assert effects.campaign == "nimbus_switch_save"
    assert effects.campaign_days == (start + dt.timedelta(days=9), start + dt.timedelta(days=18))
    assert "nimbus_always_on" in effects.always_on_campaigns
    assert effects.rising_brand == "orbit"
    assert abs(sum(effects.brand_shares(start).values()) - 1) < 1e-9
    assert effects.brand_shares(effects.end)["orbit"] > effects.brand_shares(start)["orbit"]


def test_short_windows_plant_only_what_fits(tmp_path) -> None:
    effects = planted_effects(config_in(tmp_path), dt.date(2026, 10, 1), 5)
    assert effects.complaint_spike_days == ()
    assert effects.campaign_days is None
    assert not effects.in_campaign(dt.date(2026, 10, 3))


def test_complaint_spike_shows_in_negative_mentions(sample: Sample) -> None:
    effects = sample.effects
    negative = (
        sample.posts.filter(
            VOICE
            & pl.col("brands").str.contains(effects.complaint_spike_brand)
            & (pl.col("sentiment") == "negative")
        )
        .group_by("day")
        .len()
    )
    per_day = dict(negative.iter_rows())
    median = negative["len"].median()
    for day in effects.complaint_spike_days:
        assert per_day[day] >= 3 * median, (day, per_day[day], median)
    complaints = (
        sample.posts.filter(
            VOICE
            & (pl.col("brands") == "nimbus")
            & (pl.col("intent") == "complaint")
            & (pl.col("sentiment") == "negative")
        )
        .group_by("day")
        .len()
    )
    counts = dict(complaints.iter_rows())
    normal = complaints.filter(~pl.col("day").is_in(effects.complaint_spike_days))["len"].mean()
    for day in effects.complaint_spike_days:
        assert 4.5 <= counts[day] / normal <= 8.0, counts[day] / normal  # planned: ~6x


def test_rising_brand_share_grows_from_first_to_last_week(sample: Sample) -> None:
    mentions = (
        sample.posts.filter(VOICE & (pl.col("brands") != ""))
        .with_columns(brand=pl.col("brands").str.split(" "))
        .explode("brand")
    )
    first_week = [sample.start + dt.timedelta(days=k) for k in range(7)]
    last_week = [sample.start + dt.timedelta(days=sample.days - 7 + k) for k in range(7)]

    def shares(days: list[dt.date]) -> dict[str, float]:
        week = mentions.filter(pl.col("day").is_in(days))
        return {b: n / week.height for b, n in week.group_by("brand").len().iter_rows()}

    first, last = shares(first_week), shares(last_week)
    assert abs(first["orbit"] - 0.12) < 0.04, first
    assert abs(last["orbit"] - 0.30) < 0.05, last
    assert abs(last["nimbus"] - 0.35) < 0.05, last


def test_campaign_converts_clearly_better_during_its_days(sample: Sample) -> None:
    effects = sample.effects
    sessions = read_funnel(sample.config, "web_sessions", sample.start, sample.days)
    orders = read_funnel(sample.config, "orders", sample.start, sample.days)
    touches = sessions.select("visitor_id", pl.col("ts").alias("touch"), "utm_campaign")
    # Last-touch attribution: the visitor's latest session before the order.
    credited = (
        orders.join(touches, on="visitor_id")
        .filter(pl.col("touch") <= pl.col("ts"))
        .sort("touch")
        .group_by("order_id")
        .agg(pl.col("utm_campaign").last(), pl.col("ts").first(), pl.col("revenue").first())
    )
    first, last = effects.campaign_days
    during = credited.filter(pl.col("ts").dt.date().is_between(first, last))
    by_campaign = during.filter(pl.col("utm_campaign").is_not_null()).group_by("utm_campaign")
    totals = {
        c: (n, revenue)
        for c, n, revenue in by_campaign.agg(pl.len(), pl.col("revenue").sum()).iter_rows()
    }
    promoted = totals.pop(effects.campaign)
    assert all(promoted[0] > 2 * n and promoted[1] > 2 * r for n, r in totals.values()), totals

    visits = sessions.filter(pl.col("ts").dt.date().is_between(first, last))
    rate = (
        during.group_by("utm_campaign")
        .len()
        .rename({"len": "orders"})
        .join(visits.group_by("utm_campaign").len(), on="utm_campaign")
        .with_columns(rate=pl.col("orders") / pl.col("len"))
    )
    rates = dict(rate.select("utm_campaign", "rate").iter_rows())
    promoted_rate = rates.pop(effects.campaign)
    assert promoted_rate > 2 * max(rates.values()), rates  # every other campaign, any channel
    social = [rates[c] for c in effects.always_on_campaigns if c in rates]
    assert promoted_rate > 2.5 * max(social), rates
