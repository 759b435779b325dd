"""Post texts, built a chunk at a time with Polars string expressions.

Each piece (body, detail, opener, brand mention, ...) is picked per row from a flat table of
phrases by a counter-based uniform, then the pieces are concatenated and the {b}/{b2}/{d}
placeholders replaced. Fillers like {city} are expanded once, when the vocabulary is compiled, so a
chunk needs only a handful of vectorised string passes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import polars as pl

from transforms.config import Brand
from transforms.generate import rates, vocabulary
from transforms.generate.hashing import Stream
from transforms.generate.ids import BASE62, token

SENT = rates.SENTIMENTS
MAX_VARIANTS = 40  # per phrase, after filler expansion
_MENTION_FORMS = 4  # alias, lowercase alias, handle, hashtag
_SHOUTING_PLATFORMS = ("x", "facebook", "instagram", "youtube")


def expand(phrases: Sequence[str], fillers: dict[str, Sequence[str]]) -> list[str]:
    """Every phrase with each filler placeholder replaced by its values (capped per phrase)."""
    out: list[str] = []
    for phrase in phrases:
        names = [name for name in fillers if "{" + name + "}" in phrase]
        if not names:
            out.append(phrase)
            continue
        variants = []
        for values in itertools.product(*(fillers[name] for name in names)):
            text = phrase
            for name, value in zip(names, values, strict=True):
                text = text.replace("{" + name + "}", value)
            variants.append(text)
        step = max(1, len(variants) // MAX_VARIANTS)
        out.extend(variants[::step][:MAX_VARIANTS])
    return out


class PieceTable:
    """Phrase groups flattened into one Series; a row picks a phrase of its group."""

    def __init__(self, groups: Sequence[Sequence[str]]) -> None:
        counts = [len(g) for g in groups]
        if any(c == 0 for c in counts):
            raise ValueError("every phrase group needs at least one phrase")
        self.counts = np.array(counts, dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)
        self.series = pl.Series([p for g in groups for p in g], dtype=pl.String)

    def take(self, group: np.ndarray, u: np.ndarray) -> pl.Series:
        index = self.offsets[group] + (u * self.counts[group]).astype(np.int64)
        return self.series.gather(index)


def _key(intent: int, sentiment: int) -> str:
    return f"{rates.INTENTS[intent]}/{SENT[sentiment]}"


def comparison_allowed() -> np.ndarray:
    """(intent, sentiment) pairs that have comparison templates."""
    allowed = np.zeros((len(rates.INTENTS), len(SENT)), dtype=bool)
    for i in range(len(rates.INTENTS)):
        for s in range(len(SENT)):
            allowed[i, s] = _key(i, s) in vocabulary.COMPARISONS
    return allowed


def _fallback(table: dict[str, Sequence[str]], key: str, default: Sequence[str]) -> Sequence[str]:
    return table.get(key) or default


def _website(brand: Brand) -> str:
    return brand.website or f"{brand.slug}.example"


def _frame(**columns: pl.Series | np.ndarray) -> pl.DataFrame:
    return pl.DataFrame({name: pl.Series(name, values) for name, values in columns.items()})


class TextMachine:
    """All phrase tables for one brand configuration."""

    def __init__(self, brands: Sequence[Brand], tracked_campaigns: Sequence[str]) -> None:
        self.brands = list(brands)
        self.tracked_campaigns = list(tracked_campaigns)  # kinds: switch_save, always_on, ...
        fillers = vocabulary.FILLERS
        n_int, n_sent, n_top = len(rates.INTENTS), len(SENT), len(rates.TOPICS)

        # Bodies: groups (intent, sentiment) then (intent, sentiment, topic) for comparisons.
        body_groups = []
        for i in range(n_int):
            for s in range(n_sent):
                default = vocabulary.BODIES[f"{rates.INTENTS[i]}/neutral"]
                body_groups.append(expand(_fallback(vocabulary.BODIES, _key(i, s), default), fillers))
        for i in range(n_int):
            for s in range(n_sent):
                templates = vocabulary.COMPARISONS.get(_key(i, s), ("{b} or {b2}?",))
                for topic in rates.TOPICS:
                    words = {"tw": vocabulary.TOPIC_WORDS[topic], **fillers}
                    body_groups.append(expand(templates, words))
        self.bodies = PieceTable(body_groups)

        detail_groups = []
        for i in range(n_int):
            by_topic = vocabulary.DETAILS[rates.INTENTS[i]]
            every = [d for ds in by_topic.values() for d in ds]
            for topic in rates.TOPICS:
                detail_groups.append(expand(by_topic.get(topic) or every, fillers))
        self.details = PieceTable(detail_groups)

        self.openers = PieceTable([vocabulary.OPENERS[s] for s in SENT])
        self.closers = PieceTable([vocabulary.CLOSERS[s] for s in SENT])
        self.emojis = PieceTable([vocabulary.EMOJIS[s] for s in SENT])
        self.topic_tags = PieceTable([vocabulary.TOPIC_HASHTAGS[t] for t in rates.TOPICS])

        # Mentions: per brand alias, lowercase alias, handle, hashtag (falling back to alias).
        mention_groups = []
        for brand in self.brands:
            aliases = list(brand.aliases)
            mention_groups += [
                aliases,
                [a.lower() for a in aliases],
                list(brand.handles) or aliases,
                list(brand.hashtags) or aliases,
            ]
        self.mentions = PieceTable(mention_groups)
        self.brand_tags = PieceTable([list(b.hashtags) or [""] for b in self.brands])
        self.aliases = PieceTable([list(b.aliases) for b in self.brands])

        self.non_english = PieceTable(
            [
                expand(vocabulary.NON_ENGLISH[lang][intent], fillers)
                for lang in rates.LANGS[1:]
                for intent in rates.INTENTS
            ]
        )

        normal, hard = [], []
        for brand in self.brands:
            for term in brand.exclude:
                curated = vocabulary.UNRELATED_BY_TERM.get(term.lower())
                frames = [f.replace("{term}", term) for f in vocabulary.UNRELATED_FRAMES]
                normal += list(curated or frames)
            for alias in brand.aliases:
                hard += vocabulary.UNRELATED_HARD.get(alias.lower(), ())
        if not normal:  # no exclusion terms configured: unrelated posts about the weather
            normal = ["storm clouds rolling in", "long run this morning, legs are done"]
        self.unrelated = PieceTable([normal, hard or normal])

        self.spam = PieceTable(
            [expand(vocabulary.SPAM, {**vocabulary.SPAM_FILLERS, **fillers, "tag": ()})]
        )
        self.spam_hosts = PieceTable([vocabulary.SPAM_FILLERS["url_host"]])
        self.spam_tags = PieceTable([vocabulary.SPAM_FILLERS["tag"]])

        # Own posts: announcement groups are campaigns (tracked kinds, then one per competitor).
        announce_groups = []
        tracked = self.brands[0]
        for kind in self.tracked_campaigns:
            announce_groups.append(self._brand_phrases(vocabulary.ANNOUNCEMENTS[kind], tracked))
        for brand in self.brands[1:]:
            announce_groups.append(
                self._brand_phrases(vocabulary.ANNOUNCEMENTS["competitor"], brand)
            )
        self.announcements = PieceTable(announce_groups)
        signed = {"sig": vocabulary.SIGNATURES}
        self.replies = PieceTable(
            [
                expand(vocabulary.REPLIES["complaint"], signed),
                expand(vocabulary.REPLIES["purchase_intent"], signed),
            ]
        )
        self.generic_own = PieceTable([list(vocabulary.GENERIC_OWN)])
        self.typo_from = list(vocabulary.TYPOS)
        self.typo_to = list(vocabulary.TYPOS.values())

    @staticmethod
    def _brand_phrases(templates: Sequence[str], brand: Brand) -> list[str]:
        tags = list(brand.hashtags) or [""]
        phrases = expand(templates, {**vocabulary.FILLERS, "tag": tags, "name": (brand.name,)})
        return [p.rstrip() for p in phrases]

    # -- pieces ---------------------------------------------------------------------------------

    def _mention(
        self, st: Stream, name: str, rows: np.ndarray, brand: np.ndarray, platform: str
    ) -> pl.Series:
        alias_p, handle_p, _ = rates.MENTION_FORMS.get(platform, (1.0, 0.0, 0.0))
        u = st.uniform(name + ".form", rows)
        form = np.where(u < alias_p, 0, np.where(u < alias_p + handle_p, 2, 3))
        lower = (form == 0) & (st.uniform(name + ".lower", rows) < rates.LOWERCASE_ALIAS_RATE)
        form = np.where(lower, 1, form)
        group = np.maximum(brand, 0) * _MENTION_FORMS + form
        return self.mentions.take(group, st.uniform(name + ".pick", rows))

    def _optional(
        self, table: PieceTable, st: Stream, name: str, rows: np.ndarray, group, rate: float
    ) -> pl.Series:
        pieces = table.take(group, st.uniform(name, rows))
        keep = pl.Series(st.uniform(name + ".on", rows) < rate)
        return pl.select(pl.when(keep).then(pl.lit(pieces)).otherwise(pl.lit(""))).to_series()

    def link(
        self,
        brand: np.ndarray,
        campaign_names: pl.Series,
        paths: pl.Series,
        platform: str,
        post_ids: pl.Series,
    ) -> pl.Series:
        """Tracked links: https://<website><path>?utm_source=...&utm_content=<post id>."""
        sites = pl.Series([f"https://{_website(b)}" for b in self.brands]).gather(brand)
        return (
            sites
            + paths
            + f"?utm_source={platform}&utm_medium=social&utm_campaign="
            + campaign_names
            + "&utm_content="
            + post_ids
        )

    # -- texts ----------------------------------------------------------------------------------

    def organic(
        self,
        st: Stream,
        platform: str,
        rows: np.ndarray,
        brand1: np.ndarray,
        brand2: np.ndarray,
        intent: np.ndarray,
        sentiment: np.ndarray,
        topic: np.ndarray,
        links: pl.Series | None = None,
        lang: np.ndarray | None = None,
    ) -> pl.Series:
        """Customer posts about brands (English unless `lang` says otherwise)."""
        if len(rows) == 0:
            return pl.Series([], dtype=pl.String)
        n_int, n_sent, n_top = len(rates.INTENTS), len(SENT), len(rates.TOPICS)
        comparison = brand2 >= 0
        body_group = np.where(
            comparison,
            n_int * n_sent + (intent * n_sent + sentiment) * n_top + topic,
            intent * n_sent + sentiment,
        )
        body = self.bodies.take(body_group, st.uniform("t.body", rows))
        detail = self.details.take(intent * n_top + topic, st.uniform("t.detail", rows))
        opener = self.openers.take(sentiment, st.uniform("t.open", rows))
        closer = self.closers.take(sentiment, st.uniform("t.close", rows))
        emoji = self._optional(
            self.emojis, st, "t.emoji", rows, sentiment, rates.EMOJI_RATE.get(platform, 0.2)
        )
        brand_tag = self.brand_tags.take(np.maximum(brand1, 0), st.uniform("t.btag", rows))
        topic_tag = self.topic_tags.take(topic, st.uniform("t.ttag", rows))
        tag_rate = rates.HASHTAG_TAIL_RATE.get(platform, 0.0)
        u_tag = st.uniform("t.tag", rows)
        first_tag = np.where(st.uniform("t.tagkind", rows) < 0.5, 1, 2)
        two_tags = (platform == "instagram") & (st.uniform("t.tag2", rows) < 0.5)
        mention1 = self._mention(st, "t.m1", rows, brand1, platform)
        mention2 = self._mention(st, "t.m2", rows, brand2, platform)
        typo = st.uniform("t.typo", rows) < rates.TYPO_RATE
        shout = (
            (intent == rates.COMPLAINT)
            & (sentiment == rates.NEGATIVE)
            & (st.uniform("t.shout", rows) < rates.SHOUTING_RATE)
            & (platform in _SHOUTING_PLATFORMS)
        )
        capital = st.uniform("t.capital", rows) < 0.3
        frame = _frame(
            body=body,
            detail=detail,
            opener=opener,
            closer=closer,
            emoji=emoji,
            brand_tag=brand_tag,
            topic_tag=topic_tag,
            tagged=u_tag < tag_rate,
            first_tag=first_tag,
            two_tags=two_tags,
            m1=mention1,
            m2=mention2,
            typo=typo,
            capital=capital,
            link=links if links is not None else pl.Series([""] * len(rows), dtype=pl.String),
        )
        shout = shout & (frame["link"] == "").to_numpy()
        frame = frame.with_columns(shout=pl.Series(shout))
        if lang is not None:
            non_english = lang > 0
            if non_english.any():
                frame = self._non_english(frame, st, rows, brand1, intent, lang)
        first = (
            pl.when((pl.col("first_tag") == 1) & (pl.col("brand_tag") != ""))
            .then(pl.col("brand_tag"))
            .otherwise(pl.col("topic_tag"))
        )
        second = pl.when(pl.col("two_tags")).then(" " + pl.col("topic_tag")).otherwise(pl.lit(""))
        tags = pl.when(pl.col("tagged")).then(" " + first + second).otherwise(pl.lit(""))
        link = pl.when(pl.col("link") == "").then(pl.lit("")).otherwise(" " + pl.col("link"))
        pieces = [pl.col("opener"), pl.col("body"), pl.col("closer"), pl.col("emoji"), tags, link]
        text = (
            pl.concat_str(pieces)
            .str.replace_all("{d}", pl.col("detail"), literal=True)
            .str.replace_all("{b}", pl.col("m1"), literal=True)
            .str.replace_all("{b2}", pl.col("m2"), literal=True)
        )
        frame = frame.with_columns(text=text)
        typo = pl.col("text").str.replace_many(self.typo_from, self.typo_to)
        capitalised = pl.col("text").str.slice(0, 1).str.to_uppercase() + pl.col("text").str.slice(1)
        frame = frame.with_columns(
            text=pl.when(pl.col("typo")).then(typo).otherwise(pl.col("text"))
        ).with_columns(
            text=pl.when(pl.col("shout"))
            .then(pl.col("text").str.to_uppercase())
            .when(pl.col("capital"))
            .then(capitalised)
            .otherwise(pl.col("text"))
        )
        return frame["text"]

    def _non_english(
        self,
        frame: pl.DataFrame,
        st: Stream,
        rows: np.ndarray,
        brand1: np.ndarray,
        intent: np.ndarray,
        lang: np.ndarray,
    ) -> pl.DataFrame:
        """Swap in a translated body for non-English rows (aliases only, no extras)."""
        non_english = lang > 0
        group = np.maximum(lang - 1, 0) * len(rates.INTENTS) + intent
        body = self.non_english.take(group, st.uniform("t.foreign", rows))
        alias = self.aliases.take(np.maximum(brand1, 0), st.uniform("t.alias", rows))
        keep = pl.Series(non_english)
        return frame.with_columns(
            body=pl.when(keep).then(pl.lit(body)).otherwise(pl.col("body")),
            m1=pl.when(keep).then(pl.lit(alias)).otherwise(pl.col("m1")),
            opener=pl.when(keep).then(pl.lit("")).otherwise(pl.col("opener")),
            closer=pl.when(keep).then(pl.lit("")).otherwise(pl.col("closer")),
            tagged=pl.when(keep).then(False).otherwise(pl.col("tagged")),
            typo=pl.when(keep).then(False).otherwise(pl.col("typo")),
            shout=pl.when(keep).then(False).otherwise(pl.col("shout")),
        )

    def unrelated(self, st: Stream, rows: np.ndarray) -> pl.Series:
        """A brand word in another sense (weather, games, space, fitness)."""
        hard = (st.uniform("t.hard", rows) < vocabulary.UNRELATED_HARD_SHARE).astype(np.int64)
        text = self.unrelated.take(hard, st.uniform("t.unrelated", rows))
        emoji = self._optional(self.emojis, st, "t.emoji", rows, np.full(len(rows), 1), 0.2)
        capital = pl.Series(st.uniform("t.capital", rows) < 0.4)
        return pl.select(
            pl.when(capital)
            .then(pl.lit(text).str.slice(0, 1).str.to_uppercase() + pl.lit(text).str.slice(1))
            .otherwise(pl.lit(text))
            + pl.lit(emoji)
        ).to_series()

    def spam(self, st: Stream, rows: np.ndarray) -> pl.Series:
        """Follower selling, crypto giveaways, 'DM for promo' (often with a brand hashtag)."""
        template = self.spam.take(np.zeros(len(rows), dtype=np.int64), st.uniform("t.spam", rows))
        host = self.spam_hosts.take(np.zeros(len(rows), np.int64), st.uniform("t.host", rows))
        code = token(st.bits("t.code", rows), 7, BASE62)
        brand = st.below("t.sbrand", rows, len(self.brands))
        brand_tag = self.brand_tags.take(brand, st.uniform("t.sbtag", rows))
        other_tag = self.spam_tags.take(np.zeros(len(rows), np.int64), st.uniform("t.stag", rows))
        use_brand = pl.Series(st.uniform("t.sbrandon", rows) < vocabulary.SPAM_BRAND_TAG_RATE)
        tag = pl.select(
            pl.when(use_brand & (brand_tag != "")).then(brand_tag).otherwise(other_tag)
        ).to_series()
        frame = _frame(template=template, url=host + code, tag=tag)
        return frame.select(
            pl.col("template")
            .str.replace_all("{url}", pl.col("url"), literal=True)
            .str.replace_all("{tag}", pl.col("tag"), literal=True)
        ).to_series()

    def announcement(
        self,
        st: Stream,
        rows: np.ndarray,
        group: np.ndarray,
        links: pl.Series,
    ) -> pl.Series:
        """A brand's own post promoting a campaign, with its tracked link."""
        template = self.announcements.take(group, st.uniform("t.announce", rows))
        frame = _frame(template=template, link=links)
        return frame.select(
            pl.col("template").str.replace_all("{link}", pl.col("link"), literal=True)
        ).to_series()

    def reply(
        self,
        st: Stream,
        platform: str,
        rows: np.ndarray,
        target_intent: np.ndarray,
        target_handles: pl.Series,
    ) -> pl.Series:
        """A brand account answering a complaint (apology, DM us) or a purchase question."""
        group = (target_intent == rates.PURCHASE).astype(np.int64)
        text = self.replies.take(group, st.uniform("t.reply", rows))
        if platform in ("x", "instagram", "youtube"):
            return target_handles + " " + text
        return text

    def generic_own(self, st: Stream, rows: np.ndarray) -> pl.Series:
        return self.generic_own.take(np.zeros(len(rows), np.int64), st.uniform("t.generic", rows))


def escape(platform: str, st: Stream, rows: np.ndarray, texts: pl.Series) -> pl.Series:
    """Export quirks: X escapes &, < and >; scraped review pages sometimes keep HTML entities."""
    if platform == "x":
        return texts.str.replace_all("&", "&amp;", literal=True).str.replace_many(
            ["<", ">"], ["&lt;", "&gt;"]
        )
    if platform == "reviews":
        scraped = pl.Series(st.uniform("t.entities", rows) < rates.REVIEW_ENTITY_RATE)
        escaped = texts.str.replace_all("&", "&amp;", literal=True).str.replace_all(
            "'", "&#39;", literal=True
        )
        return pl.select(pl.when(scraped).then(escaped).otherwise(texts)).to_series()
    return texts
