"""A dashboard's content built by hand, with HTML and script in every piece of text that comes
from the data (post text, handles, brand, campaign and theme names, alert explanations)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from transforms.dashboard.content import Content
from transforms.dashboard.kpis import Kpi
from transforms.dashboard.periods import periods
from transforms.dashboard.themes import Example, Theme

SCRIPT = "<script>window.hacked = 1</script>"
TAGGED = '<img src=x onerror="window.hacked=2">'
FIRST, LAST = dt.date(2026, 10, 24), dt.date(2026, 10, 30)
BRANDS = (("Nimbus <b>Mobile</b>", True), ("Apex & Co", False))


def _days(span) -> list[dt.date]:
    return [span.first + dt.timedelta(days=i) for i in range(span.days)]


def hostile_content() -> Content:
    span = periods(FIRST, LAST, history_days=28, since=dt.date(2026, 10, 1))
    days = _days(span.history)
    daily = pl.DataFrame(
        [
            {
                "day": day, "brand_name": name, "is_tracked": tracked,
                "mentions": 100 + i, "share_of_mentions": 0.6 if tracked else 0.4,
                "positive": 50, "negative": 20 + (200 if day == dt.date(2026, 10, 25) else 0),
                "net_sentiment": 0.4 if tracked else 0.2,
                "net_sentiment_low": 0.3 if tracked else 0.1,
                "net_sentiment_high": 0.5 if tracked else 0.3,
            }
            for i, day in enumerate(days)
            for name, tracked in BRANDS
        ]
    )  # fmt: skip
    alerts = pl.DataFrame(
        [{
            "alert_id": "a1", "brand_name": BRANDS[0][0], "is_tracked": True,
            "alert_kind": "negative_spike", "severity": "critical",
            "started_on": dt.date(2026, 10, 24), "ended_on": dt.date(2026, 10, 25),
            "peak_day": dt.date(2026, 10, 24), "observed": 340, "baseline_mean": 100.0,
            "ratio": 3.4, "explanation": f"Negative mentions rose {TAGGED}",
        }]
    )  # fmt: skip
    example = Example("x", "2026-10-25", 120, f"they broke my phone {SCRIPT} & more")
    theme = Theme(f"billing {TAGGED}", 12, 0.5, 0.25, (example,))
    return Content(
        tracked=BRANDS[0][0],
        periods=span,
        data_through=LAST,
        summary=[f"Negative mentions of {BRANDS[0][0]} rose 240% on Saturday {SCRIPT}."],
        kpis=[
            Kpi("Mentions", 1200, 1000, "count"),
            Kpi("Share of voice", 0.6, 0.55, "share"),
            Kpi("Net sentiment", 0.2, 0.3, "index"),
            Kpi("Median first response", 40, 50, "minutes", higher_is_better=False),
            Kpi("Attributed revenue", 21_000, 20_000, "money", note="markov attribution"),
            Kpi("ROAS", 4.0, None, "ratio"),
        ],
        share_of_voice=daily.select("day", "brand_name", "is_tracked", "mentions",
                                    "share_of_mentions"),
        sentiment=daily,
        alerts=alerts,
        period_alerts=alerts,
        funnel=pl.DataFrame({
            "platform": ["x", f"forum {SCRIPT}"], "impressions": [10_000, 500],
            "engagements": [900, 40], "clicks": [120, 9], "sessions": [100, 8], "leads": [9, 1],
            "opportunities": [4, 0], "orders": [3, 0], "revenue": [420.0, 0.0],
            "spend": [100.0, 0.0],
        }),
        attribution=pl.DataFrame({
            "campaign": [f"spring {TAGGED}", f"spring {TAGGED}", "always_on", "always_on"],
            "attribution_model": ["markov", "linear", "markov", "linear"],
            "conversions": [2.0, 1.5, 1.0, 1.5], "revenue": [300.0, 200.0, 120.0, 220.0],
        }),
        responses=pl.DataFrame({"day": days, "median": [30.0 + i for i in range(len(days))],
                                "within": [0.5] * len(days)}),
        response_target=60,
        within_target=0.5,
        complaint_themes=[theme],
        purchase_themes=[],
        advocates=pl.DataFrame({
            "author_handle": [f"@fan{SCRIPT}"], "platform": ["x"], "max_followers": [300],
            "tracked_brand_mentions": [9], "tracked_brand_positive_mentions": [8],
            "tracked_brand_advocacy": [0.8],
        }),
        influencers=pl.DataFrame({
            "author_handle": [f"@big{TAGGED}"], "platform": ["x"], "max_followers": [90_000],
            "mentions": [4], "total_engagement": [5000], "influence_score": [12.5],
        }),
    )  # fmt: skip
