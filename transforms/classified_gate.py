"""The classified checkpoint: one day's classified posts, checked before they are loaded.

The suite (expectations/classified_posts.yml) checks what the classifiers wrote: labels from the
known sets, probabilities in [0, 1] that sum to 1 per post, and the day's shares of spam and of
posts in languages the classifiers do not read. A critical failure records the stopped load in the
quarantine ledger and raises: the day is not loaded, and re-running it (after fixing a model or
the input) re-classifies and re-gates it.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

import polars as pl

from transforms import batch_quarantine, raw_zone, zones
from transforms.config import Config
from transforms.quality import (
    GateResult,
    QualityGateError,
    describe_failures,
    failure_lines,
    validate,
)
from transforms.schema import SENTIMENT_LABELS

SUITE = "classified_posts"
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def with_probability_sum(frame: Frame) -> Frame:
    """Derived column the suite checks: the sentiment probabilities of a post sum to 1."""
    return frame.with_columns(p_sum=pl.sum_horizontal("p_negative", "p_neutral", "p_positive"))


def gated_frame(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """The classified posts with the derived columns the suite names (posts with unknown
    sentiment carry no probabilities, so their sum is not checked)."""
    return (
        with_probability_sum(frame.lazy())
        .with_columns(
            text_length=pl.col("text").str.len_chars(),
            p_sum=pl.when(pl.col("sentiment") == "unknown").then(None).otherwise(pl.col("p_sum")),
        )
        .drop("text")
    )


def classified_day_gated(config: Config, day: dt.date) -> pl.LazyFrame:
    """A day's classified posts, lazily and only in the columns the suite reads: the clean
    posts' (the text for its length) joined with what classification added."""
    partition = zones.clean_partition(config, day)
    added = ("post_id", "sentiment", "intent", *(f"p_{s}" for s in SENTIMENT_LABELS))
    clean = ("post_id", "created_at", "platform", "likes", "shares", "comments", "text",
             "is_spam", "is_english")  # fmt: skip
    joined = (
        pl.scan_parquet(partition / "posts.parquet")
        .select(clean)
        .join(pl.scan_parquet(partition / "classifications.parquet").select(added), on="post_id")
    )
    return gated_frame(joined)


def gate_classified_day(config: Config, day: dt.date) -> GateResult:
    """Validate one day's classified posts; raise QualityGateError on a critical failure."""
    frame = classified_day_gated(config, day)
    rows = frame.select(pl.len()).collect().item()
    if rows == 0:
        # A day without posts has no shares to judge (the raw gate's volume check judges a
        # collapsed day against its source's history); it loads as an empty day.
        batch_quarantine.resolve_loads(config, SUITE, day.isoformat())
        return GateResult(SUITE, 0, True, report="no classified posts on the day")
    result = validate(frame, SUITE, day.isoformat(), zones.quality_dir(config),
                      partition_column="post_id")  # fmt: skip
    if result.passed:
        batch_quarantine.resolve_loads(config, SUITE, day.isoformat())
        return result
    batches = raw_zone.day_manifests(config, [s.name for s in config.sources], day)
    batch_quarantine.record_stopped_load(
        config, checkpoint=SUITE, run=day.isoformat(), days=[day],
        failures=failure_lines(result), report=result.report, rows=result.rows,
        batch_ids=[m.batch_id for m in batches], data_docs=result.data_docs,
    )  # fmt: skip
    raise QualityGateError(describe_failures(result, f"the load of {day}"))
