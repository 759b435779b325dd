"""A first static dashboard of the three marts: one self-contained HTML file (inline SVG, no CDN),
rendered from the published, read-only marts. Every string from the data is HTML-escaped."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import polars as pl

from transforms import zones
from transforms.config import Config
from transforms.files import write_atomic_bytes
from transforms.warehouse import query_published

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")
WIDTH, HEIGHT, PAD = 720, 260, 40


def line_chart(title: str, series: dict[str, list[tuple[dt.date, float]]], y_label: str) -> str:
    """An SVG line chart: one line per series, dates on x."""
    points = [p for values in series.values() for p in values if p[1] is not None]
    if not points:
        return f"<section><h2>{html.escape(title)}</h2><p>No data yet.</p></section>"
    days = sorted({p[0] for p in points})
    y_min = min(0.0, min(p[1] for p in points))
    y_max = max(p[1] for p in points) or 1.0
    span_days = max((days[-1] - days[0]).days, 1)

    def xy(day: dt.date, value: float) -> str:
        x = PAD + (WIDTH - 2 * PAD) * (day - days[0]).days / span_days
        y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * (value - y_min) / ((y_max - y_min) or 1)
        return f"{x:.1f},{y:.1f}"

    lines, legend = [], []
    for i, (name, values) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        path = " ".join(xy(d, v) for d, v in sorted(values) if v is not None)
        lines.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        legend.append(f'<span style="color:{color}">&#9632; {html.escape(name)}</span>')
    axes = (
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        'stroke="#999"/>'
        f'<text x="{PAD}" y="{HEIGHT - 12}" font-size="11">{days[0]}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 12}" font-size="11" text-anchor="end">'
        f"{days[-1]}</text>"
        f'<text x="4" y="{PAD - 8}" font-size="11">{html.escape(y_label)} '
        f"(max {y_max:.2f})</text>"
    )
    return (
        f"<section><h2>{html.escape(title)}</h2>"
        f'<svg role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">'
        f"{axes}{''.join(lines)}</svg><p class='legend'>{' '.join(legend)}</p></section>"
    )


def table(title: str, frame: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
        for row in frame.iter_rows()
    )
    return f"<section><h2>{html.escape(title)}</h2><table><tr>{head}</tr>{rows}</table></section>"


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    return "" if value is None else str(value)


def series_by(frame: pl.DataFrame, key: str, value: str) -> dict[str, list[tuple[dt.date, float]]]:
    return {
        str(name): list(zip(group["day"].to_list(), group[value].to_list(), strict=True))
        for (name,), group in frame.sort(key, "day").group_by(key, maintain_order=True)
    }


def _days(first: dt.date | None, last: dt.date | None) -> str:
    """A where clause for a period; the bounds are dates, never text from the data."""
    if first is None or last is None:
        return ""
    return f" where day between date '{first.isoformat()}' and date '{last.isoformat()}'"


def render_html(config: Config, first: dt.date | None = None, last: dt.date | None = None) -> str:
    """The dashboard of every published day, or of the days from `first` to `last`."""
    sov = query_published(
        config,
        "select day, brand_name, share_of_mentions from share_of_voice_daily" + _days(first, last),
    )
    sentiment = query_published(
        config,
        "select day, brand_name, net_sentiment, negative from sentiment_trend" + _days(first, last),
    )
    attribution = query_published(
        config,
        "select campaign, attribution_model, round(sum(conversions), 1) as conversions, "
        "round(sum(revenue), 2) as revenue from funnel_attribution"
        + _days(first, last)
        + " group by all order by attribution_model, revenue desc",
    )
    tracked = config.brands.tracked.name
    sections = [
        line_chart(
            "Share of voice (all platforms)",
            series_by(sov, "brand_name", "share_of_mentions"),
            "share of mentions",
        ),  # fmt: skip
        line_chart(
            "Net sentiment (P - N) / (P + N)",
            series_by(sentiment, "brand_name", "net_sentiment"),
            "net sentiment",
        ),  # fmt: skip
        line_chart(
            "Negative mentions per day",
            series_by(sentiment, "brand_name", "negative"),
            "negative mentions",
        ),  # fmt: skip
        table("Attributed conversions and revenue by campaign and model", attribution),
    ]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Listener: {html.escape(tracked)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 800px; }}
table {{ border-collapse: collapse; font-size: 13px; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; }}
.legend span {{ margin-right: 1em; font-size: 13px; }}
</style></head><body>
<h1>Listener: {html.escape(tracked)} and competitors</h1>
{_period_line(first, last)}
{"".join(sections)}
</body></html>
"""


def _period_line(first: dt.date | None, last: dt.date | None) -> str:
    if first is None or last is None:
        return ""
    return f"<p>{first.isoformat()} to {last.isoformat()} (UTC days)</p>"


def render_dashboard(config: Config) -> Path:
    path = zones.dashboard_file(config)
    write_atomic_bytes(render_html(config).encode("utf-8"), path)
    return path
