"""Platform-looking native ids for posts and authors, unique by construction.

Post ids are built from (day, row) and the post time, never from random draws, so two posts can
never collide: x and instagram ids are snowflakes (time in the high bits, row in the low bits),
reddit ids are sequential base36 like the real site, facebook and review ids scramble the counter
with a bijection.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from transforms.generate.hashing import mix64, permute_bits

ID_EPOCH = dt.date(2015, 1, 1)
ROW_BITS = 27  # rows per (day, platform) are < 2**27 (posts_per_day is at most 10M)
X_EPOCH_MS = 1_288_834_974_657  # twitter snowflake epoch
INSTAGRAM_EPOCH_MS = 1_314_220_021_721
YOUTUBE_EPOCH_MS = 1_136_073_600_000

BASE36_LOWER = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE36_UPPER = BASE36_LOWER.upper()
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE64URL = BASE62 + "-_"


def encode(values: np.ndarray, alphabet: str, width: int) -> pl.Series:
    """Fixed-width base-N strings of unsigned integers (vectorised)."""
    v = np.asarray(values, dtype=np.uint64).copy()
    base = np.uint64(len(alphabet))
    digits = np.empty((len(v), width), dtype=np.uint8)
    for k in range(width - 1, -1, -1):
        digits[:, k] = (v % base).astype(np.uint8)
        v //= base
    table = np.frombuffer(alphabet.encode("ascii"), dtype=np.uint8)
    chars = np.ascontiguousarray(table[digits])
    if len(v) == 0:
        return pl.Series([], dtype=pl.String)
    # Fixed-width ASCII bytes -> Binary -> String is much faster than numpy unicode arrays.
    return pl.Series(chars.view(f"S{width}").ravel()).cast(pl.String)


def token(values: np.ndarray, width: int = 22, alphabet: str = BASE64URL) -> pl.Series:
    """Random-looking tokens (click ids, short links) from unique counters."""
    high = encode(mix64(values), alphabet, 11)
    low = encode(mix64(mix64(values) ^ np.uint64(0x5DEECE66D)), alphabet, max(1, width - 11))
    return (high + low).str.slice(0, width)


def day_offset(day: dt.date) -> int:
    return (day - ID_EPOCH).days


def counters(day: dt.date, rows: np.ndarray) -> np.ndarray:
    """(day, row) packed into one integer, unique over days and rows."""
    return (np.uint64(day_offset(day)) << np.uint64(ROW_BITS)) | rows.astype(np.uint64)


def _snowflake(ms: np.ndarray, rows: np.ndarray, epoch_ms: int, seq_bits: int) -> pl.Series:
    # Rows sharing a millisecond are consecutive, so the row's low bits keep ids unique.
    high = (ms - epoch_ms).astype(np.uint64) << np.uint64(seq_bits)
    low = rows.astype(np.uint64) & np.uint64((1 << seq_bits) - 1)
    return pl.Series(high | low).cast(pl.String)


def post_ids(
    platform: str, day: dt.date, rows: np.ndarray, ms: np.ndarray, comment: np.ndarray
) -> pl.Series:
    """Native post ids; `rows` are numbered per (day, platform); `comment` marks reddit comments."""
    if platform == "x":
        return _snowflake(ms, rows, X_EPOCH_MS, 22)
    if platform == "instagram":
        return _snowflake(ms, rows, INSTAGRAM_EPOCH_MS, 23)
    if platform == "youtube":
        return _snowflake(ms, rows, YOUTUBE_EPOCH_MS, 20)
    counter = counters(day, rows)
    if platform == "reddit":
        body = encode(counter + np.uint64(36**7), BASE36_LOWER, 8)
        prefix = pl.Series(np.where(comment, "t1_", "t3_"), dtype=pl.String)
        return prefix + body
    if platform == "facebook":
        page = pl.Series(100_000_000_000_000 + permute_bits(counter >> np.uint64(20), 46, 7))
        post = pl.Series(1_000_000_000_000_000 + permute_bits(counter, 59, 11))
        return page.cast(pl.String) + "_" + post.cast(pl.String)
    # reviews and any other platform: an opaque review-site id
    return "R" + encode(permute_bits(counter, 60, 13), BASE36_UPPER, 12)


def author_ids(platform: str, authors: np.ndarray) -> pl.Series:
    """Native author ids; `authors` are indices in the platform's author space (< 2**40)."""
    a = authors.astype(np.uint64)
    if platform == "x":
        return pl.Series(1_000_000_000 + permute_bits(a, 40, 1)).cast(pl.String)
    if platform == "reddit":
        return "t2_" + encode(permute_bits(a, 40, 2), BASE36_LOWER, 8)
    if platform == "facebook":
        return pl.Series(100_000_000_000_000 + permute_bits(a, 46, 3)).cast(pl.String)
    if platform == "instagram":
        return pl.Series(1_000_000_000 + permute_bits(a, 40, 4)).cast(pl.String)
    if platform == "youtube":
        return "UC" + token(permute_bits(a, 64, 5), 22)
    return "A" + encode(permute_bits(a, 50, 6), BASE36_UPPER, 11)
