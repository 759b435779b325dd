"""What each row of a day file is: its kind, time and labels, as a pure function of the row.

`classify` is cheap (a few hashes per row, no strings), so it is also used to look at candidate
rows when a retweet needs its original or a brand reply needs the complaint it answers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from transforms.generate import kinds, rates
from transforms.generate.hashing import cumulative, pick, pick_rows
from transforms.generate.plan import TRACKED_CAMPAIGN_KINDS, DayPlan
from transforms.generate.timeline import SECONDS_PER_DAY

_LANG_CUM = cumulative(rates.NON_ENGLISH_LANGS[1:])
_SENT_CUM = cumulative(rates.SENTIMENT_GIVEN_INTENT)
_TOPIC_CUM = cumulative(rates.TOPIC_GIVEN_INTENT)
_LINK_INTENT_CUM = cumulative(rates.LINK_INTENT_MIX)
_SPIKE_TOPICS = np.array([rates.T["outage"], rates.T["billing"], rates.T["support"]])
_SPIKE_TOPIC_CUM = cumulative(np.array([0.6, 0.2, 0.2]))


@dataclass
class Rows:
    """Per-row attributes of some rows of one or more day files (parallel arrays)."""

    rows: np.ndarray  # row numbers in the day file
    seconds: np.ndarray  # seconds since midnight UTC (float)
    kind: np.ndarray
    own_brand: np.ndarray  # brand of the account for own posts, else -1
    campaign: np.ndarray  # campaign index of link posts, else -1
    link: np.ndarray  # carries a tracked link
    spike: np.ndarray
    brand1: np.ndarray
    brand2: np.ndarray  # second brand of comparisons, else -1
    intent: np.ndarray
    sentiment: np.ndarray
    topic: np.ndarray
    lang: np.ndarray  # index in rates.LANGS

    def take(self, index: np.ndarray) -> Rows:
        return Rows(**{f.name: getattr(self, f.name)[index] for f in fields(self)})


def concat_rows(parts: list[Rows]) -> Rows:
    if not parts:
        dtypes = {"seconds": np.float64, "link": np.bool_, "spike": np.bool_}
        return Rows(
            **{f.name: np.zeros(0, dtype=dtypes.get(f.name, np.int64)) for f in fields(Rows)}
        )
    return Rows(
        **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Rows)}
    )


def classify(plan: DayPlan, rows: np.ndarray, labels: bool = True) -> Rows:
    """Kind, time and labels of `rows`; `labels=False` skips sentiment, topic and comparisons
    (enough to tell whether a row can be copied or answered)."""
    rows = np.asarray(rows, dtype=np.int64)
    if (
        plan.classified is None
        and 0 < plan.n <= plan.planner.cache_rows
        and 4 * len(rows) >= plan.n
    ):
        # Small files being generated: classify the whole file once, so the many lookups of
        # earlier rows (originals, reply targets) cost nothing.
        plan.classified = _classify(plan, np.arange(plan.n, dtype=np.int64), True)
    if plan.classified is not None:
        return plan.classified.take(rows)
    return _classify(plan, rows, labels)


def _classify(plan: DayPlan, rows: np.ndarray, labels: bool) -> Rows:
    st = plan.stream
    rows = np.asarray(rows, dtype=np.int64)
    n = max(plan.n, 1)
    seconds = plan.timeline.seconds_at((rows + st.uniform("time", rows)) / n)

    kind = plan.kind_code[pick(plan.kind_cum, st.uniform("kind", rows))]
    own_brand = np.full(len(rows), -1, dtype=np.int64)
    spike = np.zeros(len(rows), dtype=bool)
    if plan.spike_by_minute is not None:
        minute = np.minimum((seconds // 60).astype(np.int64), len(plan.spike_by_minute) - 1)
        spike = st.uniform("spike", rows) < plan.spike_by_minute[minute]
        kind[spike] = kinds.ORGANIC
        own_brand[spike] = -1

    brand1 = pick(plan.brand_cum, st.uniform("brand", rows))
    brand2 = pick_rows(plan.second_cum, brand1, st.uniform("brand2", rows))
    intent = pick_rows(plan.intent_cum, brand1, st.uniform("intent", rows))
    non_english = st.uniform("foreign", rows) < rates.NON_ENGLISH_RATE
    lang = np.where(non_english, 1 + pick(_LANG_CUM, st.uniform("lang", rows)), 0)

    campaign = np.full(len(rows), -1, dtype=np.int64)
    link = np.zeros(len(rows), dtype=bool)
    schedule = plan.schedule
    if len(schedule.rows):
        at = np.minimum(np.searchsorted(schedule.rows, rows), len(schedule.rows) - 1)
        hit = schedule.rows[at] == rows
        slot = at[hit]
        kind[hit] = schedule.kind[slot]
        own_brand[hit] = schedule.brand[slot]
        campaign[hit] = schedule.campaign[slot]
        spike[hit] = False
        link[hit] = kind[hit] != kinds.REPLY
        organic_link = hit & (kind == kinds.ORGANIC)
        # Organic link posts share offers: no complaints, English, campaign of their brand.
        intent[organic_link] = pick(_LINK_INTENT_CUM, st.uniform("link_intent", rows[organic_link]))
        lang[organic_link] = 0
        tracked_campaign = pick(plan.campaign_cum, st.uniform("campaign", rows))
        competitor_campaign = len(TRACKED_CAMPAIGN_KINDS) + brand1 - 1
        campaign = np.where(
            organic_link, np.where(brand1 == 0, tracked_campaign, competitor_campaign), campaign
        )

    if spike.any():
        brand1[spike] = 0
        intent[spike] = rates.COMPLAINT
        lang[spike] = 0

    if not labels:
        unknown = np.full(len(rows), -1, dtype=np.int64)
        return Rows(
            rows=rows,
            seconds=seconds,
            kind=kind,
            own_brand=own_brand,
            campaign=campaign,
            link=link,
            spike=spike,
            brand1=brand1,
            brand2=unknown,
            intent=intent,
            sentiment=unknown,
            topic=unknown,
            lang=lang,
        )

    sentiment = pick_rows(_SENT_CUM, intent, st.uniform("sentiment", rows))
    topic = pick_rows(_TOPIC_CUM, intent, st.uniform("topic", rows))
    if spike.any():
        sentiment[spike] = rates.NEGATIVE
        topic[spike] = _SPIKE_TOPICS[pick(_SPIKE_TOPIC_CUM, st.uniform("spike_topic", rows[spike]))]
    foreign = lang > 0
    sentiment[foreign] = rates.NON_ENGLISH_SENTIMENT[intent[foreign]]

    comparison = (
        (st.uniform("comparison", rows) < rates.COMPARISON_RATE)
        & plan.planner.comparison_allowed[intent, sentiment]
        & ~foreign
        & ~spike
        & ~link
        & (len(plan.planner.brands) > 1)
    )
    brand2 = np.where(comparison, brand2, -1)
    return Rows(
        rows=rows,
        seconds=seconds,
        kind=kind,
        own_brand=own_brand,
        campaign=campaign,
        link=link,
        spike=spike,
        brand1=brand1,
        brand2=brand2,
        intent=intent,
        sentiment=sentiment,
        topic=topic,
        lang=lang,
    )


LIGHT_BLOCK = 65_536
LIGHT_BLOCKS_KEPT = 16


def light(plan: DayPlan, rows: np.ndarray) -> np.ndarray:
    """(kind, brand1, brand2, intent, lang) of `rows` as an int8 array of shape (5, len(rows)).

    Look-backs touch the same recent rows again and again, so blocks of rows are classified
    once and kept (a bounded number per file).
    """
    rows = np.asarray(rows, dtype=np.int64)
    out = np.empty((5, len(rows)), dtype=np.int8)
    blocks = rows // LIGHT_BLOCK
    for block in np.unique(blocks):
        cached = plan.light_blocks.get(block)
        if cached is None:
            lo = int(block) * LIGHT_BLOCK
            r = classify(plan, np.arange(lo, min(plan.n, lo + LIGHT_BLOCK)))
            cached = np.stack([r.kind, r.brand1, r.brand2, r.intent, r.lang]).astype(np.int8)
            plan.light_blocks[block] = cached
            if len(plan.light_blocks) > LIGHT_BLOCKS_KEPT:
                plan.light_blocks.popitem(last=False)
        else:
            plan.light_blocks.move_to_end(block)
        at = blocks == block
        out[:, at] = cached[:, rows[at] - int(block) * LIGHT_BLOCK]
    return out


def is_original(plan: DayPlan, rows: np.ndarray, _owner: np.ndarray) -> np.ndarray:
    """Rows a duplicate may copy: organic posts."""
    return light(plan, rows)[0] == kinds.ORGANIC


def is_reply_target(plan: DayPlan, rows: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Rows a brand answers: English complaints and purchase questions that mention it."""
    kind, brand1, brand2, intent, lang = light(plan, rows)
    return (
        (kind == kinds.ORGANIC)
        & (lang == 0)
        & ((brand1 == owner) | (brand2 == owner))
        & ((intent == rates.COMPLAINT) | (intent == rates.PURCHASE))
    )


def _scan(
    plan: DayPlan,
    start: np.ndarray,
    floor: np.ndarray,
    owner: np.ndarray,
    accept,
    lookback: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row, the first accepted row among start, start - 1, ... (at most `lookback`,
    all > floor). Rows are virtual: negative numbers are yesterday's rows (row - prev.n).

    Returns (found, from_previous_day, source_row).
    """
    m = len(start)
    prev = plan.prev
    prev_n = prev.n if prev is not None else 0
    candidates = start[:, None] - np.arange(lookback)[None, :]
    valid = (candidates > floor[:, None]) & (candidates >= -prev_n)
    ok = np.zeros(candidates.shape, dtype=bool)
    pending = np.arange(m)
    # Scan the nearest few candidates first; only rows with no match look further back.
    for lo, hi in ((0, min(8, lookback)), (min(8, lookback), lookback)):
        if hi <= lo or len(pending) == 0:
            continue
        block = candidates[pending, lo:hi]
        usable = valid[pending, lo:hi]
        owners = np.broadcast_to(owner[pending, None], block.shape)
        accepted = np.zeros(block.shape, dtype=bool)
        today = usable & (block >= 0)
        if today.any():
            accepted[today] = accept(plan, block[today], owners[today])
        yesterday = usable & (block < 0)
        if yesterday.any() and prev is not None:
            accepted[yesterday] = accept(prev, block[yesterday] + prev_n, owners[yesterday])
        ok[pending, lo:hi] = accepted
        pending = pending[~accepted.any(axis=1)]
    first = ok.argmax(axis=1)
    found = ok[np.arange(m), first]
    chosen = candidates[np.arange(m), first]
    from_prev = chosen < 0
    return found, from_prev, np.where(from_prev, chosen + prev_n, chosen)


def copied_rows(
    plan: DayPlan, rows: np.ndarray, seconds: np.ndarray, delay_seconds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What duplicates copy: the nearest organic post at or before (their time - a delay),
    today or yesterday. Returns (found, from_previous_day, source_row)."""
    m = len(rows)
    if m == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty.astype(bool), empty.astype(bool), empty
    prev = plan.prev
    target = seconds - delay_seconds
    j_same = np.floor(plan.timeline.position_at(np.maximum(target, 0)) * plan.n).astype(np.int64)
    j_same = np.minimum(j_same, rows - 1)
    if prev is not None and prev.n > 0:
        position = prev.timeline.position_at(np.maximum(target + SECONDS_PER_DAY, 0))
        j_prev = np.floor(position * prev.n).astype(np.int64) - prev.n
    else:
        j_prev = np.full(m, -1, dtype=np.int64)
    start = np.where(target >= 0, j_same, j_prev)
    floor = np.full(m, -(1 << 40), dtype=np.int64)
    return _scan(plan, start, floor, np.zeros(m, np.int64), is_original, rates.DUPLICATE_LOOKBACK)


def answered_rows(
    plan: DayPlan, rows: np.ndarray, brand: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What reply slots answer: the latest eligible post of their brand in
    (previous slot's anchor, own anchor]. Returns (found, from_previous_day, source_row)."""
    m = len(rows)
    if m == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty.astype(bool), empty.astype(bool), empty
    anchors = plan.reply_anchors()
    start = np.empty(m, dtype=np.int64)
    floor = np.empty(m, dtype=np.int64)
    for b in np.unique(brand):
        at = np.flatnonzero(brand == b)
        k = np.searchsorted(plan.reply_slots(int(b)), rows[at])
        a = anchors[int(b)]
        start[at] = a[k]
        # Yesterday's intervals end at its last anchor; today's never reach below it.
        first = plan.first_anchor_floor(int(b))
        floor[at] = np.maximum(first, np.where(k > 0, a[np.maximum(k - 1, 0)], first))
    return _scan(plan, start, floor, brand, is_reply_target, rates.REPLY_LOOKBACK)
