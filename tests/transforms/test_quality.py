import datetime as dt
import json

import polars as pl
import pytest

from transforms import schema
from transforms.quality import (
    QualityGateError,
    load_suite_spec,
    validate,
    with_probability_sum,
)


def classified(n: int = 20, **overrides) -> pl.DataFrame:
    rows = {
        "post_id": [f"x:{i}" for i in range(n)],
        "created_at": [dt.datetime(2026, 10, 5, tzinfo=dt.UTC)] * n,
        "platform": ["x"] * n,
        "likes": [1] * n,
        "shares": [0] * n,
        "comments": [0] * n,
        "text_length": [20] * n,
        "sentiment": ["positive"] * n,
        "intent": ["praise"] * n,
        "p_negative": [0.1] * n,
        "p_neutral": [0.2] * n,
        "p_positive": [0.7] * n,
        "is_spam": [False] * n,
        "is_english": [True] * n,
    }
    rows.update(overrides)
    return with_probability_sum(pl.DataFrame(rows))


def test_suite_file_is_well_formed():
    spec = load_suite_spec("classified_posts")
    severities = {e["severity"] for e in spec["expectations"]}
    assert severities == {"critical", "warning"}
    labels = [e for e in spec["expectations"] if e["kwargs"].get("column") == "sentiment"]
    assert set(labels[0]["kwargs"]["value_set"]) == {*schema.SENTIMENT_LABELS, "unknown"}


def test_a_good_batch_passes(tmp_path):
    result = validate(classified(), "classified_posts", "good", tmp_path)
    assert result.passed and not result.failures and not result.warnings
    assert json.loads((tmp_path / "classified_posts" / "good.json").read_text())["passed"]


def test_missing_ids_and_bad_probabilities_are_critical(tmp_path):
    frame = classified(
        post_id=[None] + [f"x:{i}" for i in range(1, 20)],
        p_positive=[0.9] * 20,  # 0.1 + 0.2 + 0.9 != 1
    )
    result = validate(frame, "classified_posts", "bad", tmp_path)
    assert not result.passed
    failed = {(f["expectation"], f["kwargs"].get("column")) for f in result.failures}
    assert ("expect_column_values_to_not_be_null", "post_id") in failed
    assert ("expect_column_values_to_be_between", "p_sum") in failed


def test_too_much_spam_is_only_a_warning(tmp_path):
    result = validate(classified(is_spam=[True] * 20), "classified_posts", "spammy", tmp_path)
    assert result.passed
    assert [w["kwargs"]["column"] for w in result.warnings] == ["is_spam"]


def test_gate_raises_with_the_report_location(config):
    from transforms import zones
    from transforms.quality import gate_classified_day

    day = dt.date(2026, 10, 5)
    frame = classified(sentiment=["furious"] * 20).drop("p_sum", "text_length")
    frame = frame.with_columns(text=pl.lit("hello there"))
    full = frame.with_columns(
        [pl.lit(None).alias(c) for c in schema.CLASSIFIED_POST if c not in frame.columns]
    ).cast(schema.CLASSIFIED_POST)
    partition = zones.clean_partition(config, day)
    partition.mkdir(parents=True)
    full.select(list(schema.CLEAN_POST)).write_parquet(partition / "posts.parquet")
    full.select(list(schema.CLASSIFICATION)).write_parquet(partition / "classifications.parquet")
    with pytest.raises(QualityGateError) as error:
        gate_classified_day(config, day)
    assert "expect_column_values_to_be_in_set sentiment" in str(error.value)
    assert str(zones.quality_dir(config)) in str(error.value)
