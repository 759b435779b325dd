"""What the dashboard reads from the published marts: one query per block, over one window.

Every query reads the read-only published file, as a BI tool would; windows are dates, never
text from the data, and nothing from a post is ever part of the SQL."""

from __future__ import annotations

from typing import get_args

import polars as pl

from transforms.config import AttributionModel, Config
from transforms.dashboard.periods import Window
from transforms.publish import query_published


def share_of_voice(config: Config, window: Window) -> pl.DataFrame:
    return query_published(
        config,
        "select day, brand_name, is_tracked, mentions, share_of_mentions "
        f"from share_of_voice_daily where {window.where()} order by day, brand_name",
    )


def sentiment(config: Config, window: Window) -> pl.DataFrame:
    return query_published(
        config,
        "select day, brand_name, is_tracked, mentions, positive, negative, net_sentiment, "
        "net_sentiment_low, net_sentiment_high "
        f"from sentiment_trend where {window.where()} order by day, brand_name",
    )


def alerts(config: Config, window: Window) -> pl.DataFrame:
    """Alerts whose episode overlaps the window, newest first."""
    return query_published(
        config,
        "select alert_id, brand_name, is_tracked, alert_kind, severity, started_on, ended_on, "
        "peak_day, observed, baseline_mean, ratio, explanation from alerts "
        f"where started_on <= date '{window.last.isoformat()}' "
        f"and ended_on >= date '{window.first.isoformat()}' "
        "order by peak_day desc, severity, brand_name",
    )


def funnel_by_platform(config: Config, window: Window) -> pl.DataFrame:
    return query_published(
        config,
        "select platform, sum(impressions) as impressions, sum(engagements) as engagements, "
        "sum(clicks) as clicks, sum(sessions) as sessions, sum(leads) as leads, "
        "sum(opportunities) as opportunities, sum(orders) as orders, "
        "sum(revenue) as revenue, sum(spend) as spend "
        f"from funnel_stages where {window.where()} group by platform order by revenue desc",
    )


def attribution(config: Config, window: Window) -> pl.DataFrame:
    return query_published(
        config,
        "select campaign, attribution_model, sum(conversions) as conversions, "
        "sum(revenue) as revenue "
        f"from funnel_attribution where {window.where()} "
        "group by campaign, attribution_model order by campaign, attribution_model",
    )


def responses(config: Config, window: Window) -> pl.DataFrame:
    """The tracked brand's inbound posts (complaints and purchase questions) with how fast
    they were answered."""
    return query_published(
        config,
        "select day, responded, response_minutes, is_within_target from response_times "
        f"where is_tracked and {window.where()}",
    )


def intent_posts(config: Config, window: Window) -> pl.DataFrame:
    """The tracked brand's complaints and purchase questions, with their text."""
    return query_published(
        config,
        "select post_id, platform, day, intent, sentiment, engagement, text from intent_posts "
        f"where is_tracked and {window.where()}",
    )


def attributed_revenue(config: Config, window: Window, model: str) -> float:
    frame = query_published(
        config,
        "select coalesce(sum(revenue), 0) as revenue from funnel_attribution "
        f"where {window.where()} and attribution_model = '{_model(model)}'",
    )
    return float(frame["revenue"][0])


def spend(config: Config, window: Window) -> float:
    frame = query_published(
        config, f"select coalesce(sum(spend), 0) as spend from funnel_stages where {window.where()}"
    )
    return float(frame["spend"][0])


def top_authors(config: Config, limit: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The tracked brand's advocates (most positive mentions of it) and the most influential
    authors (author_influence's score), over all published days. Named by their handles, so read
    from the restricted publication (BI tools see author_influence pseudonymized)."""
    advocates = query_published(
        config,
        "select author_handle, platform, max_followers, tracked_brand_mentions, "
        "tracked_brand_positive_mentions, tracked_brand_advocacy from author_influence "
        "where tracked_brand_positive_mentions > 0 "
        "order by tracked_brand_positive_mentions desc, tracked_brand_advocacy desc, "
        f"max_followers desc limit {int(limit)}",
        restricted=True,
    )
    influencers = query_published(
        config,
        "select author_handle, platform, max_followers, mentions, total_engagement, "
        "influence_score from author_influence where mentions > 0 "
        f"order by influence_score desc, max_followers desc limit {int(limit)}",
        restricted=True,
    )
    return advocates, influencers


def _model(model: str) -> str:
    # The model name comes from the validated config (a fixed set of names), checked again here
    # because it is spliced into SQL.
    if model not in get_args(AttributionModel):
        raise ValueError(f"unknown attribution model {model!r}")
    return model
