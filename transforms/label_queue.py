"""Active learning: the posts whose labels would teach the model most, as a CSV to fill in.

Uncertainty sampling: posts the current model is least sure about (smallest margin between its
two most likely classes) are the most informative to label; for relevance, the brand matches
whose probability of being about the brand is nearest one half, with the brand named.
Near-identical posts (same content hash: retweets, copy-paste campaigns) are asked once, and the
queue is spread over days so one busy day does not fill it. A person fills the `label` column;
`listener train` learns from it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms import csv_cells, schema
from transforms.config import Config
from transforms.errors import ListenerError

QUEUE_COLUMNS = ["post_id", "day", "platform", "text", "predicted", "confidence", "label"]
RELEVANCE_COLUMNS = ["post_id", "day", "brand", "text", "predicted", "confidence", "label"]


def classified_posts(config: Config) -> pl.LazyFrame:
    from transforms.classify import classified_days

    if not any((config.data_dir / "clean").glob("day=*/classifications.parquet")):
        raise ListenerError(
            f"no classified posts under {config.data_dir / 'clean'}; run the pipeline first"
        )
    return classified_days(config)


def uncertainty(task: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(margin, predicted label, confidence): a small margin means an unsure model."""
    if task == "sentiment":
        probs = [pl.col(f"p_{label}") for label in schema.SENTIMENT_LABELS]
        top = pl.max_horizontal(probs)
        # The second largest of three: total minus the largest and the smallest.
        second = pl.sum_horizontal(probs) - top - pl.min_horizontal(probs)
        return top - second, pl.col("sentiment"), top
    # Intent keeps only the winning class's probability: low confidence is the signal.
    confidence = pl.col("intent_confidence")
    return confidence, pl.col("intent"), confidence


def build_queue(posts: pl.LazyFrame, task: str, size: int) -> pl.DataFrame:
    margin, predicted, confidence = uncertainty(task)
    eligible = posts.filter(
        pl.col("exclusion_reason").is_null() & (pl.col("sentiment") != "unknown")
    )
    ranked = (
        eligible.with_columns(_margin=margin, predicted=predicted, confidence=confidence)
        .drop_nulls("_margin")
        .sort("_margin", "post_id")
        .unique("content_hash", keep="first", maintain_order=True)
        # Round-robin over days: each day's most uncertain first, then the next of each day.
        .with_columns(_rank=pl.int_range(pl.len()).over("day"))
        .sort("_rank", "_margin", "post_id")
        .head(size)
    )
    return ranked.select(
        "post_id", "day", "platform", pl.col("text_clean").alias("text"), "predicted",
        pl.col("confidence").round(3), label=pl.lit(None, pl.String()),
    ).collect()  # fmt: skip


def relevance_queue(config: Config, size: int) -> pl.DataFrame:
    """Brand matches nearest p_relevant = 0.5, one per text, spread over days."""
    clean_root = config.data_dir / "clean"
    files = sorted(clean_root.glob("day=*/brands.parquet"))
    if not files:
        raise ListenerError(f"no classified brand matches under {clean_root}; run the pipeline")
    posts = classified_posts(config).select("post_id", "text_clean", "content_hash", "is_english")
    return (
        pl.scan_parquet(files)
        .join(posts, on="post_id")
        .filter(pl.col("is_english").fill_null(False))
        .with_columns(_margin=(pl.col("p_relevant") - 0.5).abs())
        .sort("_margin", "post_id")
        .unique(["content_hash", "brand"], keep="first", maintain_order=True)
        .with_columns(_rank=pl.int_range(pl.len()).over("day"))
        .sort("_rank", "_margin", "post_id")
        .head(size)
        .select(
            "post_id", "day", "brand", pl.col("text_clean").alias("text"),
            predicted=pl.when(pl.col("is_relevant")).then(pl.lit("relevant"))
            .otherwise(pl.lit("irrelevant")),
            confidence=pl.max_horizontal("p_relevant", 1 - pl.col("p_relevant")).round(3),
            label=pl.lit(None, pl.String()),
        )
        .collect()
    )  # fmt: skip


def write_label_queue(config: Config, task: str, size: int, out: Path) -> int:
    if task == "relevance":
        queue = relevance_queue(config, size).select(RELEVANCE_COLUMNS)
    else:
        queue = build_queue(classified_posts(config), task, size).select(QUEUE_COLUMNS)
    # People open the queue in a spreadsheet: a post's text must not run as a formula there.
    csv_cells.write_csv(queue, out)
    return queue.height
