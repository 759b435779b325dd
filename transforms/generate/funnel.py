"""The tracked brand's web analytics, CRM, commerce and ad spend.

Visitors arrive by clicking the tracked brand's link posts (the scheduled announcements and
organic posts with links, see plan.py) or through search, email, paid search and direct visits.
Each first visit starts a journey: some visitors come back on later days (through another
campaign's post or another channel), sign up (lead), become an opportunity, or order. Sessions
from the promoted campaign convert about 4x as often as other social sessions.

Journeys started on day d are drawn from a generator seeded by (seed, d); their events are kept
until the day they happen is written, so memory holds only the next few weeks of events. The
only other state carried across days is one running sum per campaign (see `Funnel._convert`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import polars as pl

from transforms.generate.hashing import permute_bits, stable_hash
from transforms.generate.ids import BASE62, day_offset, encode, token
from transforms.generate.plan import SOCIAL_LINK_PLATFORMS, Planner
from transforms.generate.posts import RowSet, authors_of, followers_of, native_ids
from transforms.generate.timeline import Timeline
from transforms.schema import FUNNEL

DAY_MS = 86_400_000
HEX = "0123456789abcdef"
# Channels of a session.
SOCIAL, ORGANIC, DIRECT, EMAIL, CPC = range(5)
FIRST_CHANNEL_P = np.array([0.45, 0.30, 0.12, 0.13])  # organic, direct, email, cpc
RETURN_CHANNEL_P = np.array([0.40, 0.45, 0.15, 0.0])
NON_SOCIAL_PER_POST = 0.15  # non-social first visits per daily post
RETURN_SOCIAL_SHARE = 0.45
RETURN_P = 0.55  # geometric: P(no return visit); mean ~0.8 returns per journey
MAX_RETURN_DAYS = 21
ORDER_RATE = {SOCIAL: 0.03, ORGANIC: 0.02, DIRECT: 0.03, EMAIL: 0.025, CPC: 0.02}
LEAD_RATE = 0.05
OPPORTUNITY_RATE = 0.35
STAGES = ("open", "won", "lost")
STAGE_P = np.array([0.35, 0.35, 0.30])
CPM = {"x": 6.0, "reddit": 5.0, "facebook": 9.0, "instagram": 10.0, "youtube": 12.0}
PAGES = {
    ORGANIC: ("/", "/plans", "/5g-coverage", "/support/billing", "/phones"),
    DIRECT: ("/", "/account", "/plans"),
    EMAIL: ("/offers",),
    CPC: ("/plans", "/phones"),
}
SEARCH_ENGINES = ("google", "bing", "duckduckgo")


@dataclass(frozen=True)
class LinkPosts:
    """The tracked brand's posts carrying a tracked link on one day."""

    platform: np.ndarray  # index into Funnel.platforms
    post_id: np.ndarray  # str
    ms: np.ndarray
    campaign: np.ndarray  # index into planner.campaign_names
    rate: np.ndarray  # expected first-visit clicks

    def __len__(self) -> int:
        return len(self.ms)


class Funnel:
    """Generates the funnel tables day by day (days must be requested in order)."""

    def __init__(self, planner: Planner) -> None:
        self.planner = planner
        self.platforms = [p for p in SOCIAL_LINK_PLATFORMS if p in planner.sources_by_platform]
        self.timeline = Timeline(planner.base_density)
        tracked = planner.slugs[0]
        self.email_campaign = f"{tracked}_newsletter"
        self.search_campaign = f"{tracked}_brand_search"
        self.promoted = planner.campaign_names.index(planner.effects.campaign)
        self._links: dict[dt.date, LinkPosts] = {}
        self._phase: dict[int, float] = {}  # conversion running sums per campaign (see _convert)
        self._pending: dict[dt.date, dict[str, list[pl.DataFrame]]] = defaultdict(
            lambda: defaultdict(list)
        )

    # -- link posts -----------------------------------------------------------------------------

    def link_posts(self, day: dt.date) -> LinkPosts:
        cached = self._links.get(day)
        if cached is not None:
            return cached
        planner = self.planner
        parts = []
        for source in planner.config.sources:
            if source.platform not in self.platforms:
                continue
            plan = planner.plan(day, source)
            if len(plan.schedule.rows) == 0:
                continue
            links = RowSet.build([(plan, plan.schedule.rows)])
            tracked = links.r.link & (planner.campaign_brand[np.maximum(links.r.campaign, 0)] == 0)
            links = links.subset(np.flatnonzero(tracked))
            if len(links) == 0:
                continue
            r = links.r
            followers = followers_of(links, authors_of(links))
            # Expected clicks: announcements reach the brand's audience, organic posts their own.
            reach = np.where(
                r.own_brand >= 0,
                16.0 * links.keys.lognormal("clicks", 1.0, 0.5),
                2.5
                * (np.maximum(followers, 1) / 200.0) ** 0.35
                * links.keys.lognormal("clicks", 1.0, 0.7),
            )
            parts.append(
                LinkPosts(
                    platform=np.full(len(r.rows), self.platforms.index(plan.platform)),
                    post_id=native_ids(links).to_numpy(),
                    ms=links.ms(),
                    campaign=r.campaign,
                    rate=np.minimum(reach, 400.0),
                )
            )
        links = LinkPosts(
            *(
                np.concatenate([getattr(p, f) for p in parts]) if parts else np.zeros(0)
                for f in ("platform", "post_id", "ms", "campaign", "rate")
            )
        )
        if len(self._links) > MAX_RETURN_DAYS + 3:
            self._links.pop(min(self._links))
        self._links[day] = links
        return links

    # -- journeys -------------------------------------------------------------------------------

    def _click_delay(self, rng: np.random.Generator, size: int) -> np.ndarray:
        minutes = np.clip(20.0 * np.exp(1.2 * rng.standard_normal(size)), 0.5, 36 * 60)
        return (minutes * 60_000).astype(np.int64)

    def _in_day_ms(self, rng: np.random.Generator, day_ms: np.ndarray) -> np.ndarray:
        return day_ms + (self.timeline.seconds_at(rng.random(len(day_ms))) * 1000).astype(np.int64)

    def _start_journeys(self, day: dt.date) -> None:
        """Draw the journeys that start on `day` and file their events under the day they occur."""
        planner = self.planner
        rng = np.random.default_rng(stable_hash(planner.seed, day.toordinal(), "funnel"))
        day_ms = _day_ms(day)

        links = self.link_posts(day)
        clicks = rng.poisson(links.rate) if len(links) else np.zeros(0, np.int64)
        social = np.repeat(np.arange(len(links)), clicks)
        n_social = len(social)
        n_other = int(rng.poisson(NON_SOCIAL_PER_POST * planner.posts_per_day))
        journeys = n_social + n_other

        first = {
            "journey": np.arange(journeys),
            "ms": np.concatenate(
                [
                    links.ms[social].astype(np.int64) + self._click_delay(rng, n_social),
                    self._in_day_ms(rng, np.full(n_other, day_ms)),
                ]
            ),
            "channel": np.concatenate(
                [np.full(n_social, SOCIAL), 1 + rng.choice(4, n_other, p=FIRST_CHANNEL_P)]
            ),
            "link": np.concatenate([social, np.full(n_other, -1)]),
            "link_day": np.zeros(journeys, dtype=np.int64),
        }

        # Return visits on later days, through another post or another channel.
        returns = np.minimum(rng.geometric(RETURN_P, journeys) - 1, 6)
        journey = np.repeat(np.arange(journeys), returns)
        offset = np.minimum(rng.geometric(0.25, len(journey)), MAX_RETURN_DAYS)
        via_social = rng.random(len(journey)) < RETURN_SOCIAL_SHARE
        channel = 1 + rng.choice(4, len(journey), p=RETURN_CHANNEL_P)
        link = np.full(len(journey), -1)
        ms = np.zeros(len(journey), dtype=np.int64)
        for k in np.unique(offset):
            later = day + dt.timedelta(days=int(k))
            at = np.flatnonzero(offset == k)
            if not planner.in_window(later):
                ms[at] = -1  # after the window: dropped below
                continue
            later_links = self.link_posts(later) if via_social[at].any() else None
            social_at = at[via_social[at]]
            if later_links is not None and len(later_links) and len(social_at):
                weights = later_links.rate / later_links.rate.sum()
                pick = rng.choice(len(later_links), len(social_at), p=weights)
                link[social_at] = pick
                channel[social_at] = SOCIAL
                ms[social_at] = later_links.ms[pick] + self._click_delay(rng, len(social_at))
            rest = at[channel[at] != SOCIAL]
            ms[rest] = self._in_day_ms(rng, np.full(len(rest), _day_ms(later)))
        keep = ms >= 0
        sessions = {
            "journey": np.concatenate([first["journey"], journey[keep]]),
            "ms": np.concatenate([first["ms"], ms[keep]]),
            "channel": np.concatenate([first["channel"], channel[keep]]),
            "link": np.concatenate([first["link"], link[keep]]),
            "link_day": np.concatenate([first["link_day"], offset[keep]]),
        }
        order = np.lexsort((sessions["ms"], sessions["journey"]))
        s = {k: v[order] for k, v in sessions.items()}
        self._file_events(day, s, rng)

    def _file_events(
        self, day: dt.date, s: dict[str, np.ndarray], rng: np.random.Generator
    ) -> None:
        planner = self.planner
        n = len(s["ms"])
        journey = s["journey"]
        seq = np.arange(n) - np.searchsorted(journey, journey)  # visit number within the journey
        day_key = np.uint64(day_offset(day))

        # Per-session attributes from the link post clicked (if any).
        platform = np.full(n, -1)
        post_id = np.full(n, None, dtype=object)
        campaign = np.full(n, -1)
        for k in np.unique(s["link_day"][s["channel"] == SOCIAL]):
            at = np.flatnonzero((s["channel"] == SOCIAL) & (s["link_day"] == k))
            links = self.link_posts(day + dt.timedelta(days=int(k)))
            platform[at] = links.platform[s["link"][at]]
            post_id[at] = links.post_id[s["link"][at]]
            campaign[at] = links.campaign[s["link"][at]]

        # Conversions: the first session that converts orders; the first that signs up is a lead.
        rate = np.array([ORDER_RATE[c] for c in range(5)])[s["channel"]]
        promoted = campaign == self.promoted
        rate = np.where(
            promoted, ORDER_RATE[SOCIAL] * planner.effects.campaign_conversion_multiplier, rate
        )
        group = np.where(s["channel"] == SOCIAL, campaign, -1 - s["channel"])
        converts = self._convert(rng, group, rate)
        signs_up = rng.random(n) < LEAD_RATE
        in_window = s["ms"] < _day_ms(planner.end) + DAY_MS

        keys = (
            (day_key << np.uint64(44))
            | (journey.astype(np.uint64) << np.uint64(8))
            | seq.astype(np.uint64)
        )
        visitor_key = (day_key << np.uint64(36)) | journey.astype(np.uint64)
        visitor = "v_" + encode(permute_bits(visitor_key, 52, 21), HEX, 13)
        session_id = "s_" + encode(permute_bits(keys, 60, 22), HEX, 15)
        click_id = token(keys ^ np.uint64(0xC11C), 24, BASE62)
        channel = s["channel"]
        has_click = (channel == SOCIAL) | (channel == CPC)
        page = np.array([""] * n, dtype=object)
        page[channel == SOCIAL] = np.array(planner.campaign_paths, dtype=object)[
            campaign[channel == SOCIAL]
        ]
        for c, pages in PAGES.items():
            at = np.flatnonzero(channel == c)
            page[at] = np.array(pages, dtype=object)[rng.integers(0, len(pages), len(at))]
        source = np.full(n, None, dtype=object)
        source[channel == SOCIAL] = np.array(self.platforms, dtype=object)[
            platform[channel == SOCIAL]
        ]
        source[channel == ORGANIC] = np.array(SEARCH_ENGINES, dtype=object)[
            rng.integers(0, len(SEARCH_ENGINES), int((channel == ORGANIC).sum()))
        ]
        source[channel == EMAIL] = "newsletter"
        source[channel == CPC] = "google"
        medium = np.array(["social", "organic", "direct", "email", "cpc"], dtype=object)[channel]
        campaign_name = np.full(n, None, dtype=object)
        campaign_name[channel == SOCIAL] = np.array(planner.campaign_names, dtype=object)[
            campaign[channel == SOCIAL]
        ]
        campaign_name[channel == EMAIL] = self.email_campaign
        campaign_name[channel == CPC] = self.search_campaign

        sessions = pl.DataFrame(
            {
                "session_id": session_id,
                "visitor_id": visitor,
                "ms": s["ms"],
                "landing_page": _strings(page),
                "utm_source": _strings(source),
                "utm_medium": _strings(medium),
                "utm_campaign": _strings(campaign_name),
                "utm_content": _strings(post_id),
                "click_id": pl.select(
                    pl.when(pl.lit(pl.Series(has_click))).then(pl.lit(click_id)).otherwise(None)
                ).to_series(),
            }
        )
        self._file("web_sessions", sessions.filter(pl.Series(in_window)))

        # Orders: first converting session per journey (within the window).
        eligible = np.flatnonzero(converts & in_window)
        _, first = np.unique(journey[eligible], return_index=True)
        at = eligible[first]
        delay = np.clip(15.0 * np.exp(rng.standard_normal(len(at))), 1, 8 * 60) * 60_000
        revenue = np.clip(110.0 * np.exp(0.75 * rng.standard_normal(len(at))), 20, 900)
        self._file(
            "orders",
            pl.DataFrame(
                {
                    "order_id": "ORD-"
                    + encode(permute_bits(visitor_key[at], 42, 23), "0123456789", 13),
                    "visitor_id": visitor.gather(at),
                    "ms": s["ms"][at] + delay.astype(np.int64),
                    "revenue": np.round(revenue, 2),
                    "currency": pl.Series(["USD"] * len(at), dtype=pl.String),
                }
            ),
        )

        # Leads and the opportunities some of them become.
        eligible = np.flatnonzero(signs_up & in_window)
        _, first = np.unique(journey[eligible], return_index=True)
        at = eligible[first]
        lead_ms = s["ms"][at] + (rng.uniform(1, 25, len(at)) * 60_000).astype(np.int64)
        lead_id = "L-" + encode(permute_bits(visitor_key[at], 48, 24), HEX, 12)
        self._file(
            "leads",
            pl.DataFrame({"lead_id": lead_id, "visitor_id": visitor.gather(at), "ms": lead_ms}),
        )
        opportunity = rng.random(len(at)) < OPPORTUNITY_RATE
        opp_ms = lead_ms[opportunity] + (
            rng.uniform(0.5, 8.0, int(opportunity.sum())) * DAY_MS
        ).astype(np.int64)
        stage = rng.choice(len(STAGES), int(opportunity.sum()), p=STAGE_P)
        amount = np.round(1200.0 * np.exp(0.8 * rng.standard_normal(int(opportunity.sum()))), 2)
        self._file(
            "opportunities",
            pl.DataFrame(
                {
                    "opportunity_id": "OPP-"
                    + encode(permute_bits(visitor_key[at][opportunity], 48, 25), HEX, 12),
                    "lead_id": lead_id.filter(pl.Series(opportunity)),
                    "ms": opp_ms,
                    "stage": pl.Series(np.array(STAGES)[stage], dtype=pl.String),
                    "amount": amount,
                }
            ),
        )

    def _convert(self, rng: np.random.Generator, group: np.ndarray, rate: np.ndarray) -> np.ndarray:
        """Which sessions convert: in random order within each campaign (or channel), a session
        converts each time the running sum of conversion rates passes an integer. Counts then
        follow the rates closely even for small campaigns, instead of binomial noise that could
        hide the planted uplift; the running sums carry over from day to day."""
        converts = np.zeros(len(group), dtype=bool)
        for g in np.unique(group):
            at = np.flatnonzero(group == g)
            at = at[rng.permutation(len(at))]
            phase = self._phase.get(int(g))
            if phase is None:
                phase = stable_hash(self.planner.seed, "conversion", int(g)) / 2**64
            running = phase + np.cumsum(rate[at])
            before = np.concatenate([[phase], running[:-1]])
            converts[at] = np.floor(running) > np.floor(before)
            self._phase[int(g)] = float(running[-1] - np.floor(running[-1]))
        return converts

    def _file(self, table: str, frame: pl.DataFrame) -> None:
        """File events under the day they happen (dropping those after the window)."""
        if frame.height == 0:
            return
        day_index = (frame["ms"] // DAY_MS).to_numpy()
        for value in np.unique(day_index):
            day = dt.date(1970, 1, 1) + dt.timedelta(days=int(value))
            if self.planner.in_window(day):
                self._pending[day][table].append(frame.filter(pl.Series(day_index == value)))

    # -- output ---------------------------------------------------------------------------------

    def day_tables(self, day: dt.date) -> dict[str, pl.DataFrame]:
        """The five funnel tables for `day` (call once per day, in order)."""
        self._start_journeys(day)
        pending = self._pending.pop(day, {})
        out: dict[str, pl.DataFrame] = {}
        stamp = "%Y-%m-%dT%H:%M:%SZ"
        for table, columns in FUNNEL.items():
            if table == "campaign_spend":
                continue
            time_column = next(c for c, t in columns.items() if isinstance(t, pl.Datetime))
            id_column = next(iter(columns))
            frames = pending.get(table, [])
            if frames:
                frame = pl.concat(frames).sort(["ms", id_column])
                frame = frame.with_columns(
                    pl.from_epoch("ms", time_unit="ms").dt.to_string(stamp).alias(time_column)
                )
            else:
                frame = pl.DataFrame(schema={c: pl.String for c in columns})
            out[table] = frame.select(list(columns))
        out["campaign_spend"] = self._spend(day, out["web_sessions"])
        return out

    def _spend(self, day: dt.date, sessions: pl.DataFrame) -> pl.DataFrame:
        planner = self.planner
        rng = np.random.default_rng(stable_hash(planner.seed, day.toordinal(), "spend"))
        counts = {
            (row[0], row[1]): row[2]
            for row in sessions.filter(pl.col("utm_medium") == "social")
            .group_by(["utm_source", "utm_campaign"])
            .len()
            .iter_rows()
        }
        active = [planner.campaign_names[k] for k in range(len(planner.effects.campaigns))]
        if not planner.effects.in_campaign(day):
            active = [c for c in active if c != planner.effects.campaign]
        records = []
        for platform in self.platforms:
            for campaign in active:
                visits = counts.get((platform, campaign), 0)
                clicks = int(round(visits * rng.uniform(1.05, 1.3))) + int(rng.integers(0, 3))
                impressions = int(clicks / rng.uniform(0.008, 0.02)) + int(rng.integers(200, 2000))
                spend = round(
                    impressions / 1000 * CPM.get(platform, 7.0) * rng.uniform(0.85, 1.15), 2
                )
                records.append((day.isoformat(), platform, campaign, spend, impressions, clicks))
        return pl.DataFrame(
            records,
            schema={
                "day": pl.String,
                "platform": pl.String,
                "campaign": pl.String,
                "spend": pl.Float64,
                "impressions": pl.Int64,
                "clicks": pl.Int64,
            },
            orient="row",
        )


def _strings(values: np.ndarray) -> pl.Series:
    """A String Series from an object array (which may hold only None)."""
    return pl.Series(values.tolist(), dtype=pl.String)


def _day_ms(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days * DAY_MS
