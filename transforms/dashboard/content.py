"""Everything one dashboard shows, read from the published marts once: the page, its PNG and PDF
and the email are all made from this."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import yaml

from transforms.config import Config
from transforms.dashboard import narrative, queries
from transforms.dashboard.kpis import Kpi, kpis
from transforms.dashboard.periods import Periods, periods
from transforms.dashboard.themes import Theme, top_themes
from transforms.errors import ListenerError
from transforms.publish import query_published
from transforms.warehouse import DBT_PROJECT_DIR

DEFAULT_DAYS = 7  # the period of the dashboard rendered after each publication


class DashboardError(ListenerError):
    """A dashboard that cannot be made, e.g. before anything was published."""


@dataclass(frozen=True)
class Content:
    tracked: str
    periods: Periods
    data_through: dt.date
    summary: list[str]
    kpis: list[Kpi]
    share_of_voice: pl.DataFrame
    sentiment: pl.DataFrame
    alerts: pl.DataFrame  # alerts overlapping the charts' span
    period_alerts: pl.DataFrame
    funnel: pl.DataFrame
    attribution: pl.DataFrame
    responses: pl.DataFrame  # the tracked brand's daily median response over the span
    response_target: int
    within_target: float | None
    complaint_themes: list[Theme]
    purchase_themes: list[Theme]
    advocates: pl.DataFrame
    influencers: pl.DataFrame


def response_target_minutes() -> int:
    """The first-reply target the response marts measure against (a dbt var)."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    return int(project["vars"]["response_target_minutes"])


def newest_day(config: Config) -> dt.date | None:
    frame = query_published(config, "select max(day) as day from share_of_voice_daily")
    return frame["day"][0] if frame.height else None


def _first_day(config: Config) -> dt.date:
    return query_published(config, "select min(day) as day from share_of_voice_daily")["day"][0]


def _daily_response(responses: pl.DataFrame) -> pl.DataFrame:
    return (
        responses.group_by("day")
        .agg(
            median=pl.col("response_minutes").filter(pl.col("responded")).median(),
            within=pl.col("is_within_target").cast(pl.Float64).mean(),
        )
        .sort("day")
    )


def _top_campaign(attribution: pl.DataFrame, model: str) -> str | None:
    ours = attribution.filter(pl.col("attribution_model") == model).sort("revenue", descending=True)
    return ours["campaign"][0] if ours.height and ours["revenue"][0] else None


def build(config: Config, first: dt.date | None = None, last: dt.date | None = None) -> Content:
    """The dashboard of the days from `first` to `last`; by default the newest published week."""
    through = newest_day(config)
    if through is None:
        raise DashboardError("no published marts yet: run the warehouse DAG first")
    last = last or through
    first = first or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    span = periods(first, last, config.dashboard.history_days, since=_first_day(config))
    now = span.current
    tiles = kpis(config, now, span.previous if span.comparable else None)
    posts_now = queries.intent_posts(config, now)
    posts_before = queries.intent_posts(config, span.previous) if span.comparable else None
    themes = config.dashboard.themes
    complaints = top_themes(posts_now, posts_before, themes, "complaint")
    purchases = top_themes(posts_now, posts_before, themes, "purchase_intent")
    responses = queries.responses(config, now)
    within = None if responses.is_empty() else float(responses["is_within_target"].mean())
    attribution = queries.attribution(config, now)
    alerts = queries.alerts(config, span.history)
    period_alerts = queries.alerts(config, now)
    target = response_target_minutes()
    advocates, influencers = queries.top_authors(config, config.dashboard.top_authors)
    summary = narrative.summary(
        config.brands.tracked.name, span, {k.name: k for k in tiles}, period_alerts,
        complaints, purchases, within, target,
        _top_campaign(attribution, config.funnel.headline_model),
    )  # fmt: skip
    return Content(
        tracked=config.brands.tracked.name,
        periods=span,
        data_through=through,
        summary=summary,
        kpis=tiles,
        share_of_voice=queries.share_of_voice(config, span.history),
        sentiment=queries.sentiment(config, span.history),
        alerts=alerts,
        period_alerts=period_alerts,
        funnel=queries.funnel_by_platform(config, now),
        attribution=attribution,
        responses=_daily_response(queries.responses(config, span.history)),
        response_target=target,
        within_target=within,
        complaint_themes=complaints,
        purchase_themes=purchases,
        advocates=advocates,
        influencers=influencers,
    )
