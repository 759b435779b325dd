"""The dashboard's written summary: a few sentences generated from its numbers, most important
first (alerts, then voice, sentiment, themes, response and revenue). Plain text; the page
escapes it."""

from __future__ import annotations

import polars as pl

from transforms.dashboard import formatting as fmt
from transforms.dashboard.kpis import Kpi
from transforms.dashboard.periods import Periods
from transforms.dashboard.themes import OTHER, Theme


def _direction(change: float, up: str = "up", down: str = "down") -> str:
    return up if change > 0 else down


def alert_sentences(alerts: pl.DataFrame, limit: int = 3) -> list[str]:
    """One sentence per alert of the period, the tracked brand's and critical ones first."""
    ordered = alerts.sort(
        [pl.col("is_tracked"), pl.col("severity") == "critical", "peak_day"],
        descending=[True, True, True],
    ).head(limit)
    sentences = []
    for a in ordered.iter_rows(named=True):
        what = "Negative mentions" if a["alert_kind"] == "negative_spike" else "Mentions"
        rise = (a["ratio"] - 1) * 100 if a["ratio"] is not None else None
        rose = f"rose {rise:,.0f}%" if rise is not None else "spiked"
        sentences.append(
            f"{what} of {a['brand_name']} {rose} on {a['peak_day']:%A} "
            f"{a['peak_day'].isoformat()} ({a['observed']:,} against a usual "
            f"{a['baseline_mean']:,.0f} a day): a {a['severity']} alert."
        )
    return sentences


def voice_sentence(tracked: str, periods: Periods, mentions: Kpi, share: Kpi) -> str:
    if mentions.value is None:
        return f"{tracked} had no mentions {periods.current.label()}."
    text = f"{tracked} was mentioned {fmt.count(mentions.value)} times ({periods.current.label()})"
    if mentions.change is not None:
        text += f", {abs(mentions.change):.0%} {_direction(mentions.change, 'more', 'fewer')} "
        text += "than the week before"
    text += f", a {fmt.share(share.value)} share of voice"
    if share.change is not None:
        text += f" ({share.change * 100:+.1f} points)"
    return text + "."


def sentiment_sentence(net: Kpi) -> str | None:
    if net.value is None:
        return None
    text = f"Net sentiment was {fmt.index(net.value)}"
    if net.change is not None and abs(net.change) >= 0.005:
        text += f", {_direction(net.change)} {abs(net.change):.2f} on the week before"
    return text + "."


def theme_sentence(themes: list[Theme], what: str) -> str | None:
    named = [t for t in themes if t.name != OTHER]
    if not named:
        return None
    top = named[0]
    text = f"The most common {what} theme was {top.name} ({top.share:.0%} of {what}s"
    if top.previous_share is not None:
        text += f", {top.previous_share:.0%} the week before"
    text += ")"
    rising = [
        t for t in named[1:] if t.previous_share is not None and t.share >= t.previous_share + 0.05
    ]
    if rising:
        text += f"; {rising[0].name} rose to {rising[0].share:.0%}"
    return text + "."


def response_sentence(median: Kpi, within_target: float | None, target: int) -> str | None:
    if median.value is None:
        return None
    verdict = "within" if median.value <= target else "over"
    text = (
        f"The median first response took {fmt.minutes(median.value)}, {verdict} the "
        f"{target}-minute target"
    )
    if within_target is not None:
        text += f"; {within_target:.0%} of complaints and purchase questions were answered in time"
    return text + "."


def revenue_sentence(revenue: Kpi, roas: Kpi, top_campaign: str | None) -> str | None:
    if not revenue.value:
        return None
    text = f"Social touches brought {fmt.money(revenue.value)} of attributed revenue"
    if revenue.change is not None:
        text += f" ({revenue.change:+.0%})"
    if roas.value is not None:
        text += f" at a ROAS of {fmt.ratio(roas.value)}"
    if top_campaign:
        text += f"; {top_campaign} led"
    return text + "."


def summary(
    tracked: str,
    periods: Periods,
    kpis: dict[str, Kpi],
    alerts: pl.DataFrame,
    complaints: list[Theme],
    purchases: list[Theme],
    within_target: float | None,
    target: int,
    top_campaign: str | None,
) -> list[str]:
    sentences = [
        *alert_sentences(alerts),
        voice_sentence(tracked, periods, kpis["Mentions"], kpis["Share of voice"]),
        sentiment_sentence(kpis["Net sentiment"]),
        theme_sentence(complaints, "complaint"),
        theme_sentence(purchases, "purchase question"),
        response_sentence(kpis["Median first response"], within_target, target),
        revenue_sentence(kpis["Attributed revenue"], kpis["ROAS"], top_campaign),
    ]
    return [s for s in sentences if s]
