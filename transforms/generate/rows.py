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


def classify(plan: DayPlan, rows: np.ndarray) -> Rows:
    st = plan.stream
    rows = np.asarray(rows, dtype=np.int64)
    n = max(plan.n, 1)
    seconds = plan.timeline.seconds_at((rows + st.uniform("time", rows)) / n)

    pick_kind = pick(plan.kind_cum, st.uniform("kind", rows))
    kind = plan.kind_code[pick_kind].copy()
    own_brand = plan.kind_brand[pick_kind].astype(np.int64)
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
        link[hit] = True
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


def is_original(plan: DayPlan, rows: np.ndarray, _owner: np.ndarray) -> np.ndarray:
    """Rows a duplicate may copy: organic posts."""
    return classify(plan, rows).kind == kinds.ORGANIC


def is_reply_target(plan: DayPlan, rows: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Rows a brand answers: its own English complaints and purchase questions."""
    r = classify(plan, rows)
    return (
        (r.kind == kinds.ORGANIC)
        & (r.lang == 0)
        & (r.brand1 == owner)
        & ((r.intent == rates.COMPLAINT) | (r.intent == rates.PURCHASE))
    )


def look_back(
    plan: DayPlan,
    rows: np.ndarray,
    seconds: np.ndarray,
    delay_seconds: np.ndarray,
    owner: np.ndarray,
    accept,
    lookback: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row, the nearest accepted row at or before (its time - delay), scanning up to
    `lookback` rows back, into the previous day if needed.

    Returns (found, from_previous_day, source_row).
    """
    m = len(rows)
    if m == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty.astype(bool), empty.astype(bool), empty
    prev = plan.prev
    target = seconds - delay_seconds
    same_day = target >= 0
    j_same = np.floor(plan.timeline.position_at(np.maximum(target, 0)) * plan.n).astype(np.int64)
    j_same = np.minimum(j_same, rows - 1)
    if prev is not None and prev.n > 0:
        position = prev.timeline.position_at(np.maximum(target + SECONDS_PER_DAY, 0))
        j_prev = np.floor(position * prev.n).astype(np.int64) - prev.n
        prev_n = prev.n
    else:
        j_prev = np.full(m, -1, dtype=np.int64)
        prev_n = 0
    start = np.where(same_day, j_same, j_prev)  # virtual row: negative = previous day
    candidates = start[:, None] - np.arange(lookback)[None, :]
    owners = np.broadcast_to(owner[:, None], candidates.shape)
    ok = np.zeros(candidates.shape, dtype=bool)
    today = candidates >= 0
    if today.any():
        ok[today] = accept(plan, candidates[today], owners[today])
    yesterday = (candidates < 0) & (candidates >= -prev_n)
    if yesterday.any() and prev is not None:
        ok[yesterday] = accept(prev, candidates[yesterday] + prev_n, owners[yesterday])
    first = ok.argmax(axis=1)
    found = ok[np.arange(m), first]
    chosen = candidates[np.arange(m), first]
    from_prev = chosen < 0
    return found, from_prev, np.where(from_prev, chosen + prev_n, chosen)
