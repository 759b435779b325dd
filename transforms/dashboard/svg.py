"""Inline SVG charts: no JavaScript, no fonts or scripts from a CDN, so the page works offline,
prints to PDF and screenshots to PNG as it shows. Every label is HTML-escaped; a point's value
shows on hover through its <title>."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

PALETTE = ("#1f5fa8", "#d1495b", "#2e9e6a", "#8e6bbf", "#e08a1e", "#6b4f3a", "#1aa3b8")
MUTED = "#9aa3ad"
WIDTH = 900
Format = Callable[[float], str]


@dataclass(frozen=True)
class Line:
    name: str
    points: Sequence[tuple[dt.date, float | None]]
    color: str
    width: float = 2.0
    band: Sequence[tuple[dt.date, float | None, float | None]] = field(default_factory=tuple)


@dataclass(frozen=True)
class Marker:
    day: dt.date
    label: str
    color: str = "#d1495b"


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten apart)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def _svg(chart_id: str, label: str, height: int, body: str) -> str:
    return (
        f'<svg class="chart" data-chart="{escape(chart_id)}" role="img" '
        f'aria-label="{escape(label)}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )


def _legend(lines: Sequence[Line]) -> str:
    items = "".join(
        f'<span><i style="background:{line.color}"></i>{escape(line.name)}</span>' for line in lines
    )
    return f'<p class="legend">{items}</p>'


def line_chart(
    chart_id: str,
    label: str,
    days: Sequence[dt.date],
    lines: Sequence[Line],
    fmt: Format,
    *,
    markers: Sequence[Marker] = (),
    shade: tuple[dt.date, dt.date] | None = None,
    reference: tuple[float, str] | None = None,
    height: int = 260,
) -> str:
    """Lines over days, with optional confidence bands, a shaded period, day markers (alerts)
    and a horizontal reference line (a target)."""
    values = [v for line in lines for _, v in line.points if v is not None]
    values += [b for line in lines for _, lo, hi in line.band for b in (lo, hi) if b is not None]
    if reference:
        values.append(reference[0])
    if not days or not values:
        return '<p class="empty">No data for these days.</p>'
    left, right, top, bottom = 56, 16, 14, 28
    ticks = nice_ticks(min(0.0, min(values)), max(values))
    y_low, y_high = ticks[0], ticks[-1]
    span = max((days[-1] - days[0]).days, 1)

    def x(day: dt.date) -> float:
        return left + (WIDTH - left - right) * (day - days[0]).days / span

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - (value - y_low) / ((y_high - y_low) or 1))

    parts = []
    if shade:
        x0, x1 = x(max(shade[0], days[0])) - 4, x(min(shade[1], days[-1])) + 4
        parts.append(
            f'<rect class="period" x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 8):.1f}" '
            f'height="{height - top - bottom}" fill="#eef3f9"/>'
        )
    for tick in ticks:
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#e3e6ea"/><text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
            f'class="tick">{escape(fmt(tick))}</text>'
        )
    for day in days[:: max(1, len(days) // 6)]:
        parts.append(
            f'<text x="{x(day):.1f}" y="{height - 8}" text-anchor="middle" class="tick">'
            f"{day:%b %d}</text>"
        )
    if reference:
        value, text = reference
        parts.append(
            f'<line class="reference" x1="{left}" x2="{WIDTH - right}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}" stroke="#555" stroke-dasharray="5 4"/>'
            f'<text x="{WIDTH - right}" y="{y(value) - 5:.1f}" text-anchor="end" class="tick">'
            f"{escape(text)}</text>"
        )
    for line in lines:
        band = [(d, lo, hi) for d, lo, hi in line.band if lo is not None and hi is not None]
        if band:
            upper = " ".join(f"{x(d):.1f},{y(hi):.1f}" for d, _, hi in band)
            lower = " ".join(f"{x(d):.1f},{y(lo):.1f}" for d, lo, _ in reversed(band))
            parts.append(
                f'<polygon class="band" points="{upper} {lower}" fill="{line.color}" '
                'fill-opacity="0.15"/>'
            )
        for run in _runs(line.points):
            path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in run)
            parts.append(
                f'<polyline class="series" fill="none" stroke="{line.color}" '
                f'stroke-width="{line.width}" points="{path}"/>'
            )
        for d, v in line.points:
            if v is not None:
                parts.append(
                    f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="2" fill="{line.color}">'
                    f"<title>{escape(line.name)} {d.isoformat()}: {escape(fmt(v))}</title></circle>"
                )
    for marker in markers:
        if days[0] <= marker.day <= days[-1]:
            parts.append(
                f'<g class="marker"><line x1="{x(marker.day):.1f}" x2="{x(marker.day):.1f}" '
                f'y1="{top}" y2="{height - bottom}" stroke="{marker.color}" stroke-width="1.5"/>'
                f'<path d="M{x(marker.day) - 6:.1f},{top} h12 l-6,9 z" fill="{marker.color}">'
                f"<title>{escape(marker.label)}</title></path></g>"
            )
    return _svg(chart_id, label, height, "".join(parts)) + _legend(lines)


def _runs(points: Sequence[tuple[dt.date, float | None]]) -> list[list[tuple[dt.date, float]]]:
    """Consecutive points with values: a day without a value breaks the line."""
    runs: list[list[tuple[dt.date, float]]] = [[]]
    for day, value in sorted(points, key=lambda p: p[0]):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((day, value))
    return [run for run in runs if run]


def grouped_bars(
    chart_id: str,
    label: str,
    categories: Sequence[str],
    groups: Sequence[str],
    values: dict[tuple[str, str], float],
    fmt: Format,
) -> str:
    """Horizontal bars: one block per category, one bar per group in it (e.g. campaigns x
    attribution models), all on one scale from zero."""
    if not categories or not groups or not values:
        return '<p class="empty">No data for these days.</p>'
    bar, gap, left, right = 13, 14, 190, 90
    height = len(categories) * (len(groups) * bar + gap) + 10
    top_value = max(values.values()) or 1.0
    parts = []
    y = 6
    for category in categories:
        parts.append(
            f'<text x="{left - 10}" y="{y + len(groups) * bar / 2 + 4:.1f}" text-anchor="end" '
            f'class="category">{escape(category)}</text>'
        )
        for i, group in enumerate(groups):
            value = values.get((category, group), 0.0)
            width = (WIDTH - left - right) * value / top_value
            color = PALETTE[i % len(PALETTE)]
            parts.append(
                f'<rect class="bar" x="{left}" y="{y}" width="{max(width, 1):.1f}" '
                f'height="{bar - 2}" fill="{color}"><title>{escape(category)}, '
                f"{escape(group)}: {escape(fmt(value))}</title></rect>"
                f'<text x="{left + width + 6:.1f}" y="{y + bar - 3}" class="tick">'
                f"{escape(fmt(value))}</text>"
            )
            y += bar
        y += gap
    legend = [Line(g, (), PALETTE[i % len(PALETTE)]) for i, g in enumerate(groups)]
    return _svg(chart_id, label, height, "".join(parts)) + _legend(legend)


def funnel_grid(
    chart_id: str,
    label: str,
    rows: Sequence[str],
    stages: Sequence[str],
    values: dict[tuple[str, str], float],
    formats: dict[str, Format],
) -> str:
    """A funnel per row (platform): one cell per stage, its bar scaled to the largest value of
    that stage, so platforms compare stage by stage although the stages differ in magnitude."""
    if not rows or not stages:
        return '<p class="empty">No data for these days.</p>'
    left, top, row_height = 96, 24, 34
    cell = (WIDTH - left) / len(stages)
    height = top + len(rows) * row_height + 6
    parts = [
        f'<text x="{left + cell * i + 4:.1f}" y="14" class="category">{escape(stage)}</text>'
        for i, stage in enumerate(stages)
    ]
    for r, row in enumerate(rows):
        y = top + r * row_height
        parts.append(f'<text x="0" y="{y + 20}" class="category">{escape(row)}</text>')
        for i, stage in enumerate(stages):
            most = max((values.get((other, stage), 0.0) for other in rows), default=0.0) or 1.0
            value = values.get((row, stage), 0.0)
            width = (cell - 10) * value / most
            parts.append(
                f'<rect class="bar" x="{left + cell * i:.1f}" y="{y + 4}" '
                f'width="{max(width, 1):.1f}" height="{row_height - 12}" '
                f'fill="{PALETTE[0]}" fill-opacity="{0.15 + 0.45 * value / most:.2f}">'
                f"<title>{escape(row)}, {escape(stage)}: {escape(formats[stage](value))}</title>"
                f'</rect><text x="{left + cell * i + 4:.1f}" y="{y + 20}" class="cell">'
                f"{escape(formats[stage](value))}</text>"
            )
    return _svg(chart_id, label, height, "".join(parts))
