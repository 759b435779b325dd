"""`listener label-queue`: the most uncertain posts first, each text once, spread over days."""

import datetime as dt

import polars as pl

from transforms.label_queue import build_queue

D1, D2 = dt.date(2026, 10, 1), dt.date(2026, 10, 2)


def posts(rows: list[tuple]) -> pl.LazyFrame:
    columns = ["post_id", "day", "p_negative", "p_neutral", "p_positive", "content_hash",
               "exclusion_reason", "sentiment"]  # fmt: skip
    frame = pl.DataFrame(rows, schema=columns, orient="row")
    return frame.with_columns(
        platform=pl.lit("x"),
        text_clean=pl.col("post_id") + " text",
        intent=pl.lit("other"),
        intent_confidence=pl.lit(0.5),
    ).lazy()


def test_most_uncertain_first_once_per_text_and_round_robin_over_days():
    frame = posts(
        [
            ("a", D1, 0.34, 0.33, 0.33, "h1", None, "negative"),  # very unsure
            ("b", D1, 0.90, 0.05, 0.05, "h2", None, "negative"),  # sure
            ("c", D1, 0.40, 0.35, 0.25, "h1", None, "negative"),  # same text as a
            ("d", D1, 0.45, 0.40, 0.15, "h3", None, "negative"),
            ("e", D2, 0.50, 0.30, 0.20, "h4", None, "negative"),
            ("f", D2, 0.33, 0.33, 0.34, "h5", "spam", "positive"),  # not voice: not asked
            ("g", D2, None, None, None, "h6", None, "unknown"),  # unsupported language
        ]
    )
    queue = build_queue(frame, "sentiment", size=3)
    assert queue["post_id"].to_list() == ["a", "e", "d"]
    assert queue["label"].null_count() == 3
    assert queue["predicted"].to_list() == ["negative"] * 3
