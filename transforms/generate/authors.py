"""Who writes the posts: a seeded pool of people, a pool of spam accounts and the brands' accounts.

Authors are indices; every attribute (handle, id, followers, badge) is a pure function of the
index, so the pool costs no memory however large it is.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from transforms.generate import rates
from transforms.generate.hashing import Stream, stable_hash
from transforms.generate.ids import author_ids

SPAM_BASE = 1 << 36  # author index spaces: people < SPAM_BASE <= spam < BRAND_BASE <= brands
BRAND_BASE = 1 << 37

_FIRST = (
    "sarah mike jess dan emma chris alex taylor jordan sam nina omar lucas maria kevin priya "
    "tom rachel diego hannah ben olivia marcus zoe tyler aisha jake lily noah grace ethan mia "
    "carlos ava ryan chloe liam sofia derek jade kyle nora luis ruby matt elena josh ivy"
).split()
_LAST = (
    "smith lopez nguyen patel kim brown garcia miller jones davis wilson moore clark lee "
    "walker hall young king wright scott green baker adams nelson hill rivera"
).split()
_WORDS = (
    "coffee tech runner gamer travels photo music foodie dad mom builds codes reads "
    "hikes bikes cooks films sports cats dogs plants vinyl"
).split()
_SPAM_STEMS = (
    "promo_deals free_followers crypto_kings giveaway_daily cash_app_win best_offers "
    "follow4follow earn_fast btc_signals gift_card_drop deal_hunter_bot viral_boost"
).split()


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
    """Author attributes for one platform."""

    def __init__(self, seed: int, platform: str, pool_size: int) -> None:
        self.platform = platform
        self.pool_size = max(50, pool_size)
        self.stream = Stream(seed, "authors", platform)

    def pick_people(self, u: np.ndarray) -> np.ndarray:
        # u**2.2 puts more weight on low indices: a few authors post a lot, most post rarely.
        return np.minimum((self.pool_size * u**2.2).astype(np.int64), self.pool_size - 1)

    def pick_spammers(self, u: np.ndarray) -> np.ndarray:
        return SPAM_BASE + (u * max(20, self.pool_size // 40)).astype(np.int64)

    def handles(self, authors: np.ndarray, brand_handles: list[str]) -> pl.Series:
        """'@'-prefixed handles; brand accounts take their configured handle."""
        people = authors < SPAM_BASE
        spam = (authors >= SPAM_BASE) & (authors < BRAND_BASE)
        pick = self.stream.below("stem", authors, len(STEMS))
        spam_pick = self.stream.below("spam_stem", authors, len(SPAM_STEMS))
        bare = people & (authors < len(STEMS))  # the first authors get a handle without digits
        stem = STEMS.gather(np.where(bare, authors, pick))
        number = pl.Series(np.where(spam, authors - SPAM_BASE, authors)).cast(pl.String)
        spam_stem = SPAM_STEMS.gather(spam_pick)
        handle = pl.select(
            pl.when(pl.lit(pl.Series(bare)))
            .then(pl.lit(stem))
            .when(pl.lit(pl.Series(spam)))
            .then(pl.lit(spam_stem) + pl.lit(number))
            .otherwise(pl.lit(stem) + pl.lit(number))
        ).to_series()
        result = "@" + handle
        brand = authors >= BRAND_BASE
        if brand.any():
            own = pl.Series(brand_handles, dtype=pl.String).gather(authors[brand] - BRAND_BASE)
            result = result.scatter(np.flatnonzero(brand), own)
        return result

    def ids(self, authors: np.ndarray) -> pl.Series:
        return author_ids(self.platform, authors)

    def followers(self, authors: np.ndarray, brand_followers: np.ndarray) -> np.ndarray:
        spam = (authors >= SPAM_BASE) & (authors < BRAND_BASE)
        median = np.where(spam, rates.SPAM_FOLLOWERS_MEDIAN, rates.FOLLOWERS_MEDIAN)
        sigma = np.where(spam, 1.0, rates.FOLLOWERS_SIGMA)
        followers = median * np.exp(sigma * self.stream.normal("followers", authors))
        followers = np.minimum(followers, 50_000_000).astype(np.int64)
        brand = authors >= BRAND_BASE
        followers[brand] = brand_followers[authors[brand] - BRAND_BASE]
        return followers

    def verified(self, authors: np.ndarray, followers: np.ndarray) -> np.ndarray:
        people = authors < SPAM_BASE
        chance = rates.VERIFIED_RATE + 0.3 * (followers > 20_000)
        badge = people & (self.stream.uniform("verified", authors) < chance)
        return badge | (authors >= BRAND_BASE)


def brand_followers(seed: int, platform: str, handles: list[str], tracked: int) -> np.ndarray:
    """Follower counts of the brand accounts on a platform (large, the tracked brand's largest)."""
    out = []
    for k, handle in enumerate(handles):
        u = stable_hash(seed, platform, handle) / 2**64
        base = 400_000 if k < tracked else 150_000
        out.append(int(base * (0.5 + 1.5 * u)))
    return np.array(out, dtype=np.int64)
