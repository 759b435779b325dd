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

from transforms.config import PLATFORMS, Brand
from transforms.generate import rates, vocabulary
from transforms.generate.hashing import Keys
from transforms.generate.ids import BASE62, token

SENT = rates.SENTIMENTS
MAX_VARIANTS = 40  # per phrase, after filler expansion
_MENTION_FORMS = 4  # alias, lowercase alias, handle, hashtag

# Per-platform parameters, indexed by platform code (position in config.PLATFORMS).
_PLATFORM_NAMES = pl.Series(PLATFORMS, dtype=pl.String)
_X, _INSTAGRAM, _REVIEWS = (PLATFORMS.index(p) for p in ("x", "instagram", "reviews"))
_ALIAS_P = np.array([rates.MENTION_FORMS[p][0] for p in PLATFORMS])
_HANDLE_P = np.array([rates.MENTION_FORMS[p][1] for p in PLATFORMS])
_EMOJI_P = np.array([rates.EMOJI_RATE[p] for p in PLATFORMS])
_TAG_P = np.array([rates.HASHTAG_TAIL_RATE[p] for p in PLATFORMS])
_SHOUT_OK = np.array([p in ("x", "facebook", "instagram", "youtube") for p in PLATFORMS])
_REPLY_MENTION = np.array([p in ("x", "instagram", "youtube") for p in PLATFORMS])
# Closer set per (intent, sentiment): rants close complaints, questions close with "thanks".
_CLOSER_KIND = np.array(
    [
        [vocabulary.CLOSER_KINDS.index(k) for k in kinds]
        for kinds in (
            ("negative", "question", "question"),  # complaint
            ("question", "question", "question"),  # purchase_intent
            ("question", "question", "question"),  # question
            ("positive", "positive", "positive"),  # praise
            ("negative", "question", "positive"),  # other
        )
    ]
)


def expand(phrases: Sequence[str], fillers: dict[str, Sequence[str]]) -> list[list[str]]:
    """Each phrase's variants with its filler placeholders replaced (capped per phrase)."""
    out: list[list[str]] = []
    for phrase in phrases:
        names = [name for name in fillers if "{" + name + "}" in phrase]
        variants = []
        for values in itertools.product(*(fillers[name] for name in names)):
            text = phrase
            for name, value in zip(names, values, strict=True):
                text = text.replace("{" + name + "}", value)
            variants.append(text)
        step = max(1, len(variants) // MAX_VARIANTS)
        out.append(variants[::step][:MAX_VARIANTS] or [phrase])
    return out


class PieceTable:
    """Phrase groups flattened into one Series. A row picks a phrase of its group uniformly,
    then one of the phrase's variants (so phrases with many filler values are not favoured)."""

    def __init__(self, groups: Sequence[Sequence[str | Sequence[str]]]) -> None:
        phrase_counts, variant_counts, flat = [], [], []
        for group in groups:
            phrases = [[p] if isinstance(p, str) else list(p) for p in group]
            if not phrases or any(not v for v in phrases):
                raise ValueError("every phrase group needs at least one phrase")
            phrase_counts.append(len(phrases))
            for variants in phrases:
                variant_counts.append(len(variants))
                flat.extend(variants)
        self.phrase_counts = np.array(phrase_counts, dtype=np.int64)
        self.phrase_offsets = _offsets(self.phrase_counts)
        self.variant_counts = np.array(variant_counts, dtype=np.int64)
        self.variant_offsets = _offsets(self.variant_counts)
        self.series = pl.Series(flat, dtype=pl.String)

    def take(self, group: np.ndarray, u: np.ndarray) -> pl.Series:
        scaled = u * self.phrase_counts[group]
        whole = scaled.astype(np.int64)
        phrase = self.phrase_offsets[group] + whole
        variant = ((scaled - whole) * self.variant_counts[phrase]).astype(np.int64)
        return self.series.gather(self.variant_offsets[phrase] + variant)


def _offsets(counts: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)


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


class TextMachine:
    """All phrase tables for one brand configuration."""

    def __init__(self, brands: Sequence[Brand], tracked_campaigns: Sequence[str]) -> None:
        self.brands = list(brands)
        self.tracked_campaigns = list(tracked_campaigns)  # kinds: switch_save, always_on, ...
        fillers = vocabulary.FILLERS
        n_int, n_sent = len(rates.INTENTS), len(SENT)

        # Bodies: groups (intent, sentiment) then (intent, sentiment, topic) for comparisons.
        body_groups = []
        for i in range(n_int):
            for s in range(n_sent):
                default = vocabulary.BODIES[f"{rates.INTENTS[i]}/neutral"]
                body_groups.append(
                    expand(_fallback(vocabulary.BODIES, _key(i, s), default), fillers)
                )
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
            every = [d for ds in by_topic.values() for d in ds]  # topics without own details
            for topic in rates.TOPICS:
                detail_groups.append(expand(by_topic.get(topic) or every, fillers))
        self.details = PieceTable(detail_groups)

        self.openers = PieceTable([vocabulary.OPENERS[s] for s in SENT])
        self.closers = PieceTable([vocabulary.CLOSERS[k] for k in vocabulary.CLOSER_KINDS])
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
        self.unrelated_phrases = PieceTable([normal, hard or normal])
        self.unrelated_emojis = PieceTable([vocabulary.UNRELATED_EMOJIS])

        coins = {"coin": vocabulary.SPAM_FILLERS["coin"]}  # {url} and {tag} are set per row
        self.spam_templates = PieceTable([expand(vocabulary.SPAM, {**fillers, **coins})])
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
        self.announcement_phrases = PieceTable(announce_groups)
        signed = {"sig": vocabulary.SIGNATURES}
        self.reply_phrases = PieceTable(
            [
                expand(vocabulary.REPLIES["complaint"], signed),
                expand(vocabulary.REPLIES["purchase_intent"], signed),
            ]
        )
        self.typo_from = list(vocabulary.TYPOS)
        self.typo_to = list(vocabulary.TYPOS.values())

    @staticmethod
    def _brand_phrases(templates: Sequence[str], brand: Brand) -> list[list[str]]:
        tags = list(brand.hashtags) or [""]
        phrases = expand(templates, {**vocabulary.FILLERS, "tag": tags, "name": (brand.name,)})
        return [[v.rstrip() for v in variants] for variants in phrases]

    # -- pieces ---------------------------------------------------------------------------------

    def _mention(self, keys: Keys, name: str, brand: np.ndarray, platform: np.ndarray) -> pl.Series:
        """How each row writes a brand: alias (sometimes lowercase), @handle or #hashtag."""
        u = keys.uniform(name + ".form")
        alias_p, handle_p = _ALIAS_P[platform], _HANDLE_P[platform]
        form = np.where(u < alias_p, 0, np.where(u < alias_p + handle_p, 2, 3))
        lower = (form == 0) & (keys.uniform(name + ".lower") < rates.LOWERCASE_ALIAS_RATE)
        form = np.where(lower, 1, form)
        group = np.maximum(brand, 0) * _MENTION_FORMS + form
        return self.mentions.take(group, keys.uniform(name + ".pick"))

    def _optional(
        self, table: PieceTable, keys: Keys, name: str, group: np.ndarray, rate: np.ndarray
    ) -> pl.Series:
        pieces = table.take(group, keys.uniform(name))
        keep = keys.uniform(name + ".on") < rate
        return pieces.scatter(np.flatnonzero(~keep), "")

    def link(
        self,
        brand: np.ndarray,
        campaign_names: pl.Series,
        paths: pl.Series,
        platform: np.ndarray,
        post_ids: pl.Series,
    ) -> pl.Series:
        """Tracked links: https://<website><path>?utm_source=...&utm_content=<post id>."""
        sites = pl.Series([f"https://{_website(b)}" for b in self.brands]).gather(brand)
        return (
            sites
            + paths
            + "?utm_source="
            + _PLATFORM_NAMES.gather(platform)
            + "&utm_medium=social&utm_campaign="
            + campaign_names
            + "&utm_content="
            + post_ids
        )

    # -- texts ----------------------------------------------------------------------------------

    def organic(
        self,
        keys: Keys,
        platform: np.ndarray,
        brand1: np.ndarray,
        brand2: np.ndarray,
        intent: np.ndarray,
        sentiment: np.ndarray,
        topic: np.ndarray,
        links: pl.Series | None = None,
        lang: np.ndarray | None = None,
    ) -> pl.Series:
        """Customer posts about brands (English unless `lang` says otherwise)."""
        n = len(keys)
        if n == 0:
            return pl.Series([], dtype=pl.String)
        n_int, n_sent, n_top = len(rates.INTENTS), len(SENT), len(rates.TOPICS)
        lang = np.zeros(n, dtype=np.int64) if lang is None else lang
        foreign = lang > 0
        comparison = brand2 >= 0
        body_group = np.where(
            comparison,
            n_int * n_sent + (intent * n_sent + sentiment) * n_top + topic,
            intent * n_sent + sentiment,
        )
        body = self.bodies.take(body_group, keys.uniform("t.body"))
        detail = self.details.take(intent * n_top + topic, keys.uniform("t.detail"))
        # Openers only where the body starts with the brand ("ugh Nimbus is down again").
        opener = self.openers.take(sentiment, keys.uniform("t.open"))
        opener = opener.scatter(np.flatnonzero(~body.str.starts_with("{b}").to_numpy()), "")
        closer = self.closers.take(_CLOSER_KIND[intent, sentiment], keys.uniform("t.close"))
        emoji = self._optional(self.emojis, keys, "t.emoji", sentiment, _EMOJI_P[platform])
        mention1 = self._mention(keys, "t.m1", brand1, platform)
        mention2 = self._mention(keys, "t.m2", brand2, platform)

        # Trailing hashtags: the brand's own tag or a topic tag; instagram often adds a second.
        tagged = keys.uniform("t.tag") < _TAG_P[platform]
        brand_first = keys.uniform("t.tagkind") < 0.5
        brand_tag = self.brand_tags.take(np.maximum(brand1, 0), keys.uniform("t.btag"))
        topic_tag = self.topic_tags.take(topic, keys.uniform("t.ttag"))
        two_tags = (platform == _INSTAGRAM) & (keys.uniform("t.tag2") < 0.5)

        if foreign.any():  # translated bodies: aliases only, no English extras
            index = np.flatnonzero(foreign)
            group = (lang[index] - 1) * n_int + intent[index]
            sub = keys.subset(index)
            body = body.scatter(index, self.non_english.take(group, sub.uniform("t.foreign")))
            alias = self.aliases.take(np.maximum(brand1[index], 0), sub.uniform("t.alias"))
            mention1 = mention1.scatter(index, alias)
            opener = opener.scatter(index, "")
            closer = closer.scatter(index, "")
            tagged &= ~foreign

        links = links if links is not None else pl.Series([""] * n, dtype=pl.String)
        frame = pl.DataFrame(
            {
                "opener": opener,
                "body": body,
                "closer": closer,
                "emoji": emoji,
                "tagged": tagged,
                "brand_first": brand_first,
                "brand_tag": brand_tag,
                "topic_tag": topic_tag,
                "two_tags": two_tags,
                "link": links,
                "detail": detail,
                "m1": mention1,
                "m2": mention2,
            }
        )
        first_tag = (
            pl.when(pl.col("brand_first") & (pl.col("brand_tag") != ""))
            .then(pl.col("brand_tag"))
            .otherwise(pl.col("topic_tag"))
        )
        second_tag = (
            pl.when(pl.col("two_tags")).then(" " + pl.col("topic_tag")).otherwise(pl.lit(""))
        )
        tags = pl.when(pl.col("tagged")).then(" " + first_tag + second_tag).otherwise(pl.lit(""))
        link = pl.when(pl.col("link") == "").then(pl.lit("")).otherwise(" " + pl.col("link"))
        pieces = [pl.col("opener"), pl.col("body"), pl.col("closer"), pl.col("emoji"), tags, link]
        texts = frame.select(
            pl.concat_str(pieces)
            .str.replace_all("{d}", pl.col("detail"), literal=True)
            .str.replace_all("{b}", pl.col("m1"), literal=True)
            .str.replace_all("{b2}", pl.col("m2"), literal=True)
        ).to_series()

        # Human noise on a few English posts: typos, ALL CAPS rants, a capitalised first letter.
        english = ~foreign & (links == "").to_numpy()
        typo = np.flatnonzero(english & (keys.uniform("t.typo") < rates.TYPO_RATE))
        if len(typo):
            fixed = texts.gather(typo).str.replace_many(self.typo_from, self.typo_to)
            texts = texts.scatter(typo, fixed)
        shout = np.flatnonzero(
            english
            & (intent == rates.COMPLAINT)
            & (sentiment == rates.NEGATIVE)
            & _SHOUT_OK[platform]
            & (keys.uniform("t.shout") < rates.SHOUTING_RATE)
        )
        capital = np.flatnonzero(keys.uniform("t.capital") < 0.3)
        capital = np.setdiff1d(capital, shout, assume_unique=True)
        if len(capital):
            texts = texts.scatter(capital, _capitalise(texts.gather(capital)))
        if len(shout):
            texts = texts.scatter(shout, texts.gather(shout).str.to_uppercase())
        return texts

    def unrelated(self, keys: Keys) -> pl.Series:
        """A brand word in another sense (weather, games, space, fitness)."""
        n = len(keys)
        hard = (keys.uniform("t.hard") < vocabulary.UNRELATED_HARD_SHARE).astype(np.int64)
        texts = self.unrelated_phrases.take(hard, keys.uniform("t.unrelated"))
        zero = np.zeros(n, np.int64)
        emoji = self._optional(self.unrelated_emojis, keys, "t.emoji", zero, np.full(n, 0.2))
        capital = np.flatnonzero(keys.uniform("t.capital") < 0.4)
        if len(capital):
            texts = texts.scatter(capital, _capitalise(texts.gather(capital)))
        return texts + emoji

    def spam(self, keys: Keys) -> pl.Series:
        """Follower selling, crypto giveaways, 'DM for promo' (often with a brand hashtag)."""
        n = len(keys)
        zero = np.zeros(n, dtype=np.int64)
        template = self.spam_templates.take(zero, keys.uniform("t.spam"))
        url = self.spam_hosts.take(zero, keys.uniform("t.host")) + token(
            keys.bits("t.code"), 7, BASE62
        )
        brand = keys.below("t.sbrand", len(self.brands))
        brand_tag = self.brand_tags.take(brand, keys.uniform("t.sbtag"))
        tag = self.spam_tags.take(zero, keys.uniform("t.stag"))
        use_brand = (keys.uniform("t.sbrandon") < vocabulary.SPAM_BRAND_TAG_RATE) & (
            brand_tag != ""
        ).to_numpy()
        tag = tag.scatter(np.flatnonzero(use_brand), brand_tag.filter(pl.Series(use_brand)))
        frame = pl.DataFrame({"template": template, "url": url, "tag": tag})
        return frame.select(
            pl.col("template")
            .str.replace_all("{url}", pl.col("url"), literal=True)
            .str.replace_all("{tag}", pl.col("tag"), literal=True)
            .str.strip_chars_end()
        ).to_series()

    def announcement(self, keys: Keys, group: np.ndarray, links: pl.Series) -> pl.Series:
        """A brand's own post promoting a campaign, with its tracked link."""
        template = self.announcement_phrases.take(group, keys.uniform("t.announce"))
        frame = pl.DataFrame({"template": template, "link": links})
        return frame.select(
            pl.col("template").str.replace_all("{link}", pl.col("link"), literal=True)
        ).to_series()

    def reply(
        self,
        keys: Keys,
        platform: np.ndarray,
        target_intent: np.ndarray,
        target_handles: pl.Series,
    ) -> pl.Series:
        """A brand account answering a complaint (apology, DM us) or a purchase question."""
        group = (target_intent == rates.PURCHASE).astype(np.int64)
        texts = self.reply_phrases.take(group, keys.uniform("t.reply"))
        mention = np.flatnonzero(_REPLY_MENTION[platform])
        if len(mention):
            texts = texts.scatter(
                mention, target_handles.gather(mention) + " " + texts.gather(mention)
            )
        return texts


def _capitalise(texts: pl.Series) -> pl.Series:
    return texts.str.slice(0, 1).str.to_uppercase() + texts.str.slice(1)


def escape(keys: Keys, platform: np.ndarray, texts: pl.Series) -> pl.Series:
    """Export quirks: X escapes &, < and >; scraped review pages sometimes keep HTML entities."""
    x = np.flatnonzero(platform == _X)
    if len(x):
        escaped = texts.gather(x).str.replace_many(["&", "<", ">"], ["&amp;", "&lt;", "&gt;"])
        texts = texts.scatter(x, escaped)
    scraped = (platform == _REVIEWS) & (keys.uniform("t.entities") < rates.REVIEW_ENTITY_RATE)
    reviews = np.flatnonzero(scraped)
    if len(reviews):
        escaped = texts.gather(reviews).str.replace_many(["&", "'"], ["&amp;", "&#39;"])
        texts = texts.scatter(reviews, escaped)
    return texts
