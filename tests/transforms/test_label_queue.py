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


def test_relevance_queue_asks_the_matches_nearest_one_half(config):
    from transforms import schema
    from transforms.label_queue import write_label_queue

    partition = config.data_dir / "clean" / f"day={D1}"
    partition.mkdir(parents=True)
    n = 3
    values = {name: [None] * n for name in schema.CLASSIFIED_POST}
    values.update(post_id=["a", "b", "c"], day=[D1] * n, is_english=[True] * n,
                  text_clean=["nimbus again", "nimbus clouds", "@NimbusHelp hi"],
                  content_hash=["1", "2", "3"])  # fmt: skip
    posts = pl.DataFrame(values, schema=schema.CLASSIFIED_POST)
    posts.select(list(schema.CLEAN_POST)).write_parquet(partition / "posts.parquet")
    posts.select(list(schema.CLASSIFICATION)).write_parquet(partition / "classifications.parquet")
    pl.DataFrame(
        {"post_id": ["a", "b", "c"], "brand": ["nimbus"] * 3,
         "matched_by": ["alias", "alias", "handle"], "day": [D1] * 3,
         "p_relevant": [0.55, 0.2, 0.95], "is_relevant": [True, False, True]},
        schema=schema.POST_BRAND,
    ).write_parquet(partition / "brands.parquet")  # fmt: skip
    out = config.data_dir / "queue.csv"
    assert write_label_queue(config, "relevance", 2, out) == 2
    queue = pl.read_csv(out)
    assert queue["post_id"].to_list() == ["a", "b"]
    assert queue["brand"].to_list() == ["nimbus", "nimbus"]
    assert queue["predicted"].to_list() == ["relevant", "irrelevant"]
