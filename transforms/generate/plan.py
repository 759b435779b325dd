"""Everything a (day, source) file depends on, computed once per file: its row count, activity
curve, kind and label probabilities for that day, and the schedule of link posts.

The schedule (brand announcements and organic posts with links) is drawn up front so the funnel
can enumerate the tracked brand's link posts of any day without generating the whole day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from transforms.config import Config, Source
from transforms.generate import kinds, rates
from transforms.generate.authors import BRAND_BASE, Authors, brand_followers
from transforms.generate.effects import PlantedEffects, planted_effects
from transforms.generate.hashing import Stream, cumulative, stable_hash
from transforms.generate.text import TextMachine, comparison_allowed
from transforms.generate.timeline import Timeline, bump_density, diurnal_density, spike_mix

TRACKED_CAMPAIGN_KINDS = ("switch_save", "always_on", "family_plan")
SOCIAL_LINK_PLATFORMS = ("x", "reddit", "facebook", "instagram", "youtube")
_SPIKE_SHAPES = ((16.0, 2.5), (14.0, 4.0))  # (centre hour, width) of the outage bursts


@dataclass(frozen=True)
class Schedule:
    """Rows of a day file reserved for link posts (sorted by row)."""

    rows: np.ndarray  # int64
    kind: np.ndarray  # kinds.ANNOUNCE or kinds.ORGANIC (an organic post with a link)
    brand: np.ndarray  # announcing brand; -1 for organic link posts
    campaign: np.ndarray  # campaign index of announcements; -1 for organic link posts


class Planner:
    """Config-wide constants and a cache of day plans."""

    def __init__(
        self, config: Config, start: dt.date, days: int, posts_per_day: int, seed: int
    ) -> None:
        self.config = config
        self.start = start
        self.days = days
        self.end = start + dt.timedelta(days=days - 1)
        self.posts_per_day = posts_per_day
        self.seed = seed
        self.effects: PlantedEffects = planted_effects(config, start, days)
        self.brands = config.brands.all
        self.slugs = [b.slug for b in self.brands]
        self.rising = self.slugs.index(self.effects.rising_brand)

        # Campaigns: the tracked brand's kinds, then one always-on campaign per competitor.
        tracked = self.slugs[0]
        self.campaign_names = [f"{tracked}_{kind}" for kind in TRACKED_CAMPAIGN_KINDS] + [
            f"{slug}_always_on" for slug in self.slugs[1:]
        ]
        self.campaign_paths = [rates.CAMPAIGN_PATHS[k] for k in TRACKED_CAMPAIGN_KINDS] + [
            rates.CAMPAIGN_PATHS["competitor"]
        ] * (len(self.brands) - 1)
        self.campaign_brand = np.array([0] * len(TRACKED_CAMPAIGN_KINDS) + list(range(1, len(self.brands))))

        # Brand accounts: author BRAND_BASE + k; the first handle announces, the last replies.
        self.account_handles: list[str] = []
        self.announcer = np.full(len(self.brands), -1, dtype=np.int64)
        self.replier = np.full(len(self.brands), -1, dtype=np.int64)
        for b, brand in enumerate(self.brands):
            if brand.handles:
                first = len(self.account_handles)
                self.account_handles += list(brand.handles)
                self.announcer[b] = BRAND_BASE + first
                self.replier[b] = BRAND_BASE + len(self.account_handles) - 1
        tracked_accounts = len(self.brands[0].handles)

        self.text = TextMachine(self.brands, TRACKED_CAMPAIGN_KINDS)
        self.comparison_allowed = comparison_allowed()
        self.base_density = diurnal_density()

        platforms = [s.platform for s in config.sources]
        mix = {p: rates.PLATFORM_MIX.get(p, 0.1) for p in set(platforms)}
        total = sum(mix.values())
        self.sources_by_platform = {p: [s for s in config.sources if s.platform == p] for p in mix}
        self.source_share = {
            s.name: mix[s.platform] / total / platforms.count(s.platform) for s in config.sources
        }
        self.authors = {
            p: Authors(seed, p, int(posts_per_day * mix[p] / total * rates.AUTHOR_POOL_PER_POST))
            for p in mix
        }
        self.brand_followers = {
            p: brand_followers(seed, p, self.account_handles, tracked_accounts) for p in mix
        }
        self._plans: dict[tuple[dt.date, str], DayPlan] = {}

    # -- day-level parameters ------------------------------------------------------------------

    def spike_mass(self, day: dt.date) -> float:
        """Extra posts on a spike day, as a share of a normal day, so that the tracked brand's
        negative complaints are SPIKE_MULTIPLIER times their usual count."""
        if not self.effects.is_spike_day(day):
            return 0.0
        shares = self.effects.brand_shares(day)
        organic = 1.0 - np.mean([sum(r) for r in rates.NOISE_RATES.values()]) - 0.08
        complaint = rates.INTENT_MIX[rates.COMPLAINT] * rates.SENTIMENT_GIVEN_INTENT[0, 0]
        usual = organic * shares[self.slugs[0]] * complaint * (1 - rates.NON_ENGLISH_RATE)
        return (self.effects.complaint_spike_multiplier - 1.0) * usual

    def rows_per_day(self, day: dt.date, source: Source) -> int:
        base = self.posts_per_day * self.source_share[source.name]
        return int(round(base * (1.0 + self.spike_mass(day))))

    def row_offset(self, day: dt.date, source: Source) -> int:
        """Rows of earlier sources of the same platform (their ids share a number space)."""
        offset = 0
        for other in self.sources_by_platform[source.platform]:
            if other.name == source.name:
                return offset
            offset += self.rows_per_day(day, other)
        return offset

    def plan(self, day: dt.date, source: Source) -> DayPlan:
        key = (day, source.name)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) > 8 * len(self.config.sources):
                self._plans.clear()  # plans are cheap to rebuild; keep memory bounded
            plan = DayPlan(self, day, source)
            self._plans[key] = plan
        return plan

    def in_window(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


class DayPlan:
    """One landing file: (day, source) with n rows."""

    def __init__(self, planner: Planner, day: dt.date, source: Source) -> None:
        self.planner = planner
        self.day = day
        self.source = source
        self.platform = source.platform
        self.n = planner.rows_per_day(day, source)
        self.row_offset = planner.row_offset(day, source)
        self.stream = Stream(planner.seed, day.toordinal(), source.name)
        self.day_ms = int(
            dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() * 1000
        )
        effects = planner.effects
        brands = planner.brands
        n_brands = len(brands)

        mass = planner.spike_mass(day)
        self.spike_by_minute: np.ndarray | None = None
        density = planner.base_density
        if mass > 0:
            shape = _SPIKE_SHAPES[effects.complaint_spike_days.index(day) % len(_SPIKE_SHAPES)]
            density, self.spike_by_minute = spike_mix(density, bump_density(*shape), mass)
        self.timeline = Timeline(density)
        spike_share = mass / (1.0 + mass)

        shares = effects.brand_shares(day)
        self.brand_cum = cumulative(np.array([shares[s] for s in planner.slugs]))
        # Second brand of comparisons: the share distribution without the first brand.
        second = np.array([[0.0 if j == i else shares[s] for j, s in enumerate(planner.slugs)]
                           for i in range(n_brands)])
        self.second_cum = cumulative(second) if n_brands > 1 else cumulative(np.ones((1, 1)))
        intent = np.array(
            [rates.RISING_INTENT_MIX if b == planner.rising else rates.INTENT_MIX
             for b in range(n_brands)]
        )
        self.intent_cum = cumulative(intent)
        promo = effects.in_campaign(day)
        mix = rates.CAMPAIGN_MIX_PROMO if promo else rates.CAMPAIGN_MIX_NORMAL
        self.campaign_cum = cumulative(np.array([mix.get(k, 0.0) for k in TRACKED_CAMPAIGN_KINDS]))

        social = self.platform in SOCIAL_LINK_PLATFORMS
        announce = np.array(
            [(rates.ANNOUNCE_RATE_TRACKED if b == 0 else rates.ANNOUNCE_RATE_COMPETITOR)
             * (planner.announcer[b] >= 0) * social for b in range(n_brands)]
        )
        link_rate = rates.ORGANIC_LINK_RATE * social
        self.schedule = self._draw_schedule(announce, link_rate)

        # Kind probabilities of the remaining rows; reply rates solve for the target coverage.
        spam, unrelated, duplicate = rates.NOISE_RATES.get(self.platform, (0.05, 0.06, 0.08))
        eligible_intents = intent[:, rates.COMPLAINT] + intent[:, rates.PURCHASE]
        share = np.array([shares[s] for s in planner.slugs])
        coverage = np.array(
            [rates.REPLY_COVERAGE_TRACKED if b == 0 else rates.REPLY_COVERAGE_COMPETITOR
             for b in range(n_brands)]
        ) * (planner.replier >= 0)
        scheduled = min(0.5, announce.sum() + link_rate)
        remaining = (1.0 - spike_share) * (1.0 - scheduled)
        reply = np.zeros(n_brands)
        for _ in range(5):
            organic = max(0.05, 1.0 - spam - unrelated - duplicate - reply.sum())
            eligible = remaining * organic * share * eligible_intents * (1 - rates.NON_ENGLISH_RATE)
            eligible[0] += spike_share
            reply = -np.log1p(-coverage) * eligible / remaining
        organic = max(0.05, 1.0 - spam - unrelated - duplicate - reply.sum())
        probabilities = np.concatenate([[spam, unrelated, duplicate], reply, [organic]])
        self.kind_cum = cumulative(probabilities)
        self.kind_code = np.array(
            [kinds.SPAM, kinds.UNRELATED, kinds.DUPLICATE] + [kinds.REPLY] * n_brands
            + [kinds.ORGANIC], dtype=np.int8
        )
        self.kind_brand = np.array([-1, -1, -1, *range(n_brands), -1], dtype=np.int8)
        self.authors = planner.authors[self.platform]

    def _draw_schedule(self, announce: np.ndarray, link_rate: float) -> Schedule:
        rng = np.random.default_rng(
            stable_hash(self.planner.seed, self.day.toordinal(), self.source.name, "schedule")
        )
        counts = [int(rng.poisson(self.n * rate)) for rate in announce]
        links = int(rng.poisson(self.n * link_rate)) if link_rate > 0 else 0
        total = min(self.n, sum(counts) + links)
        rows = np.sort(rng.choice(self.n, size=total, replace=False)).astype(np.int64)
        brand = np.repeat(np.arange(len(counts) + 1) - 0, counts + [links])[:total]
        brand = np.where(brand == len(counts), -1, brand)
        brand = brand[rng.permutation(total)]
        campaign = np.full(total, -1, dtype=np.int64)
        tracked = brand == 0
        pick = np.searchsorted(self.campaign_cum, rng.random(int(tracked.sum())), side="right")
        campaign[tracked] = np.minimum(pick, len(TRACKED_CAMPAIGN_KINDS) - 1)
        competitor = brand > 0
        campaign[competitor] = len(TRACKED_CAMPAIGN_KINDS) + brand[competitor] - 1
        kind = np.where(brand >= 0, kinds.ANNOUNCE, kinds.ORGANIC).astype(np.int8)
        return Schedule(rows, kind, brand.astype(np.int64), campaign)

    @property
    def prev(self) -> DayPlan | None:
        """The same source's previous day, if it is inside the generated window."""
        day = self.day - dt.timedelta(days=1)
        return self.planner.plan(day, self.source) if self.planner.in_window(day) else None

    @property
    def day_index(self) -> int:
        return (self.day - self.planner.start).days

