"""Everything a (day, source) file depends on, computed once per file: its row count, activity
curve, kind and label probabilities for that day, and its schedule.

The schedule reserves rows for brand announcements, organic posts with links and brand reply
slots. It is drawn up front so the funnel can enumerate the tracked brand's link posts of any day
without generating the day, and so reply slots can be matched to the posts they answer without
any state carried between chunks.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from transforms.config import PLATFORMS, Config, Source
from transforms.generate import kinds, rates
from transforms.generate.authors import BRAND_BASE, Authors, brand_followers
from transforms.generate.effects import PlantedEffects, planted_effects
from transforms.generate.hashing import Stream, cumulative, stable_hash
from transforms.generate.text import TextMachine, comparison_allowed
from transforms.generate.timeline import (
    SECONDS_PER_DAY,
    Timeline,
    bump_density,
    diurnal_density,
    spike_mix,
)

if TYPE_CHECKING:
    from transforms.generate.rows import Rows

TRACKED_CAMPAIGN_KINDS = ("switch_save", "always_on", "family_plan")
SOCIAL_LINK_PLATFORMS = ("x", "reddit", "facebook", "instagram", "youtube")
_SPIKE_SHAPES = ((16.0, 2.5), (14.0, 4.0))  # (centre hour, width) of the outage bursts
PLAN_CACHE_SCHEDULED_ROWS = 2_000_000  # bound on the schedules kept by cached plans


def _eligible_mentions(share: np.ndarray, intent: np.ndarray) -> np.ndarray:
    """Per brand: the share of organic posts that mention it with a complaint or purchase
    intent, counting comparisons (a post about brand a that also names brand b)."""
    complaint_or_purchase = intent[:, rates.COMPLAINT] + intent[:, rates.PURCHASE]
    own = share * complaint_or_purchase
    allowed = comparison_allowed()
    sentiment = rates.SENTIMENT_GIVEN_INTENT
    comparable = (
        intent[:, rates.COMPLAINT] * (sentiment[rates.COMPLAINT] * allowed[rates.COMPLAINT]).sum()
        + intent[:, rates.PURCHASE] * (sentiment[rates.PURCHASE] * allowed[rates.PURCHASE]).sum()
    )
    second = np.zeros_like(share)
    for a in range(len(share)):
        others = share.copy()
        others[a] = 0.0
        if others.sum() > 0:
            second += share[a] * rates.COMPARISON_RATE * comparable[a] * others / others.sum()
    return own + second


@lru_cache(maxsize=64)
def _targets_per_slot(coverage: float) -> float:
    """Eligible posts per reply slot so that answering one per slot covers `coverage` of them:
    with Poisson arrivals a slot answers one post iff its interval holds any, so
    coverage = (1 - exp(-x)) / x. Solved by bisection."""
    if coverage <= 0:
        return 1.0
    lo, hi = 1e-6, 50.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if (1 - np.exp(-mid)) / mid > coverage:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@dataclass(frozen=True)
class Schedule:
    """Rows of a day file reserved for link posts and brand replies (sorted by row)."""

    rows: np.ndarray  # int64
    kind: np.ndarray  # ANNOUNCE, ORGANIC (an organic post with a link) or REPLY (a reply slot)
    brand: np.ndarray  # the brand whose account posts; -1 for organic link posts
    campaign: np.ndarray  # campaign index of announcements; -1 otherwise


class Planner:
    """Config-wide constants and a cache of day plans."""

    def __init__(
        self,
        config: Config,
        start: dt.date,
        days: int,
        posts_per_day: int,
        seed: int,
        cache_rows: int = 100_000,
    ) -> None:
        self.config = config
        self.cache_rows = cache_rows  # files up to this size keep their classified rows
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
        self.campaign_brand = np.array(
            [0] * len(TRACKED_CAMPAIGN_KINDS) + list(range(1, len(self.brands)))
        )

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

        # Platform shares, in a fixed order (set order would vary between processes).
        platforms = [s.platform for s in config.sources]
        mix = {p: rates.PLATFORM_MIX.get(p, 0.1) for p in dict.fromkeys(platforms)}
        total = sum(mix.values())
        self.sources_by_platform = {p: [s for s in config.sources if s.platform == p] for p in mix}
        self.source_share = {
            s.name: mix[s.platform] / total / platforms.count(s.platform) for s in config.sources
        }
        pools = {
            PLATFORMS.index(p): round(posts_per_day * mix[p] / total * rates.AUTHOR_POOL_PER_POST)
            for p in mix
        }
        self.authors = Authors(seed, pools, self.account_handles)
        self.brand_followers = brand_followers(
            seed, PLATFORMS, self.account_handles, tracked_accounts
        )
        self._plans: OrderedDict[tuple[dt.date, str], DayPlan] = OrderedDict()
        self._scheduled_rows = 0

    # -- day-level parameters ------------------------------------------------------------------

    def spike_mass(self, day: dt.date) -> float:
        """Extra posts on a spike day, as a share of a normal day, so that the tracked brand's
        negative complaints are SPIKE_MULTIPLIER times their usual count."""
        if not self.effects.is_spike_day(day):
            return 0.0
        shares = self.effects.brand_shares(day)
        # Organic share of rows: all but noise and scheduled rows (~15%), close enough here.
        organic = 1.0 - np.mean([sum(r) for r in rates.NOISE_RATES.values()]) - 0.15
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
            plan = DayPlan(self, day, source)
            self._plans[key] = plan
            self._scheduled_rows += len(plan.schedule.rows)
            # Plans are rebuilt on demand; keep a few days always, more while they are small.
            while len(self._plans) > 3 * len(self.config.sources) and (
                self._scheduled_rows > PLAN_CACHE_SCHEDULED_ROWS
            ):
                _, old = self._plans.popitem(last=False)
                self._scheduled_rows -= len(old.schedule.rows)
        else:
            self._plans.move_to_end(key)
        return plan

    def release_before(self, day: dt.date) -> None:
        """Drop the row caches of files before `day` (they are no longer generated or looked
        back into); their plans stay cached for the funnel."""
        for (plan_day, _), plan in self._plans.items():
            if plan_day < day:
                plan.classified = None
                plan.light_blocks.clear()

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
        second = np.array(
            [
                [0.0 if j == i else shares[s] for j, s in enumerate(planner.slugs)]
                for i in range(n_brands)
            ]
        )
        self.second_cum = cumulative(second) if n_brands > 1 else cumulative(np.ones((1, 1)))
        intent = np.array(
            [
                rates.RISING_INTENT_MIX if b == planner.rising else rates.INTENT_MIX
                for b in range(n_brands)
            ]
        )
        self.intent_cum = cumulative(intent)
        promo = effects.in_campaign(day)
        mix = rates.CAMPAIGN_MIX_PROMO if promo else rates.CAMPAIGN_MIX_NORMAL
        self.campaign_cum = cumulative(np.array([mix.get(k, 0.0) for k in TRACKED_CAMPAIGN_KINDS]))

        social = self.platform in SOCIAL_LINK_PLATFORMS
        announce = np.array(
            [
                (rates.ANNOUNCE_RATE_TRACKED if b == 0 else rates.ANNOUNCE_RATE_COMPETITOR)
                * (planner.announcer[b] >= 0)
                * social
                for b in range(n_brands)
            ]
        )
        link_rate = rates.ORGANIC_LINK_RATE * social

        spam, unrelated, duplicate = rates.NOISE_RATES.get(self.platform, (0.05, 0.06, 0.08))

        # Reply slots per brand: enough that answering the latest eligible post between two
        # consecutive slots covers the target share of eligible posts (see `reply_anchors`).
        coverage = np.array(
            [
                rates.REPLY_COVERAGE_TRACKED if b == 0 else rates.REPLY_COVERAGE_COMPETITOR
                for b in range(n_brands)
            ]
        ) * (planner.replier >= 0)
        per_slot = np.array([_targets_per_slot(float(c)) for c in coverage])
        mentions = _eligible_mentions(np.array([shares[s] for s in planner.slugs]), intent)
        replies = np.zeros(n_brands)
        for _ in range(5):
            scheduled = min(0.5, announce.sum() + link_rate + replies.sum())
            unfilled = (replies * np.exp(-per_slot)).sum()  # empty slots become organic posts
            organic_rows = max(0.05, 1.0 - scheduled - spam - unrelated - duplicate) + unfilled
            # Slots follow the usual volume: during the spike the team cannot keep up.
            eligible = (1 - spike_share) * organic_rows * (1 - rates.NON_ENGLISH_RATE) * mentions
            replies = np.where(coverage > 0, eligible / per_slot, 0.0)
        self.schedule = self._draw_schedule(announce, link_rate, replies)
        if self.spike_by_minute is not None:
            # Scheduled rows are never spike posts; draw the others more often to compensate.
            share = len(self.schedule.rows) / max(1, self.n)
            self.spike_by_minute = np.minimum(1.0, self.spike_by_minute / max(0.5, 1.0 - share))

        # Kind probabilities of unscheduled rows, scaled so shares of all rows hold.
        noise = np.array([spam, unrelated, duplicate]) / max(0.5, 1.0 - scheduled)
        self.kind_cum = cumulative(np.append(noise, max(0.05, 1.0 - noise.sum())))
        self.kind_code = np.array(
            [kinds.SPAM, kinds.UNRELATED, kinds.DUPLICATE, kinds.ORGANIC], dtype=np.int8
        )
        self.classified: Rows | None = None  # the whole file, once classified (small files)
        self.light_blocks: OrderedDict[int, np.ndarray] = OrderedDict()  # see rows.light
        self._anchors: list[np.ndarray] | None = None
        self.reply_base_minutes = np.array(
            [
                rates.REPLY_DELAY_MEDIAN_MIN["tracked" if b == 0 else "competitor"]
                for b in range(n_brands)
            ]
        ) * (3.0 if mass > 0 else 1.0)  # overwhelmed during the complaint spike

    def _draw_schedule(
        self, announce: np.ndarray, link_rate: float, replies: np.ndarray
    ) -> Schedule:
        """Announcements and organic link posts at random rows; reply slots spread evenly."""
        n = self.n
        rng = np.random.default_rng(
            stable_hash(self.planner.seed, self.day.toordinal(), self.source.name, "schedule")
        )
        counts = [int(rng.poisson(n * rate)) for rate in announce]
        links = int(rng.poisson(n * link_rate)) if link_rate > 0 else 0
        total = min(n, sum(counts) + links)
        rows = rng.choice(n, size=total, replace=False).astype(np.int64)
        brand = np.repeat(np.arange(len(counts) + 1), counts + [links])[:total]
        brand = np.where(brand == len(counts), -1, brand)
        kind = np.where(brand >= 0, kinds.ANNOUNCE, kinds.ORGANIC)
        campaign = np.full(total, -1, dtype=np.int64)
        tracked = brand == 0
        pick = np.searchsorted(self.campaign_cum, rng.random(int(tracked.sum())), side="right")
        campaign[tracked] = np.minimum(pick, len(TRACKED_CAMPAIGN_KINDS) - 1)
        competitor = brand > 0
        campaign[competitor] = len(TRACKED_CAMPAIGN_KINDS) + brand[competitor] - 1

        # Reply slots: stratified positions, one stratum per slot.
        slot_rows, slot_brand = [], []
        for b, rate in enumerate(replies):
            k = int(round(n * rate))
            if k > 0:
                slot_rows.append(((np.arange(k) + rng.random(k)) / k * n).astype(np.int64))
                slot_brand.append(np.full(k, b))
        if slot_rows:
            r_rows, r_brand = np.concatenate(slot_rows), np.concatenate(slot_brand)
            rows = np.concatenate([rows, r_rows])
            brand = np.concatenate([brand, r_brand])
            kind = np.concatenate([kind, np.full(len(r_rows), kinds.REPLY)])
            campaign = np.concatenate([campaign, np.full(len(r_rows), -1)])
        # One entry per row: announcements and links win over reply slots.
        order = np.lexsort((kind == kinds.REPLY, rows))
        rows, brand, kind, campaign = rows[order], brand[order], kind[order], campaign[order]
        keep = np.concatenate([[True], rows[1:] != rows[:-1]]) if len(rows) else rows.astype(bool)
        return Schedule(
            rows[keep], kind[keep].astype(np.int8), brand[keep].astype(np.int64), campaign[keep]
        )

    def reply_slots(self, brand: int) -> np.ndarray:
        """Rows of `brand`'s reply slots, in order."""
        s = self.schedule
        return s.rows[(s.kind == kinds.REPLY) & (s.brand == brand)]

    def reply_anchors(self) -> list[np.ndarray]:
        """Per brand, per reply slot: the last row (negative: yesterday's, as row - prev.n) the
        slot may answer. Slot k answers the latest eligible post in (anchor[k-1], anchor[k]],
        so the intervals of consecutive slots never overlap and no post is answered twice.
        Anchors trail the slot by a response delay of minutes to hours (longer at night)."""
        if self._anchors is not None:
            return self._anchors
        prev = self.prev
        anchors = []
        for b in range(len(self.planner.brands)):
            rows = self.reply_slots(b)
            keys = self.stream.child("reply", b)
            # The slot's own time (as rows.classify computes it).
            seconds = self.timeline.seconds_at(
                (rows + self.stream.uniform("time", rows)) / max(self.n, 1)
            )
            night = 1.0 + 0.8 * np.cos(2 * np.pi * (seconds / SECONDS_PER_DAY - 0.35))
            # A smooth delay keeps anchors increasing; how busy the team is varies by day.
            busy = float(keys.lognormal("busy", np.zeros(1, np.int64), 1.0, 0.35)[0])
            delay = np.maximum(self.reply_base_minutes[b] * 60.0 * night * busy, 120.0)
            target = seconds - delay
            # One row less than the row at `target`: every row up to the anchor is older than it.
            today = np.floor(self.timeline.position_at(np.maximum(target, 0)) * self.n) - 1
            if prev is not None and prev.n > 0:
                earlier = prev.timeline.position_at(np.maximum(target + SECONDS_PER_DAY, 0))
                yesterday = np.floor(earlier * prev.n) - prev.n - 1
            else:
                yesterday = np.full(len(rows), -1.0)
            raw = np.where(target >= 0, today, yesterday).astype(np.int64)
            anchors.append(np.minimum(np.maximum.accumulate(raw), rows - 1) if len(raw) else raw)
        self._anchors = anchors
        return anchors

    def first_anchor_floor(self, brand: int) -> int:
        """Where this day's first reply interval starts: yesterday's last anchor (as a
        negative row), or far back when there is no yesterday."""
        prev = self.prev
        if prev is not None:
            last = prev.reply_anchors()[brand]
            if len(last):
                return int(last[-1]) - prev.n
        return -(1 << 40)

    @property
    def prev(self) -> DayPlan | None:
        """The same source's previous day, if it is inside the generated window."""
        day = self.day - dt.timedelta(days=1)
        return self.planner.plan(day, self.source) if self.planner.in_window(day) else None
