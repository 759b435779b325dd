"""The tracked brand's funnel exports hang together and point at real posts."""

from __future__ import annotations

import re

import polars as pl

from .conftest import Sample
from .helpers import read_funnel


def _table(sample: Sample, name: str) -> pl.DataFrame:
    return read_funnel(sample.config, name, sample.start, sample.days)


def test_social_sessions_come_from_the_tracked_brands_link_posts(sample: Sample) -> None:
    sessions = _table(sample, "web_sessions")
    social = sessions.filter(pl.col("utm_medium") == "social")
    assert social.height > 0.2 * sessions.height
    posts = sample.posts.select(
        pl.col("platform").alias("utm_source"),
        pl.col("id").alias("utm_content"),
        pl.col("ts").alias("post_ts"),
        pl.col("text").str.replace_all("&amp;", "&").alias("text"),
    )
    clicked = social.join(posts, on=["utm_source", "utm_content"], how="left")
    assert clicked["post_ts"].null_count() == 0  # every click names a generated post
    assert (clicked["ts"] > clicked["post_ts"]).all()
    assert clicked["click_id"].null_count() == 0
    for text, source, campaign, content, page in clicked.select(
        "text", "utm_source", "utm_campaign", "utm_content", "landing_page"
    ).iter_rows():
        url = re.search(r"https://nimbusmobile\.example(\S+)", text)
        assert url, text
        assert url.group(1) == (
            f"{page}?utm_source={source}&utm_medium=social"
            f"&utm_campaign={campaign}&utm_content={content}"
        )


def test_other_sessions_have_no_post_and_known_channels(sample: Sample) -> None:
    sessions = _table(sample, "web_sessions")
    other = sessions.filter(pl.col("utm_medium") != "social")
    assert set(other["utm_medium"].unique()) == {"organic", "email", "cpc", "direct"}
    assert other["utm_content"].null_count() == other.height
    assert sessions["session_id"].is_unique().all()


def test_visitors_return_through_several_campaigns(sample: Sample) -> None:
    sessions = _table(sample, "web_sessions")
    per_visitor = sessions.group_by("visitor_id").agg(
        pl.len(), pl.col("file_day").n_unique().alias("days"), pl.col("utm_campaign").n_unique()
    )
    assert (per_visitor["days"] > 1).mean() > 0.1
    assert (per_visitor["utm_campaign"] > 1).sum() > 50


def test_orders_leads_and_opportunities_follow_sessions(sample: Sample) -> None:
    sessions = _table(sample, "web_sessions")
    first_visit = sessions.group_by("visitor_id").agg(pl.col("ts").min().alias("first"))
    orders = _table(sample, "orders").join(first_visit, on="visitor_id", how="left")
    assert orders["first"].null_count() == 0
    assert (orders["ts"] > orders["first"]).all()
    assert orders["revenue"].is_between(20, 900).all() and (orders["currency"] == "USD").all()
    assert orders["order_id"].is_unique().all()
    leads = _table(sample, "leads").join(first_visit, on="visitor_id", how="left")
    assert leads["first"].null_count() == 0 and (leads["ts"] > leads["first"]).all()
    lead_times = leads.select("lead_id", pl.col("ts").alias("lead_ts"))
    opportunities = _table(sample, "opportunities").join(lead_times, on="lead_id", how="left")
    assert opportunities["lead_ts"].null_count() == 0
    assert (opportunities["ts"] > opportunities["lead_ts"]).all()
    assert set(opportunities["stage"].unique()) <= {"open", "won", "lost"}
    assert (opportunities["amount"] > 0).all()


def test_base_conversion_rate_of_social_sessions(sample: Sample) -> None:
    """Orders credited (last touch) to the always-on social campaigns: ~3% of their sessions."""
    effects = sample.effects
    sessions = _table(sample, "web_sessions")
    touches = sessions.select("visitor_id", pl.col("ts").alias("touch"), "utm_campaign")
    credited = (
        _table(sample, "orders")
        .join(touches, on="visitor_id")
        .filter(pl.col("touch") <= pl.col("ts"))
        .sort("touch")
        .group_by("order_id")
        .agg(pl.col("utm_campaign").last())
    )
    always_on = pl.col("utm_campaign").is_in(list(effects.always_on_campaigns))
    rate = credited.filter(always_on).height / sessions.filter(always_on).height
    assert 0.015 < rate < 0.05, rate


def test_campaign_spend_covers_active_campaigns_and_matches_clicks(sample: Sample) -> None:
    effects = sample.effects
    spend = _table(sample, "campaign_spend")
    assert set(spend["campaign"].unique()) == set(effects.campaigns)
    assert set(spend["platform"].unique()) == {"x", "reddit", "facebook", "instagram", "youtube"}
    promoted = spend.filter(pl.col("campaign") == effects.campaign)
    first, last = effects.campaign_days
    assert promoted["file_day"].is_between(first, last).all()
    sessions = _table(sample, "web_sessions").filter(pl.col("utm_medium") == "social")
    visits = sessions.group_by(
        pl.col("file_day").dt.to_string("%Y-%m-%d").alias("day"),
        pl.col("utm_source").alias("platform"),
        pl.col("utm_campaign").alias("campaign"),
    ).len()
    joined = spend.join(visits, on=["day", "platform", "campaign"], how="left").fill_null(0)
    assert (joined["clicks"] >= joined["len"]).all()
    assert (joined["clicks"] <= joined["len"] * 1.3 + 3).all()
    assert (joined["spend"] > 0).all() and (joined["impressions"] > joined["clicks"]).all()
