"""Landing rows and their ground truth for a batch of row ranges (possibly of several files).

Batching small files of the same day together keeps the per-call overhead of Polars low; every
value is still a pure function of (file, row), so batching never changes the output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from transforms.config import PLATFORMS
from transforms.generate import kinds, rates
from transforms.generate.hashing import Keys
from transforms.generate.ids import author_ids, post_ids
from transforms.generate.plan import DayPlan
from transforms.generate.rows import (
    Rows,
    answered_rows,
    classify,
    concat_rows,
    copied_rows,
)
from transforms.generate.text import escape
from transforms.schema import GROUND_TRUTH, LANDING_POST

# The canonical fields the sample exports carry (platform, entities and flags are left out, as
# most real exports leave them out: the pipeline derives them).
GENERATED_FIELDS = {
    name: LANDING_POST[name]
    for name in (
        "id", "created_at", "author_id", "author_handle", "author_followers", "author_verified",
        "text", "lang", "in_reply_to_id", "repost_of_id", "likes", "shares", "comments",
        "impressions", "rating",
    )
}  # fmt: skip

_CODE = {p: i for i, p in enumerate(PLATFORMS)}
_X, _YOUTUBE, _REVIEWS = _CODE["x"], _CODE["youtube"], _CODE["reviews"]
_ENGAGEMENT_SCALE = np.array(
    [
        {"x": 1.0, "reddit": 1.5, "facebook": 0.8, "instagram": 2.0, "youtube": 1.2}.get(p, 0.5)
        for p in PLATFORMS
    ]
)
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


@dataclass
class RowSet:
    """Rows of one or more day files, in part order, with their counter keys."""

    plans: list[DayPlan]
    r: Rows
    group: np.ndarray  # index into plans, per row (non-decreasing)
    keys: Keys

    @classmethod
    def build(cls, parts: list[tuple[DayPlan, np.ndarray]], labels: bool = True) -> RowSet:
        parts = [(plan, rows) for plan, rows in parts if len(rows)]
        classified = [classify(plan, rows, labels) for plan, rows in parts]
        r = concat_rows(classified)
        group = np.repeat(np.arange(len(parts)), [len(rows) for _, rows in parts])
        keys = Keys([(plan.stream, rows) for plan, rows in parts])
        return cls([plan for plan, _ in parts], r, group, keys)

    def __len__(self) -> int:
        return len(self.group)

    def subset(self, index: np.ndarray) -> RowSet:
        return RowSet(self.plans, self.r.take(index), self.group[index], self.keys.subset(index))

    @property
    def platform(self) -> np.ndarray:
        codes = np.array([_CODE[p.platform] for p in self.plans], dtype=np.int64)
        return codes[self.group] if len(codes) else np.zeros(0, np.int64)

    def slices(self) -> list[tuple[DayPlan, slice]]:
        bounds = np.searchsorted(self.group, np.arange(len(self.plans) + 1))
        return [(p, slice(bounds[g], bounds[g + 1])) for g, p in enumerate(self.plans)]

    def ms(self) -> np.ndarray:
        day_ms = np.array([p.day_ms for p in self.plans], dtype=np.int64)
        return day_ms[self.group] + (self.r.seconds * 1000).astype(np.int64)


def native_ids(rs: RowSet) -> pl.Series:
    r = rs.r
    comment = (r.kind == kinds.REPLY) | (rs.keys.uniform("comment") < rates.REDDIT_COMMENT_SHARE)
    comment &= r.kind != kinds.ANNOUNCE
    ms = rs.ms()
    parts = [
        post_ids(p.platform, p.day, r.rows[s] + p.row_offset, ms[s], comment[s])
        for p, s in rs.slices()
        if s.stop > s.start
    ]
    return pl.concat(parts) if parts else pl.Series([], dtype=pl.String)


def created_at(rs: RowSet) -> pl.Series:
    stamps = pl.from_epoch(pl.Series(rs.ms()), time_unit="ms")
    texts = stamps.dt.to_string("%Y-%m-%dT%H:%M:%SZ")
    x = np.flatnonzero(rs.platform == _X)  # the X API reports milliseconds
    if len(x):
        texts = texts.scatter(x, stamps.gather(x).dt.to_string("%Y-%m-%dT%H:%M:%S%.3fZ"))
    return texts


def authors_of(rs: RowSet, kind: np.ndarray | None = None) -> np.ndarray:
    """Author index per row (people, spam accounts or the brand's own accounts); `kind`
    overrides the classified kind (a reply slot with nothing to answer is a person's post)."""
    if not rs.plans:
        return np.zeros(0, np.int64)
    planner = rs.plans[0].planner
    r = rs.r
    kind = r.kind if kind is None else kind
    platform = rs.platform
    u = rs.keys.uniform("author")
    author = planner.authors.pick_people(platform, u)
    spam = kind == kinds.SPAM
    author[spam] = planner.authors.pick_spammers(platform[spam], u[spam])
    announce = kind == kinds.ANNOUNCE
    author[announce] = planner.announcer[r.own_brand[announce]]
    answer = kind == kinds.REPLY
    author[answer] = planner.replier[r.own_brand[answer]]
    return author


def handles_of(rs: RowSet, authors: np.ndarray) -> pl.Series:
    if not rs.plans:
        return pl.Series([], dtype=pl.String)
    return rs.plans[0].planner.authors.handles(rs.platform, authors)


def followers_of(rs: RowSet, authors: np.ndarray) -> np.ndarray:
    if not rs.plans:
        return np.zeros(0, np.int64)
    planner = rs.plans[0].planner
    return planner.authors.followers(rs.platform, authors, planner.brand_followers)


def _author_ids(rs: RowSet, authors: np.ndarray) -> pl.Series:
    parts = [author_ids(p.platform, authors[s]) for p, s in rs.slices() if s.stop > s.start]
    return pl.concat(parts) if parts else pl.Series([], dtype=pl.String)


def links_of(rs: RowSet, ids: pl.Series) -> pl.Series:
    """The tracked URL of link posts, '' elsewhere."""
    out = pl.Series([""] * len(rs), dtype=pl.String)
    index = np.flatnonzero(rs.r.link)
    if len(index) == 0:
        return out
    planner = rs.plans[0].planner
    campaign = rs.r.campaign[index]
    urls = planner.text.link(
        planner.campaign_brand[campaign],
        pl.Series(planner.campaign_names).gather(campaign),
        pl.Series(planner.campaign_paths).gather(campaign),
        rs.platform[index],
        ids.gather(index),
    )
    return out.scatter(index, urls)


def _per_file(rs: RowSet, find, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Apply a per-file row finder (copied_rows, answered_rows) to each file of a row set."""
    results = [find(p, rs.r.rows[s], *(c[s] for c in columns)) for p, s in rs.slices()]
    if not results:
        empty = np.zeros(0, np.int64)
        return empty.astype(bool), empty.astype(bool), empty
    return tuple(np.concatenate([res[k] for res in results]) for k in range(3))


def _sources(
    rs: RowSet, positions: np.ndarray, from_prev: np.ndarray, rows: np.ndarray, labels: bool
) -> tuple[RowSet, np.ndarray]:
    """The rows that rows `positions` of the batch point at (today's or yesterday's), and for
    each of them the batch position it belongs to."""
    parts, owners = [], []
    for g, plan in enumerate(rs.plans):
        in_group = rs.group == g
        for flag, day_plan in ((True, plan.prev), (False, plan)):
            chosen = np.flatnonzero(in_group & (from_prev == flag))
            if len(chosen) and day_plan is not None:
                parts.append((day_plan, rows[chosen]))
                owners.append(positions[chosen])
    owner = np.concatenate(owners) if owners else np.zeros(0, np.int64)
    return RowSet.build(parts, labels), owner


def _engagement(rs: RowSet, kind: np.ndarray, followers: np.ndarray) -> tuple[np.ndarray, ...]:
    keys = rs.keys
    noise = keys.lognormal("engagement", 0.35, 1.1)
    factor = np.select(
        [kind == kinds.SPAM, kind == kinds.DUPLICATE, kind == kinds.REPLY], [0.05, 0.08, 0.01], 1.0
    )
    base = (
        np.power(np.maximum(followers, 1), 0.45) * noise * _ENGAGEMENT_SCALE[rs.platform] * factor
    )
    likes = np.floor(base).astype(np.int64)
    comments = np.floor(base * (0.02 + 0.28 * keys.uniform("comments"))).astype(np.int64)
    shares = np.floor(base * (0.01 + 0.24 * keys.uniform("shares"))).astype(np.int64)
    reach = followers * (0.05 + 0.55 * keys.uniform("reach"))
    impressions = np.floor(reach + likes * (15 + 45 * keys.uniform("views"))).astype(np.int64) + 1
    helpful = np.floor(keys.lognormal("helpful", 1.0, 1.2)).astype(np.int64)
    likes = np.where(rs.platform == _REVIEWS, helpful, likes)  # reviews: "helpful" votes
    return likes, shares, comments, impressions


def _nullable(values: np.ndarray, dtype: pl.DataType, present: np.ndarray) -> pl.Series:
    series = pl.Series(values, dtype=dtype)
    missing = np.flatnonzero(~present)
    return series.scatter(missing, None) if len(missing) else series


def build_batch(
    segments: list[tuple[DayPlan, int, int]],
) -> tuple[list[pl.DataFrame], pl.DataFrame]:
    """Landing rows per segment (plan, start, stop) and the ground truth of all of them."""
    main = RowSet.build([(plan, np.arange(lo, hi, dtype=np.int64)) for plan, lo, hi in segments])
    planner = segments[0][0].planner
    text = planner.text
    r = main.r
    n = len(main)
    kind = r.kind.copy()
    platform = main.platform
    ids = native_ids(main)

    # Duplicates: the nearest organic post at or before (now - a delay of minutes to a day).
    dup = np.flatnonzero(kind == kinds.DUPLICATE)
    sub = main.subset(dup)
    delay = sub.keys.lognormal("dup_delay", rates.DUPLICATE_DELAY_MEDIAN_MIN * 60, 1.2)
    found, from_prev, source = _per_file(
        sub, copied_rows, sub.r.seconds, np.clip(delay, 60, 108_000)
    )
    kind[dup[~found]] = kinds.ORGANIC  # nothing to copy: an ordinary post
    originals, dup = _sources(
        sub.subset(np.flatnonzero(found)), dup[found], from_prev[found], source[found], True
    )

    # Brand replies: each reply slot answers one eligible post (see DayPlan.reply_anchors).
    rep = np.flatnonzero(kind == kinds.REPLY)
    sub = main.subset(rep)
    hit, hit_prev, target = _per_file(sub, answered_rows, sub.r.own_brand)
    kind[rep[~hit]] = kinds.ORGANIC  # nothing to answer: the slot is an ordinary post
    targets, rep = _sources(
        sub.subset(np.flatnonzero(hit)), rep[hit], hit_prev[hit], target[hit], False
    )

    authors = authors_of(main, kind)
    handles = handles_of(main, authors)
    followers = followers_of(main, authors)
    verified = planner.authors.verified(platform, authors, followers)
    links = links_of(main, ids)

    # Texts: organic rows and the originals of duplicates in one pass, then the other kinds.
    organic = np.flatnonzero(kind == kinds.ORGANIC)
    own_org = main.subset(organic)
    orig_ids = native_ids(originals)
    both = Keys(own_org.keys.parts + originals.keys.parts)

    def cat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a, b])

    o, g = own_org.r, originals.r
    organic_texts = text.organic(
        both,
        cat(own_org.platform, originals.platform),
        cat(o.brand1, g.brand1),
        cat(o.brand2, g.brand2),
        cat(o.intent, g.intent),
        cat(o.sentiment, g.sentiment),
        cat(o.topic, g.topic),
        links=pl.concat([links.gather(organic), links_of(originals, orig_ids)]),
        lang=cat(o.lang, g.lang),
    )
    texts = pl.Series([""] * n, dtype=pl.String).scatter(organic, organic_texts.head(len(organic)))

    in_reply_to = pl.Series([None] * n, dtype=pl.String)
    repost_of = pl.Series([None] * n, dtype=pl.String)
    brand1, brand2 = r.brand1.copy(), r.brand2.copy()
    intent, sentiment, lang = r.intent.copy(), r.sentiment.copy(), r.lang.copy()
    if len(dup):
        orig_texts = organic_texts.tail(len(dup))
        orig_handles = handles_of(originals, authors_of(originals))
        retweet = (platform[dup] == _X) & (main.keys.uniform("retweet")[dup] < rates.RETWEET_SHARE)
        copies = pl.Series(retweet).not_()
        dup_texts = ("RT " + orig_handles + ": " + orig_texts).scatter(
            np.flatnonzero(copies.to_numpy()), orig_texts.filter(copies)
        )
        texts = texts.scatter(dup, dup_texts)
        repost_of = repost_of.scatter(dup[retweet], orig_ids.filter(pl.Series(retweet)))
        brand1[dup], brand2[dup] = g.brand1, g.brand2
        intent[dup], sentiment[dup], lang[dup] = g.intent, g.sentiment, g.lang
    if len(rep):
        order = np.argsort(rep)  # keys of the reply rows in batch order
        target_handles = handles_of(targets, authors_of(targets)).gather(order)
        replies = text.reply(
            main.keys.subset(rep[order]),
            platform[rep[order]],
            targets.r.intent[order],
            target_handles,
        )
        texts = texts.scatter(rep[order], replies)
        in_reply_to = in_reply_to.scatter(rep, native_ids(targets))
        sentiment[rep] = np.where(targets.r.intent == rates.PURCHASE, rates.POSITIVE, rates.NEUTRAL)

    for code, make in (
        (kinds.SPAM, lambda k, i: text.spam(k)),
        (kinds.UNRELATED, lambda k, i: text.unrelated(k)),
        (kinds.ANNOUNCE, lambda k, i: text.announcement(k, r.campaign[i], links.gather(i))),
    ):
        index = np.flatnonzero(kind == code)
        if len(index):
            texts = texts.scatter(index, make(main.keys.subset(index), index))
    texts = escape(main.keys, platform, texts)

    # Ground-truth labels of non-organic kinds.
    own = np.isin(kind, kinds.OWN)
    noise = (kind == kinds.SPAM) | (kind == kinds.UNRELATED)
    brand1 = np.where(own, r.own_brand, np.where(noise, -1, brand1))
    brand2 = np.where(own | noise, -1, brand2)
    intent = np.where(own | noise, rates.OTHER, intent)
    sentiment = np.where(noise, rates.NEUTRAL, sentiment)
    sentiment = np.where(kind == kinds.ANNOUNCE, rates.POSITIVE, sentiment)
    lang = np.where(own | noise, 0, lang)

    likes, shares, comments, impressions = _engagement(main, kind, followers)
    reviews = platform == _REVIEWS
    stars = 1 + (main.keys.uniform("rating")[:, None] >= _RATING_CUM[sentiment]).sum(axis=1)
    stars = np.where(
        kind == kinds.SPAM, 5, np.where(kind == kinds.UNRELATED, 4, np.minimum(stars, 5))
    )
    views = (platform == _X) | (platform == _YOUTUBE)
    lang_codes = pl.Series(rates.LANGS).gather(lang)

    landing = pl.DataFrame(
        {
            "id": ids,
            "created_at": created_at(main),
            "author_id": _author_ids(main, authors),
            "author_handle": handles,
            "author_followers": _nullable(followers, pl.Int64, ~reviews),
            "author_verified": pl.Series(verified & ~reviews, dtype=pl.Boolean),
            "text": texts,
            "lang": lang_codes.clone().scatter(np.flatnonzero(~views), None),  # scatter is in place
            "in_reply_to_id": in_reply_to,
            "repost_of_id": repost_of,
            "likes": pl.Series(likes, dtype=pl.Int64),
            "shares": _nullable(shares, pl.Int64, ~reviews),
            "comments": _nullable(comments, pl.Int64, ~reviews),
            "impressions": _nullable(impressions, pl.Int64, views),
            "rating": _nullable(stars, pl.Int64, reviews & ~own),
        },
        schema=GENERATED_FIELDS,
    )

    slugs = pl.Series([*planner.slugs, ""])
    none = len(planner.slugs)
    first = np.where(brand2 >= 0, np.minimum(brand1, brand2), brand1)
    second = np.where(brand2 >= 0, np.maximum(brand1, brand2), -1)
    names = slugs.gather(np.where(first < 0, none, first))
    pairs = np.flatnonzero(second >= 0)
    if len(pairs):
        names = names.scatter(pairs, names.gather(pairs) + " " + slugs.gather(second[pairs]))
    truth = pl.DataFrame(
        {
            "platform": pl.Series(PLATFORMS).gather(platform),
            "id": ids,
            "brands": names,
            "sentiment": pl.Series(rates.SENTIMENTS).gather(sentiment),
            "intent": pl.Series(rates.INTENTS).gather(intent),
            "is_spam": kind == kinds.SPAM,
            "is_unrelated": kind == kinds.UNRELATED,
            "is_duplicate": kind == kinds.DUPLICATE,
            "is_own_post": own,
            "lang": lang_codes,
        },
        schema=GROUND_TRUTH,
    )
    frames = [landing.slice(s.start, s.stop - s.start) for _, s in main.slices()]
    return frames, truth
