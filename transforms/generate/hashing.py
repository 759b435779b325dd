"""Counter-based random numbers.

Every random value is a pure function of (stream key, field name, row number), computed with the
splitmix64 finalizer over numpy arrays. A row therefore looks the same whether it is generated
alone, in a chunk of 10 or in a chunk of 100k, and any earlier row (a retweeted original, the
complaint a brand answers) can be recomputed on demand instead of being kept in memory.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / (1 << 53)


def stable_hash(*parts: object) -> int:
    """A 64-bit hash of `parts` that is the same in every process (unlike `hash()`)."""
    digest = hashlib.blake2b(digest_size=8)
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\x1f")
    return int.from_bytes(digest.digest(), "little")


def mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer: a bijection on uint64, so distinct inputs give distinct outputs."""
    x = np.asarray(values, dtype=np.uint64).copy()
    x ^= x >> np.uint64(30)
    x *= _M1
    x ^= x >> np.uint64(27)
    x *= _M2
    x ^= x >> np.uint64(31)
    return x


def permute_bits(values: np.ndarray, bits: int, salt: int = 0) -> np.ndarray:
    """A salted bijection on [0, 2**bits): scrambles sequential counters into unique ids."""
    mask = np.uint64((1 << bits) - 1)
    half = np.uint64(max(1, bits // 2))
    x = (np.asarray(values, dtype=np.uint64) ^ np.uint64(salt)) & mask
    for multiplier in (0x9E3779B97F4A7C15, 0xD6E8FEB86659FD93, 0xBF58476D1CE4E5B9):
        x = (x * np.uint64(multiplier | 1)) & mask  # odd multiplier: invertible mod 2**bits
        x ^= x >> half  # xorshift: invertible
    return x


@lru_cache(maxsize=8192)
def _field_key(key: int, name: str) -> int:
    return stable_hash(key, name)


class Stream:
    """Random fields for the rows of one (seed, day, source) or any other keyed unit."""

    __slots__ = ("key",)

    def __init__(self, *parts: object) -> None:
        self.key = stable_hash(*parts)

    def child(self, *parts: object) -> Stream:
        return Stream(self.key, *parts)

    def bits(self, name: str, rows: np.ndarray) -> np.ndarray:
        base = np.asarray(rows).astype(np.uint64) * _GOLDEN
        return mix64(base + np.uint64(_field_key(self.key, name)))

    def uniform(self, name: str, rows: np.ndarray) -> np.ndarray:
        """Floats in [0, 1)."""
        return (self.bits(name, rows) >> np.uint64(11)).astype(np.float64) * _TO_UNIT

    def below(self, name: str, rows: np.ndarray, bound: int | np.ndarray) -> np.ndarray:
        """Integers in [0, bound) (bound may differ per row)."""
        return (self.uniform(name, rows) * bound).astype(np.int64)

    def normal(self, name: str, rows: np.ndarray) -> np.ndarray:
        """Standard normal values (Box-Muller on two independent uniforms)."""
        u1 = 1.0 - self.uniform(name + "#1", rows)
        u2 = self.uniform(name + "#2", rows)
        return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)

    def lognormal(self, name: str, rows: np.ndarray, median: float, sigma: float) -> np.ndarray:
        return median * np.exp(sigma * self.normal(name, rows))


def cumulative(probabilities: np.ndarray) -> np.ndarray:
    """Running sums normalised to end at exactly 1 (last axis)."""
    p = np.asarray(probabilities, dtype=np.float64)
    cum = np.cumsum(p, axis=-1)
    cum = cum / cum[..., -1:]
    cum[..., -1] = 1.0
    return cum


def pick(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Category for each uniform `u`: the first index whose cumulative probability exceeds it."""
    return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1).astype(np.int64)


def pick_rows(cum_table: np.ndarray, group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Like `pick`, with one cumulative distribution per row (`cum_table[group]`).

    The tables are stacked as [0, 1), [1, 2), ... so one searchsorted serves every group.
    """
    groups, size = cum_table.shape
    stacked = (cum_table + np.arange(groups)[:, None]).ravel()
    index = np.searchsorted(stacked, u + group, side="right") - group * size
    return np.minimum(index, size - 1).astype(np.int64)


class Keys:
    """Counter keys of rows that come from several streams (e.g. several day files).

    Draws equal what each stream would draw for its own rows, computed in one vectorised pass.
    """

    __slots__ = ("parts", "_rows", "_lengths")

    def __init__(self, parts: list[tuple[Stream, np.ndarray]]) -> None:
        self.parts = [(stream, np.asarray(rows, dtype=np.int64)) for stream, rows in parts]
        self._rows = (
            np.concatenate([rows for _, rows in self.parts]).astype(np.uint64) * _GOLDEN
            if self.parts
            else np.zeros(0, dtype=np.uint64)
        )
        self._lengths = [len(rows) for _, rows in self.parts]

    def __len__(self) -> int:
        return len(self._rows)

    def bits(self, name: str) -> np.ndarray:
        if len(self.parts) == 1:
            offset = np.uint64(_field_key(self.parts[0][0].key, name))
        else:
            keys = np.array([_field_key(s.key, name) for s, _ in self.parts], dtype=np.uint64)
            offset = np.repeat(keys, self._lengths)
        return mix64(self._rows + offset)

    def uniform(self, name: str) -> np.ndarray:
        return (self.bits(name) >> np.uint64(11)).astype(np.float64) * _TO_UNIT

    def below(self, name: str, bound: int | np.ndarray) -> np.ndarray:
        return (self.uniform(name) * bound).astype(np.int64)

    def normal(self, name: str) -> np.ndarray:
        u1 = 1.0 - self.uniform(name + "#1")
        u2 = self.uniform(name + "#2")
        return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)

    def lognormal(self, name: str, median: float, sigma: float) -> np.ndarray:
        return median * np.exp(sigma * self.normal(name))

    def subset(self, index: np.ndarray) -> Keys:
        """The keys of rows `index` (sorted positions in this batch)."""
        parts = []
        start = 0
        for stream, rows in self.parts:
            lo, hi = np.searchsorted(index, [start, start + len(rows)])
            if hi > lo:
                parts.append((stream, rows[index[lo:hi] - start]))
            start += len(rows)
        return Keys(parts)
