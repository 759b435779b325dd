"""The effects planted in the sample data, so tests and marts can be checked against them.

Dates are relative to the generated window (not to today), so the same config always plants the
same effects on the same days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from transforms.config import Config

SPIKE_MULTIPLIER = 6.0
CAMPAIGN_CONVERSION_MULTIPLIER = 4.0
BASE_ORDER_RATE = 0.03
TRACKED_SHARE = 0.35
RISING_SHARE = (0.12, 0.30)
SATURDAY = 5


@dataclass(frozen=True)
class PlantedEffects:
    """What the generator plants in a window of `days` days starting at `start`."""

    start: dt.date
    days: int
    brands: tuple[str, ...]  # all brand slugs, tracked first
    tracked_brand: str
    complaint_spike_brand: str
    complaint_spike_days: tuple[dt.date, ...]  # (Saturday, Sunday), empty if the window is short
    complaint_spike_multiplier: float
    campaign: str
    campaign_days: tuple[dt.date, dt.date] | None  # inclusive; None if the window is too short
    campaign_conversion_multiplier: float
    base_order_rate: float
    always_on_campaigns: tuple[str, ...]
    rising_brand: str
    rising_share: tuple[float, float]  # share of brand mentions in the first and last week
    tracked_share: float
    reply_rate: float  # share of the tracked brand's complaints and purchase intents answered

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)

    @property
    def campaigns(self) -> tuple[str, ...]:
        """Every campaign of the tracked brand (the promoted one first)."""
        return (self.campaign, *self.always_on_campaigns)

    def is_spike_day(self, day: dt.date) -> bool:
        return day in self.complaint_spike_days

    def in_campaign(self, day: dt.date) -> bool:
        return self.campaign_days is not None and (
            self.campaign_days[0] <= day <= self.campaign_days[1]
        )

    def rising_share_on(self, day: dt.date) -> float:
        """Planned share of the rising brand: linear from the first week's to the last week's."""
        first, last = self.rising_share
        k = (day - self.start).days
        # Linear through the centres of the first and last weeks, so the weekly means hit
        # `rising_share`; windows shorter than 8 days just go from first to last.
        progress = (k - 3) / (self.days - 7) if self.days >= 8 else k / max(1, self.days - 1)
        return min(0.6, max(0.02, first + (last - first) * progress))

    def brand_shares(self, day: dt.date) -> dict[str, float]:
        """Planned share of each brand among organic brand mentions on `day` (sums to 1)."""
        rising = self.rising_share_on(day)
        others = [b for b in self.brands if b not in (self.tracked_brand, self.rising_brand)]
        shares = {self.tracked_brand: self.tracked_share}
        if self.rising_brand != self.tracked_brand:
            shares[self.rising_brand] = rising
        rest = 1.0 - sum(shares.values())
        weights = [3.0 if i == 0 else 2.0 for i in range(len(others))]
        for brand, weight in zip(others, weights, strict=True):
            shares[brand] = rest * weight / sum(weights)
        total = sum(shares.values())
        return {b: shares[b] / total for b in self.brands}


def _rising_brand(config: Config) -> str:
    slugs = [b.slug for b in config.brands.competitors]
    if "orbit" in slugs:
        return "orbit"
    return slugs[min(1, len(slugs) - 1)]


def planted_effects(
    config: Config, start: dt.date | None = None, days: int | None = None
) -> PlantedEffects:
    """The effects planted in a window (defaults: the config's sample window)."""
    start = start or config.sample.start
    days = days or config.sample.days
    end = start + dt.timedelta(days=days - 1)
    tracked = config.brands.tracked.slug

    saturday = start + dt.timedelta(days=7)
    while saturday.weekday() != SATURDAY:
        saturday += dt.timedelta(days=1)
    sunday = saturday + dt.timedelta(days=1)
    spike_days = (saturday, sunday) if sunday <= end else ()

    campaign_start = start + dt.timedelta(days=9)
    campaign_days = None
    if campaign_start <= end:
        campaign_days = (campaign_start, min(end, start + dt.timedelta(days=18)))

    return PlantedEffects(
        start=start,
        days=days,
        brands=tuple(b.slug for b in config.brands.all),
        tracked_brand=tracked,
        complaint_spike_brand=tracked,
        complaint_spike_days=spike_days,
        complaint_spike_multiplier=SPIKE_MULTIPLIER,
        campaign=f"{tracked}_switch_save",
        campaign_days=campaign_days,
        campaign_conversion_multiplier=CAMPAIGN_CONVERSION_MULTIPLIER,
        base_order_rate=BASE_ORDER_RATE,
        always_on_campaigns=(f"{tracked}_always_on", f"{tracked}_family_plan"),
        rising_brand=_rising_brand(config),
        rising_share=RISING_SHARE,
        tracked_share=TRACKED_SHARE,
        reply_rate=0.60,
    )
