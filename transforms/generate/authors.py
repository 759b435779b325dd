"""Who writes the posts: a seeded pool of people, a pool of spam accounts and the brands' accounts.

Authors are indices; every attribute (handle, id, followers, badge) is a pure function of the
index, so the pool costs no memory however large it is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from transforms.generate import rates
from transforms.generate.hashing import Stream, stable_hash

SPAM_BASE = 1 << 36  # author index spaces: people < SPAM_BASE <= spam < BRAND_BASE <= brands
BRAND_BASE = 1 << 37

# fmt: off
_FIRST = [
    "sarah", "mike", "jess", "dan", "emma", "chris", "alex", "taylor", "jordan", "sam", "nina",
    "omar", "lucas", "maria", "kevin", "priya", "tom", "rachel", "diego", "hannah", "ben",
    "olivia", "marcus", "zoe", "tyler", "aisha", "jake", "lily", "noah", "grace", "ethan",
    "mia", "carlos", "ava", "ryan", "chloe", "liam", "sofia", "derek", "jade", "kyle", "nora",
    "luis", "ruby", "matt", "elena", "josh", "ivy",
]
_LAST = [
    "smith", "lopez", "nguyen", "patel", "kim", "brown", "garcia", "miller", "jones", "davis",
    "wilson", "moore", "clark", "lee", "walker", "hall", "young", "king", "wright", "scott",
    "green", "baker", "adams", "nelson", "hill", "rivera",
]
_WORDS = [
    "coffee", "tech", "runner", "gamer", "travels", "photo", "music", "foodie", "dad", "mom",
    "builds", "codes", "reads", "hikes", "bikes", "cooks", "films", "sports", "cats", "dogs",
    "plants", "vinyl",
]
_SPAM_STEMS = [
    "promo_deals", "free_followers", "crypto_kings", "giveaway_daily", "cash_app_win",
    "best_offers", "follow4follow", "earn_fast", "btc_signals", "gift_card_drop",
    "deal_hunter_bot", "viral_boost",
]
# fmt: on


def _stems() -> list[str]:
    stems: list[str] = []
    for i, first in enumerate(_FIRST):
        last = _LAST[i % len(_LAST)]
        word = _WORDS[i % len(_WORDS)]
        stems += [
            f"{first}_{last}",
            f"{first}{last[0]}",
            f"the_real_{first}",
            f"{first}_{word}",
            f"{word}_{first}",
            f"{first}{last}",
            f"{first[0]}{last}",
            f"its_{first}",
        ]
    return list(dict.fromkeys(stems))  # no stem ends in a digit, so stem + index is unique


STEMS = pl.Series(_stems(), dtype=pl.String)
SPAM_STEMS = pl.Series(_SPAM_STEMS, dtype=pl.String)


class Authors:
    """Author attributes; authors are (platform code, index) pairs so pools never overlap."""

    def __init__(self, seed: int, pool_sizes: dict[int, int], brand_handles: list[str]) -> None:
        self.stream = Stream(seed, "authors")
        self.pool = np.zeros(max(pool_sizes, default=0) + 1, dtype=np.int64)
        for code, size in pool_sizes.items():
            self.pool[code] = max(50, size)
        self.brand_handles = pl.Series(brand_handles or [""], dtype=pl.String)

    @staticmethod
    def _keys(platform: np.ndarray, authors: np.ndarray) -> np.ndarray:
        return (platform.astype(np.int64) << 40) | authors

    def pick_people(self, platform: np.ndarray, u: np.ndarray) -> np.ndarray:
        # u**2.2 puts more weight on low indices: a few authors post a lot, most post rarely.
        pool = self.pool[platform]
        return np.minimum((pool * u**2.2).astype(np.int64), pool - 1)

    def pick_spammers(self, platform: np.ndarray, u: np.ndarray) -> np.ndarray:
        return SPAM_BASE + (u * np.maximum(20, self.pool[platform] // 40)).astype(np.int64)

    def handles(self, platform: np.ndarray, authors: np.ndarray) -> pl.Series:
        """'@'-prefixed handles; brand accounts take their configured handle."""
        keys = self._keys(platform, authors)
        people = authors < SPAM_BASE
        spam = (authors >= SPAM_BASE) & (authors < BRAND_BASE)
        brand = authors >= BRAND_BASE
        bare = people & (authors < len(STEMS))  # the first authors get a handle without digits
        stem = STEMS.gather(np.where(bare, authors, self.stream.below("stem", keys, len(STEMS))))
        spam_stem = SPAM_STEMS.gather(self.stream.below("spam_stem", keys, len(SPAM_STEMS)))
        number = pl.Series(np.where(spam, authors - SPAM_BASE, authors)).cast(pl.String)
        own = self.brand_handles.gather(np.where(brand, authors - BRAND_BASE, 0))
        frame = pl.DataFrame(
            {
                "bare": bare,
                "spam": spam,
                "brand": brand,
                "stem": stem,
                "spam_stem": spam_stem,
                "number": number,
                "own": own,
            }
        )
        return frame.select(
            pl.when("brand")
            .then(pl.col("own"))
            .when("bare")
            .then("@" + pl.col("stem"))
            .when("spam")
            .then("@" + pl.col("spam_stem") + pl.col("number"))
            .otherwise("@" + pl.col("stem") + pl.col("number"))
        ).to_series()

    def followers(
        self, platform: np.ndarray, authors: np.ndarray, brand_followers: np.ndarray
    ) -> np.ndarray:
        """Heavy-tailed (lognormal) followers; brand accounts have `brand_followers[platform]`."""
        keys = self._keys(platform, authors)
        spam = (authors >= SPAM_BASE) & (authors < BRAND_BASE)
        median = np.where(spam, rates.SPAM_FOLLOWERS_MEDIAN, rates.FOLLOWERS_MEDIAN)
        sigma = np.where(spam, 1.0, rates.FOLLOWERS_SIGMA)
        followers = median * np.exp(sigma * self.stream.normal("followers", keys))
        followers = np.minimum(followers, 50_000_000).astype(np.int64)
        brand = authors >= BRAND_BASE
        followers[brand] = brand_followers[platform[brand], authors[brand] - BRAND_BASE]
        return followers

    def verified(
        self, platform: np.ndarray, authors: np.ndarray, followers: np.ndarray
    ) -> np.ndarray:
        people = authors < SPAM_BASE
        chance = rates.VERIFIED_RATE + 0.3 * (followers > 20_000)
        badge = people & (self.stream.uniform("verified", self._keys(platform, authors)) < chance)
        return badge | (authors >= BRAND_BASE)


def brand_followers(
    seed: int, platforms: Sequence[str], handles: Sequence[str], tracked: int
) -> np.ndarray:
    """Followers of each brand account (columns) per platform code (rows); the first `tracked`
    handles belong to the tracked brand, which has the largest audience."""
    out = np.zeros((len(platforms), max(1, len(handles))), dtype=np.int64)
    for p, platform in enumerate(platforms):
        for k, handle in enumerate(handles):
            u = stable_hash(seed, platform, handle) / 2**64
            base = 400_000 if k < tracked else 150_000
            out[p, k] = int(base * (0.5 + 1.5 * u))
    return out
