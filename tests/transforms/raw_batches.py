"""Crafted raw-zone batches for the quality-gate and quarantine tests."""

from __future__ import annotations

import datetime as dt

import polars as pl

from transforms import raw_zone, schema

DAY = dt.date(2026, 10, 10)


def raw_posts(n: int, source: str, day: dt.date, batch_id: str, **overrides) -> pl.DataFrame:
    created = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
    columns = {
        "post_id": [f"{source}:{batch_id}:{i}" for i in range(n)],
        "platform": [source] * n,
        "native_id": [f"{batch_id}:{i}" for i in range(n)],
        "created_at": [created] * n,
        "author_id": [f"a{i}" for i in range(n)],
        "text": ["Nimbus Mobile support fixed my plan"] * n,
        "likes": [1] * n,
        "shares": [0] * n,
        "comments": [0] * n,
        "author_followers": [10] * n,
        "source": [source] * n,
        "batch_id": [batch_id] * n,
        "day": [day] * n,
    }
    columns.update(overrides)
    frame = pl.DataFrame(columns)
    return frame.with_columns(
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in schema.RAW_POST.items()
        if name not in frame.columns
    ).select(list(schema.RAW_POST))


def commit(
    config,
    source: str,
    day: dt.date,
    posts: pl.DataFrame,
    quarantined: int = 0,
    watermark_after: str | None = None,
) -> str:
    """Commit a batch of these posts (and `quarantined` rejected rows) to the raw zone."""
    batch_id = posts["batch_id"][0] if posts.height else f"{source}-{day}-empty"
    manifest = raw_zone.Manifest(
        batch_id=batch_id, source=source, day=day.isoformat(), kind="file",
        rows_read=posts.height + quarantined, rows_accepted=posts.height,
        rows_quarantined=quarantined, watermark_after=watermark_after,
        committed_at=(watermark_after or f"{day}T23:00:00Z").replace("Z", "+00:00"),
    )  # fmt: skip
    bad = pl.DataFrame(
        {"source": [source] * quarantined, "batch_id": [batch_id] * quarantined,
         "day": [day] * quarantined, "reason": ["not valid JSON"] * quarantined},
    )  # fmt: skip
    bad = bad.with_columns(
        pl.lit(None, dtype=t).alias(c) for c, t in schema.QUARANTINE.items() if c not in bad.columns
    ).select(list(schema.QUARANTINE))
    raw_zone.commit_batch(config, manifest, posts, bad)
    return batch_id
