"""The peer baseline of `listener bench`: the same posts, processed the way typical open-source
social-sentiment pipelines are written (a notebook grown into a script): pandas reads each
export, cleans the text and finds the brand with per-row Python functions, VADER scores every
post in a row-by-row `apply`, and each post is inserted into DuckDB with its own INSERT. It then
counts posts per brand and sentiment, the simplest mart.

It does much less than Listener (no quality gates, no spam, duplicate or relevance checks, no
intent, no funnel, no dbt tests): the ratio measures how the work is done, not a like-for-like
product. Written by us for the comparison; no third-party pipeline's code is used.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from transforms.config import Config

URL = re.compile(r"https?://\S+")


def _read_exports(config: Config, day: dt.date) -> pd.DataFrame:
    frames = []
    for source in config.sources:
        if source.path is None:  # an API source: the bench turns every source into a file drop
            continue
        path = config.data_dir / source.path / f"{day.isoformat()}.{source.format}"
        if not path.exists():
            continue
        frame = pd.read_json(path, lines=True) if source.format == "jsonl" else pd.read_csv(path)
        frame["platform"] = source.platform_name
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _brand_finder(config: Config):
    brands = [(b.slug, [a.lower() for a in b.aliases]) for b in config.brands.all]

    def brand_of(text: str) -> str | None:
        for slug, aliases in brands:
            if any(alias in text for alias in aliases):
                return slug
        return None

    return brand_of


def run_baseline(config: Config, day: dt.date, warehouse: Path) -> dict[str, Any]:
    """Time each step of the baseline on the day's exports; the seconds of each and in all."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    steps: dict[str, float] = {}
    started = time.perf_counter()
    rows = _read_exports(config, day)
    posts = rows.drop_duplicates(["platform", "id"])
    steps["read"] = time.perf_counter() - started

    mark = time.perf_counter()
    posts["clean_text"] = posts["text"].astype(str).apply(lambda t: URL.sub("", t).lower().strip())
    posts["brand"] = posts["clean_text"].apply(_brand_finder(config))
    steps["clean"] = time.perf_counter() - mark

    mark = time.perf_counter()
    analyzer = SentimentIntensityAnalyzer()
    posts["compound"] = (
        posts["text"].astype(str).apply(lambda t: analyzer.polarity_scores(t)["compound"])
    )
    posts["sentiment"] = posts["compound"].apply(
        lambda c: "positive" if c >= 0.05 else ("negative" if c <= -0.05 else "neutral")
    )
    steps["classify"] = time.perf_counter() - mark

    mark = time.perf_counter()
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists baseline")
        con.execute(
            "create or replace table baseline.posts (post_id varchar, platform varchar, "
            "created_at varchar, brand varchar, sentiment varchar, compound double, text varchar)"
        )
        for row in posts.itertuples(index=False):
            con.execute(
                "insert into baseline.posts values (?, ?, ?, ?, ?, ?, ?)",
                [str(row.id), row.platform, str(row.created_at), row.brand, row.sentiment,
                 float(row.compound), row.clean_text],
            )  # fmt: skip
        steps["insert"] = time.perf_counter() - mark
        mark = time.perf_counter()
        marts = con.execute(
            "select brand, sentiment, count(*) from baseline.posts group by all"
        ).fetchall()
        steps["aggregate"] = time.perf_counter() - mark
    return {
        "seconds": time.perf_counter() - started,
        "rows_read": len(rows),
        "posts": len(posts),
        "steps": {k: round(v, 3) for k, v in steps.items()},
        "mart_rows": len(marts),
    }
