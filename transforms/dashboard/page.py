"""The dashboard as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched,
so it opens offline, prints to PDF and survives email. Text from the data (post text, handles,
brand and campaign names) is HTML-escaped wherever it appears."""

from __future__ import annotations

import datetime as dt
from html import escape

import polars as pl

from transforms.dashboard import formatting as fmt
from transforms.dashboard import svg
from transforms.dashboard.content import Content
from transforms.dashboard.kpis import Kpi
from transforms.dashboard.themes import Theme

STYLE = """
body { font-family: "DejaVu Sans", system-ui, sans-serif; margin: 24px auto; color: #1d2733;
       max-width: 940px; padding: 0 12px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.sub { color: #5b6672; margin: 0 0 16px; font-size: 13px; }
.summary { background: #f5f7fa; border-left: 4px solid #1f5fa8; padding: 10px 16px 10px 28px; }
.summary li { margin: 4px 0; }
.tiles { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; }
.tile { border: 1px solid #dde2e8; border-radius: 6px; padding: 10px 12px; }
.tile .name { font-size: 12px; color: #5b6672; } .tile .value { font-size: 24px; font-weight: 600; }
.tile .change { font-size: 12px; } .good { color: #1f7a4d; } .bad { color: #b3261e; }
.flat { color: #5b6672; } .note { font-size: 11px; color: #7b8591; }
svg.chart { display: block; max-width: 100%; height: auto; }
svg text { font-family: inherit; } .tick { font-size: 11px; fill: #5b6672; }
.category { font-size: 12px; fill: #1d2733; } .cell { font-size: 11px; fill: #1d2733; }
.legend { font-size: 12px; margin: 4px 0 0; } .legend span { margin-right: 14px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
table { border-collapse: collapse; font-size: 12.5px; width: 100%; }
td, th { border-bottom: 1px solid #e3e6ea; padding: 4px 6px; text-align: left; }
td { vertical-align: top; }
th { font-weight: 600; color: #5b6672; } td.num { text-align: right; white-space: nowrap; }
.post { color: #333; font-style: italic; margin: 2px 0; }
.columns { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
.empty { color: #7b8591; font-style: italic; }
.severity-critical { color: #b3261e; font-weight: 600; } .severity-warning { color: #a15c00; }
@media print { body { margin: 0 auto; } section { break-inside: avoid; } }
"""


def _tile(kpi: Kpi) -> str:
    improved = kpi.improved
    tone = "flat" if improved is None else ("good" if improved else "bad")
    note = f'<div class="note">{escape(kpi.note)}</div>' if kpi.note else ""
    return (
        f'<div class="tile" data-kpi="{escape(kpi.name)}"><div class="name">{escape(kpi.name)}'
        f'</div><div class="value">{escape(fmt.BY_UNIT[kpi.unit](kpi.value))}</div>'
        f'<div class="change {tone}">{escape(_change(kpi))}</div>{note}</div>'
    )


def _change(kpi: Kpi) -> str:
    if kpi.change is None:
        return "no comparison"
    return f"{fmt.change(kpi.change, kpi.unit)} vs week before"


def _series(frame: pl.DataFrame, value: str, tracked_first: bool = True) -> list[svg.Line]:
    names = (
        frame.select("brand_name", "is_tracked")
        .unique()
        .sort(["is_tracked", "brand_name"], descending=[tracked_first, False])
    )
    lines = []
    for i, row in enumerate(names.iter_rows(named=True)):
        rows = frame.filter(pl.col("brand_name") == row["brand_name"]).sort("day")
        lines.append(
            svg.Line(
                row["brand_name"],
                list(zip(rows["day"], rows[value], strict=True)),
                svg.PALETTE[i % len(svg.PALETTE)],
                3.0 if row["is_tracked"] else 1.6,
            )
        )
    return lines


def _days(content: Content) -> list[dt.date]:
    span = content.periods.history
    return [span.first + dt.timedelta(days=i) for i in range(span.days)]


def _shade(content: Content) -> tuple[dt.date, dt.date]:
    return content.periods.current.first, content.periods.current.last


def share_of_voice_chart(content: Content) -> str:
    return svg.line_chart(
        "share-of-voice", "Share of mentions per day, by brand", _days(content),
        _series(content.share_of_voice, "share_of_mentions"), fmt.share, shade=_shade(content),
    )  # fmt: skip


def sentiment_chart(content: Content) -> str:
    lines = _series(content.sentiment, "net_sentiment")
    tracked = content.sentiment.filter(pl.col("is_tracked")).sort("day")
    low, high = tracked["net_sentiment_low"], tracked["net_sentiment_high"]
    band = list(zip(tracked["day"], low, high, strict=True))
    lines[0] = svg.Line(lines[0].name, lines[0].points, lines[0].color, lines[0].width, band)
    markers = [
        svg.Marker(a["peak_day"], a["explanation"], "#d1495b" if a["is_tracked"] else svg.MUTED)
        for a in content.alerts.iter_rows(named=True)
    ]
    return svg.line_chart(
        "sentiment", "Net sentiment per day with its 95% interval and alerts", _days(content),
        lines, fmt.index, markers=markers, shade=_shade(content),
    )  # fmt: skip


FUNNEL_STAGES = (
    "impressions", "engagements", "clicks", "sessions", "leads", "opportunities", "orders",
    "revenue",
)  # fmt: skip


def funnel_chart(content: Content) -> str:
    frame = content.funnel
    values = {
        (row["platform"], stage): float(row[stage] or 0)
        for row in frame.iter_rows(named=True)
        for stage in FUNNEL_STAGES
    }
    formats = {stage: fmt.count for stage in FUNNEL_STAGES} | {"revenue": fmt.money}
    return svg.funnel_grid(
        "funnel", "Funnel by platform", frame["platform"].to_list(), FUNNEL_STAGES, values,
        formats,
    )  # fmt: skip


def attribution_chart(content: Content) -> str:
    frame = content.attribution
    values = {
        (r["campaign"], r["attribution_model"]): float(r["revenue"] or 0)
        for r in frame.iter_rows(named=True)
    }
    totals = frame.group_by("campaign").agg(pl.col("revenue").sum())
    totals = totals.sort("revenue", descending=True)
    models = sorted(frame["attribution_model"].unique().to_list())
    return svg.grouped_bars(
        "attribution", "Attributed revenue by campaign under each model",
        totals["campaign"].to_list(), models, values, fmt.money,
    )  # fmt: skip


def response_chart(content: Content) -> str:
    frame = content.responses
    points = list(zip(frame["day"], frame["median"], strict=True))
    line = svg.Line("median first response (minutes)", points, svg.PALETTE[0])
    target = content.response_target
    return svg.line_chart(
        "response-time", "Median first response per day against the target", _days(content),
        [line], lambda v: f"{v:.0f}", shade=_shade(content),
        reference=(float(target), f"target {target} min"),
    )  # fmt: skip


def _themes_table(themes: list[Theme], what: str) -> str:
    if not themes:
        return f'<p class="empty">No {escape(what)} in these days.</p>'
    rows = []
    for theme in themes:
        before = "n/a" if theme.previous_share is None else f"{theme.previous_share:.0%}"
        posts = "".join(
            f'<p class="post">&ldquo;{escape(e.text)}&rdquo; <span class="note">'
            f"{escape(e.platform)}, {escape(e.day)}, {e.engagement:,} engagements</span></p>"
            for e in theme.examples
        )
        rows.append(
            f"<tr><td>{escape(theme.name)}</td><td class='num'>{theme.posts:,}</td>"
            f"<td class='num'>{theme.share:.0%}</td><td class='num'>{before}</td>"
            f"<td>{posts}</td></tr>"
        )
    return (
        "<table class='themes'><tr><th>theme</th><th>posts</th><th>share</th>"
        f"<th>week before</th><th>most engaging posts</th></tr>{''.join(rows)}</table>"
    )


def _authors_table(frame: pl.DataFrame, columns: dict[str, str]) -> str:
    if frame.is_empty():
        return '<p class="empty">Nobody yet.</p>'
    head = "".join(f"<th>{escape(label)}</th>" for label in columns.values())
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='num'>{escape(_cell(row[c]))}</td>"
            if isinstance(row[c], int | float)
            else f"<td>{escape(_cell(row[c]))}</td>"
            for c in columns
        )
        + "</tr>"
        for row in frame.iter_rows(named=True)
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def _alerts_table(alerts: pl.DataFrame) -> str:
    if alerts.is_empty():
        return '<p class="empty">No alerts in these days.</p>'
    rows = "".join(
        f"<tr><td class='severity-{escape(a['severity'])}'>{escape(a['severity'])}</td>"
        f"<td>{escape(a['brand_name'])}</td><td>{escape(a['alert_kind'].replace('_', ' '))}</td>"
        f"<td>{a['started_on'].isoformat()} to {a['ended_on'].isoformat()}</td>"
        f"<td>{escape(a['explanation'])}</td></tr>"
        for a in alerts.iter_rows(named=True)
    )
    return (
        "<table><tr><th>severity</th><th>brand</th><th>kind</th><th>days</th>"
        f"<th>what happened</th></tr>{rows}</table>"
    )


def _section(title: str, body: str, note: str = "") -> str:
    extra = f'<p class="note">{escape(note)}</p>' if note else ""
    return f"<section><h2>{escape(title)}</h2>{extra}{body}</section>"


def render_page(content: Content) -> str:
    span = content.periods
    within = (
        "" if content.within_target is None
        else f"{content.within_target:.0%} of complaints and purchase questions answered within "
        f"{content.response_target} minutes in the period."
    )  # fmt: skip
    sections = [
        _section("Summary", "<ul class='summary'>"
                 + "".join(f"<li>{escape(s)}</li>" for s in content.summary) + "</ul>"),
        _section("Headline numbers", "<div class='tiles'>"
                 + "".join(_tile(k) for k in content.kpis) + "</div>",
                 f"{span.current.label()} compared with {span.previous.label()}"
                 if span.comparable else
                 f"{span.current.label()}; the published data does not cover the week before"),
        _section("Share of voice against each competitor", share_of_voice_chart(content),
                 "share of all mentions of the brands tracked; the period is shaded"),
        _section("Sentiment trend", sentiment_chart(content),
                 "net sentiment (positive - negative) / (positive + negative); the band is the "
                 f"95% interval for {content.tracked}; triangles mark alerts"),
        _section("Funnel by platform", funnel_chart(content),
                 "each bar is scaled to the largest platform at that stage"),
        _section("Attribution compared across models", attribution_chart(content)),
        _section("Top complaint themes", _themes_table(content.complaint_themes, "complaints")),
        _section("Top purchase-intent themes",
                 _themes_table(content.purchase_themes, "purchase questions")),
        _section("Response time against target", response_chart(content), within),
        "<div class='columns'>"
        + _section("Top advocates", _authors_table(content.advocates, {
            "author_handle": "author", "platform": "platform",
            "tracked_brand_positive_mentions": "positive mentions",
            "max_followers": "followers"}), f"most positive mentions of {content.tracked}")
        + _section("Top influencers", _authors_table(content.influencers, {
            "author_handle": "author", "platform": "platform", "max_followers": "followers",
            "influence_score": "influence"}), "reach, engagement and voice combined")
        + "</div>",
        _section("Alerts of the period", _alerts_table(content.period_alerts)),
    ]  # fmt: skip
    title = f"Listener: {content.tracked}, {span.current.label()}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style></head><body>
<h1>{escape(content.tracked)} and competitors</h1>
<p class="sub">{escape(span.current.label())} (UTC days) &middot; published data through
{content.data_through.isoformat()} &middot; made by Listener from the published marts</p>
{"".join(sections)}
</body></html>
"""
