"""How numbers read on the dashboard and in its summary."""

from __future__ import annotations


def count(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def index(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}"


def minutes(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f} min" if value < 120 else f"{value / 60:.1f} h"


def money(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"${value / 1000:,.1f}k" if abs(value) >= 10_000 else f"${value:,.0f}"


def ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}x"


BY_UNIT = {
    "count": count, "share": share, "index": index, "minutes": minutes, "money": money,
    "ratio": ratio,
}  # fmt: skip


def change(value: float | None, unit: str) -> str:
    """A tile's change on the week before: points for shares, plain for indexes, else %."""
    if value is None:
        return "no comparison"
    if unit == "share":
        return f"{value * 100:+.1f} pts"
    if unit == "index":
        return f"{value:+.2f}"
    return f"{value:+.0%}"
