"""The headline tiles: six numbers for a period, each with its change on the week before."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from transforms.config import Config
from transforms.dashboard import queries
from transforms.dashboard.periods import Window


@dataclass(frozen=True)
class Kpi:
    name: str
    value: float | None
    previous: float | None
    unit: str  # "count", "share", "index", "minutes", "money", "ratio"
    higher_is_better: bool = True
    note: str = ""

    @property
    def change(self) -> float | None:
        """Relative change for counts and money, absolute change for shares and indexes."""
        if self.value is None or self.previous is None:
            return None
        if self.unit in ("share", "index"):
            return self.value - self.previous
        if self.previous == 0:
            return None
        return self.value / self.previous - 1

    @property
    def improved(self) -> bool | None:
        """Better, worse, or None when unchanged at the precision shown."""
        change = self.change
        if change is None or abs(change) < (0.0005 if self.unit == "share" else 0.005):
            return None
        return (change > 0) == self.higher_is_better


def _tracked_voice(sov: pl.DataFrame) -> tuple[float | None, float | None]:
    total = sov["mentions"].sum()
    if not total:
        return None, None
    ours = sov.filter(pl.col("is_tracked"))["mentions"].sum()
    return float(ours), ours / total


def _net_sentiment(sentiment: pl.DataFrame) -> float | None:
    ours = sentiment.filter(pl.col("is_tracked"))
    positive, negative = ours["positive"].sum(), ours["negative"].sum()
    if not positive + negative:
        return None
    return (positive - negative) / (positive + negative)


def _median_response(responses: pl.DataFrame) -> float | None:
    answered = responses.filter(pl.col("responded"))["response_minutes"]
    return None if answered.is_empty() else float(answered.median())


def _roas(revenue: float, spend: float) -> float | None:
    return revenue / spend if spend else None


@dataclass(frozen=True)
class _Figures:
    mentions: float | None
    share: float | None
    net: float | None
    response: float | None
    revenue: float | None
    roas: float | None


def _figures(config: Config, window: Window) -> _Figures:
    mentions, share = _tracked_voice(queries.share_of_voice(config, window))
    revenue = queries.attributed_revenue(config, window, config.funnel.headline_model)
    return _Figures(
        mentions,
        share,
        _net_sentiment(queries.sentiment(config, window)),
        _median_response(queries.responses(config, window)),
        revenue,
        _roas(revenue, queries.spend(config, window)),
    )


_NO_FIGURES = _Figures(None, None, None, None, None, None)


def kpis(config: Config, current: Window, previous: Window | None) -> list[Kpi]:
    """The tiles of `current`, compared with `previous` (None: nothing to compare with)."""
    now = _figures(config, current)
    before = _figures(config, previous) if previous else _NO_FIGURES
    model = f"{config.funnel.headline_model.replace('_', ' ')} attribution"
    return [
        Kpi("Mentions", now.mentions, before.mentions, "count"),
        Kpi("Share of voice", now.share, before.share, "share"),
        Kpi("Net sentiment", now.net, before.net, "index"),
        Kpi("Median first response", now.response, before.response, "minutes", False),
        Kpi("Attributed revenue", now.revenue, before.revenue, "money", note=model),
        Kpi("ROAS", now.roas, before.roas, "ratio", note="attributed revenue / ad spend"),
    ]
