"""Readers for the generated files (tests only)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from transforms import zones
from transforms.config import Config
from transforms.generate.posts import GENERATED_FIELDS as LANDING_POST
from transforms.schema import FUNNEL

STAMP = "%Y-%m-%dT%H:%M:%SZ"


def read_landing(config: Config, day: dt.date) -> pl.DataFrame:
    """All landing posts of a day, with `platform` and the parsed time `ts`."""
    frames = []
    for source in config.sources:
        path = zones.generated_landing_file(config, source, day)
        if source.format == "csv":
            frame = pl.read_csv(path, schema=LANDING_POST)
        else:
            frame = pl.read_ndjson(path, schema=LANDING_POST)
        frames.append(frame.with_columns(platform=pl.lit(source.platform)))
    posts = pl.concat(frames)
    seconds = pl.col("created_at").str.replace(r"\.\d{3}Z$", "Z")
    return posts.with_columns(ts=seconds.str.to_datetime(STAMP, time_zone="UTC"))


def read_window(config: Config, start: dt.date, days: int) -> pl.DataFrame:
    """Landing posts joined with their ground truth (`lang` of the truth is `true_lang`)."""
    frames = []
    for k in range(days):
        day = start + dt.timedelta(days=k)
        truth = pl.read_parquet(zones.ground_truth_file(config, day))
        posts = read_landing(config, day).join(
            truth.rename({"lang": "true_lang"}), on=["platform", "id"], how="inner"
        )
        frames.append(posts.with_columns(day=pl.lit(day)))
    return pl.concat(frames)


def read_funnel(config: Config, table: str, start: dt.date, days: int) -> pl.DataFrame:
    """A funnel table over the window; timestamps parsed into `ts` (dates stay strings)."""
    schema = {
        column: pl.String if dtype in (pl.Date, pl.Datetime) else dtype
        for column, dtype in FUNNEL[table].items()
    }
    frames = []
    for k in range(days):
        day = start + dt.timedelta(days=k)
        frame = pl.read_csv(zones.funnel_file(config, table, day), schema=schema)
        frames.append(frame.with_columns(file_day=pl.lit(day)))
    frame = pl.concat(frames)
    stamp = next((c for c, t in FUNNEL[table].items() if isinstance(t, pl.Datetime)), None)
    if stamp is not None:
        frame = frame.with_columns(ts=pl.col(stamp).str.to_datetime(STAMP, time_zone="UTC"))
    return frame
