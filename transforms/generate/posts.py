"""Landing rows and their ground truth for a slice [start, stop) of one (day, source) file."""

from __future__ import annotations

import numpy as np
import polars as pl

from transforms.generate import kinds, rates
from transforms.generate.authors import BRAND_BASE
from transforms.generate.ids import post_ids
from transforms.generate.plan import DayPlan
from transforms.generate.rows import Rows, classify, is_original, is_reply_target, look_back
from transforms.generate.text import escape
from transforms.schema import GROUND_TRUTH, LANDING_POST

_IMPRESSION_PLATFORMS = ("x", "youtube")
_ENGAGEMENT_SCALE = {"x": 1.0, "reddit": 1.5, "facebook": 0.8, "instagram": 2.0, "youtube": 1.2}
_RATING_CUM = np.cumsum(
    np.array(
        [
            [0.70, 0.30, 0.00, 0.00, 0.00],  # negative
            [0.00, 0.20, 0.60, 0.20, 0.00],  # neutral
            [0.00, 0.00, 0.00, 0.30, 0.70],  # positive
        ]
    ),
    axis=1,
)


def _ids(plan: DayPlan, r: Rows) -> pl.Series:
    ms = plan.day_ms + (r.seconds * 1000).astype(np.int64)
    st = plan.stream
    comment = (r.kind == kinds.REPLY) | (st.uniform("comment", r.rows) < rates.REDDIT_COMMENT_SHARE)
    comment &= r.kind != kinds.ANNOUNCE
    return post_ids(plan.platform, plan.day, r.rows + plan.row_offset, ms, comment)


def _created_at(plan: DayPlan, r: Rows) -> pl.Series:
    ms = plan.day_ms + (r.seconds * 1000).astype(np.int64)
    stamps = pl.from_epoch(pl.Series(ms), time_unit="ms")
    if plan.platform == "x":  # the X API reports milliseconds
        return stamps.dt.to_string("%Y-%m-%dT%H:%M:%S%.3fZ")
    return stamps.dt.to_string("%Y-%m-%dT%H:%M:%SZ")


def _authors(plan: DayPlan, r: Rows) -> np.ndarray:
    st = plan.stream
    u = st.uniform("author", r.rows)
    author = plan.authors.pick_people(u)
    spam = r.kind == kinds.SPAM
    author[spam] = plan.authors.pick_spammers(u[spam])
    planner = plan.planner
    announce = r.kind == kinds.ANNOUNCE
    author[announce] = planner.announcer[r.own_brand[announce]]
    answer = (r.kind == kinds.REPLY) | (r.kind == kinds.GENERIC)
    author[answer] = planner.replier[r.own_brand[answer]]
    return author


def _handles(plan: DayPlan, authors: np.ndarray) -> pl.Series:
    return plan.authors.handles(authors, plan.planner.account_handles)


def _links(plan: DayPlan, r: Rows, ids: pl.Series) -> pl.Series:
    """The tracked URL of link posts, '' elsewhere."""
    out = pl.Series([""] * len(r.rows), dtype=pl.String)
    index = np.flatnonzero(r.link)
    if len(index) == 0:
        return out
    planner = plan.planner
    campaign = r.campaign[index]
    brand = planner.campaign_brand[campaign]
    names = pl.Series(planner.campaign_names).gather(campaign)
    paths = pl.Series(planner.campaign_paths).gather(campaign)
    urls = planner.text.link(brand, names, paths, plan.platform, ids.gather(index))
    return out.scatter(index, urls)


def _organic_text(plan: DayPlan, r: Rows, index: np.ndarray, links: pl.Series) -> pl.Series:
    return plan.planner.text.organic(
        plan.stream,
        plan.platform,
        r.rows[index],
        r.brand1[index],
        r.brand2[index],
        r.intent[index],
        r.sentiment[index],
        r.topic[index],
        links=links.gather(index),
        lang=r.lang[index],
    )


def _originals(plan: DayPlan, rows: np.ndarray) -> tuple[Rows, pl.Series, pl.Series, pl.Series]:
    """Labels, ids, author handles and raw texts of organic rows (what duplicates copy)."""
    r = classify(plan, rows)
    ids = _ids(plan, r)
    handles = _handles(plan, _authors(plan, r))
    everything = np.arange(len(rows))
    return r, ids, handles, _organic_text(plan, r, everything, _links(plan, r, ids))


def _gather_sources(
    plan: DayPlan, from_prev: np.ndarray, source_rows: np.ndarray
) -> tuple[Rows, pl.Series, pl.Series, pl.Series]:
    """`_originals` for rows that may live in today's or yesterday's file, in input order."""
    parts = []
    order = []
    for flag, day_plan in ((False, plan), (True, plan.prev)):
        index = np.flatnonzero(from_prev == flag)
        if len(index) == 0 or day_plan is None:
            continue
        parts.append(_originals(day_plan, source_rows[index]))
        order.append(index)
    index = np.concatenate(order)
    inverse = np.empty_like(index)
    inverse[index] = np.arange(len(index))
    rows = Rows(
        **{
            name: np.concatenate([getattr(p[0], name) for p in parts])[inverse]
            for name in Rows.__dataclass_fields__
        }
    )
    ids, handles, texts = (pl.concat([p[k] for p in parts]).gather(inverse) for k in (1, 2, 3))
    return rows, ids, handles, texts


def _engagement(
    plan: DayPlan, r: Rows, followers: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    st = plan.stream
    rows = r.rows
    scale = _ENGAGEMENT_SCALE.get(plan.platform, 1.0)
    noise = st.lognormal("engagement", rows, 0.35, 1.1)
    factor = np.select(
        [r.kind == kinds.SPAM, r.kind == kinds.DUPLICATE, r.kind == kinds.REPLY],
        [0.05, 0.08, 0.01],
        1.0,
    )
    base = np.power(np.maximum(followers, 1), 0.45) * noise * scale * factor
    likes = np.floor(base).astype(np.int64)
    comments = np.floor(base * (0.02 + 0.28 * st.uniform("comments", rows))).astype(np.int64)
    shares = np.floor(base * (0.01 + 0.24 * st.uniform("shares", rows))).astype(np.int64)
    reach = followers * (0.05 + 0.55 * st.uniform("reach", rows))
    impressions = np.floor(reach + likes * (15 + 45 * st.uniform("views", rows))).astype(np.int64)
    return likes, shares, comments, impressions + 1


def _assemble(n: int, parts: list[tuple[np.ndarray, pl.Series]]) -> pl.Series:
    out = pl.Series([""] * n, dtype=pl.String)
    for index, values in parts:
        if len(index):
            out = out.scatter(index, values)
    return out


def build_chunk(plan: DayPlan, start: int, stop: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(landing rows, ground-truth rows) for rows [start, stop) of `plan`'s file."""
    planner = plan.planner
    text = planner.text
    st = plan.stream
    platform = plan.platform
    r = classify(plan, np.arange(start, stop, dtype=np.int64))
    n = len(r.rows)
    kind = r.kind.copy()
    ids = _ids(plan, r)

    # Duplicates: the nearest organic post at or before (now - a delay of minutes to a day).
    dup = np.flatnonzero(kind == kinds.DUPLICATE)
    delay = st.lognormal("dup_delay", r.rows[dup], rates.DUPLICATE_DELAY_MEDIAN_MIN * 60, 1.2)
    found, from_prev, source = look_back(
        plan, r.rows[dup], r.seconds[dup], np.clip(delay, 60, 30 * 3600),
        np.zeros(len(dup), np.int64), is_original, rates.DUPLICATE_LOOKBACK,
    )
    kind[dup[~found]] = kinds.ORGANIC  # nothing to copy: an ordinary post
    dup, from_prev, source = dup[found], from_prev[found], source[found]

    # Brand replies: the nearest eligible post of the brand before (now - a response delay).
    rep = np.flatnonzero(kind == kinds.REPLY)
    owner = r.own_brand[rep]
    median = np.where(
        owner == 0,
        rates.REPLY_DELAY_MEDIAN_MIN["tracked"],
        rates.REPLY_DELAY_MEDIAN_MIN["competitor"],
    )
    delay = median * 60 * np.exp(st.normal("reply_delay", r.rows[rep]))
    hit, hit_prev, target = look_back(
        plan, r.rows[rep], r.seconds[rep], np.clip(delay, 120, 20 * 3600),
        owner, is_reply_target, rates.REPLY_LOOKBACK,
    )
    kind[rep[~hit]] = kinds.GENERIC
    rep, hit_prev, target = rep[hit], hit_prev[hit], target[hit]

    authors = _authors(plan, r)
    handles = _handles(plan, authors)
    followers = plan.authors.followers(authors, planner.brand_followers[platform])
    verified = plan.authors.verified(authors, followers)
    links = _links(plan, r, ids)

    # Labels start as the row's own and are overwritten for non-organic kinds.
    brand1, brand2 = r.brand1.copy(), r.brand2.copy()
    intent, sentiment, lang = r.intent.copy(), r.sentiment.copy(), r.lang.copy()
    in_reply_to = pl.Series([None] * n, dtype=pl.String)
    repost_of = pl.Series([None] * n, dtype=pl.String)
    parts: list[tuple[np.ndarray, pl.Series]] = []

    organic = np.flatnonzero(kind == kinds.ORGANIC)
    parts.append((organic, _organic_text(plan, r, organic, links)))

    if len(dup):
        orig, orig_ids, orig_handles, orig_texts = _gather_sources(plan, from_prev, source)
        retweet = (platform == "x") & (st.uniform("retweet", r.rows[dup]) < rates.RETWEET_SHARE)
        rt = pl.Series(retweet)
        dup_texts = pl.select(
            pl.when(rt).then("RT " + orig_handles + ": " + orig_texts).otherwise(orig_texts)
        ).to_series()
        parts.append((dup, dup_texts))
        repost_of = repost_of.scatter(dup[retweet], orig_ids.filter(rt))
        brand1[dup], brand2[dup] = orig.brand1, orig.brand2
        intent[dup], sentiment[dup], lang[dup] = orig.intent, orig.sentiment, orig.lang

    if len(rep):
        tgt, tgt_ids, tgt_handles, _ = _gather_sources(plan, hit_prev, target)
        parts.append((rep, text.reply(st, platform, r.rows[rep], tgt.intent, tgt_handles)))
        in_reply_to = in_reply_to.scatter(rep, tgt_ids)
        sentiment[rep] = np.where(tgt.intent == rates.PURCHASE, rates.POSITIVE, rates.NEUTRAL)

    spam = np.flatnonzero(kind == kinds.SPAM)
    parts.append((spam, text.spam(st, r.rows[spam])))
    unrelated = np.flatnonzero(kind == kinds.UNRELATED)
    parts.append((unrelated, text.unrelated(st, r.rows[unrelated])))
    announce = np.flatnonzero(kind == kinds.ANNOUNCE)
    parts.append(
        (announce, text.announcement(st, r.rows[announce], r.campaign[announce], links.gather(announce)))
    )
    generic = np.flatnonzero(kind == kinds.GENERIC)
    parts.append((generic, text.generic_own(st, r.rows[generic])))
    texts = escape(platform, st, r.rows, _assemble(n, parts))

    own = np.isin(kind, kinds.OWN)
    noise = (kind == kinds.SPAM) | (kind == kinds.UNRELATED)
    brand1 = np.where(own, r.own_brand, np.where(noise, -1, brand1))
    brand2 = np.where(own | noise, -1, brand2)
    intent = np.where(own | noise, rates.OTHER, intent)
    sentiment = np.where(noise | (kind == kinds.GENERIC), rates.NEUTRAL, sentiment)
    sentiment = np.where(kind == kinds.ANNOUNCE, rates.POSITIVE, sentiment)
    lang = np.where(own | noise, 0, lang)

    likes, shares, comments, impressions = _engagement(plan, r, followers)
    rating = None
    if platform == "reviews":
        stars = 1 + (st.uniform("rating", r.rows)[:, None] >= _RATING_CUM[sentiment]).sum(axis=1)
        stars = np.minimum(stars, 5)
        stars = np.where(kind == kinds.SPAM, 5, np.where(kind == kinds.UNRELATED, 4, stars))
        rating = pl.Series(stars, dtype=pl.Int64).scatter(np.flatnonzero(own), None)
        likes = np.floor(st.lognormal("helpful", r.rows, 1.0, 1.2)).astype(np.int64)

    def column(values, dtype) -> pl.Series:
        return pl.Series(values, dtype=dtype)

    null_int = pl.Series([None] * n, dtype=pl.Int64)
    lang_codes = pl.Series(rates.LANGS).gather(lang)
    reviews = platform == "reviews"
    landing = pl.DataFrame(
        {
            "id": ids,
            "created_at": _created_at(plan, r),
            "author_id": plan.authors.ids(authors),
            "author_handle": handles,
            "author_followers": null_int if reviews else column(followers, pl.Int64),
            "author_verified": column(verified & ~reviews, pl.Boolean),
            "text": texts,
            "lang": lang_codes if platform in _IMPRESSION_PLATFORMS else pl.Series([None] * n, dtype=pl.String),
            "in_reply_to_id": in_reply_to,
            "repost_of_id": repost_of,
            "likes": column(likes, pl.Int64),
            "shares": null_int if reviews else column(shares, pl.Int64),
            "comments": null_int if reviews else column(comments, pl.Int64),
            "impressions": column(impressions, pl.Int64)
            if platform in _IMPRESSION_PLATFORMS
            else null_int,
            "rating": rating if rating is not None else null_int,
        },
        schema=LANDING_POST,
    )

    slugs = pl.Series(planner.slugs + [""])
    first, second = np.minimum(brand1, brand2), np.maximum(brand1, brand2)
    first = np.where(first < 0, second, first)  # one brand: it is `second` when first is -1
    second = np.where(first == second, -1, second)
    brands = pl.select(
        pl.when(pl.lit(pl.Series(second >= 0)))
        .then(pl.lit(slugs.gather(np.where(first < 0, len(planner.slugs), first))) + " "
              + pl.lit(slugs.gather(np.where(second < 0, len(planner.slugs), second))))
        .otherwise(pl.lit(slugs.gather(np.where(first < 0, len(planner.slugs), first))))
    ).to_series()
    truth = pl.DataFrame(
        {
            "platform": pl.Series([platform] * n, dtype=pl.String),
            "id": ids,
            "brands": brands,
            "sentiment": pl.Series(rates.SENTIMENTS).gather(sentiment),
            "intent": pl.Series(rates.INTENTS).gather(intent),
            "is_spam": column(kind == kinds.SPAM, pl.Boolean),
            "is_unrelated": column(kind == kinds.UNRELATED, pl.Boolean),
            "is_duplicate": column(kind == kinds.DUPLICATE, pl.Boolean),
            "is_own_post": column(own, pl.Boolean),
            "lang": lang_codes,
        },
        schema=GROUND_TRUTH,
    )
    assert BRAND_BASE  # brand accounts are authors >= BRAND_BASE (see authors.py)
    return landing, truth
