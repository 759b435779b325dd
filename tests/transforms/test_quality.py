import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from transforms import schema
from transforms.classified_gate import with_probability_sum
from transforms.quality import QualityGateError, load_suite_spec, validate


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


@pytest.mark.parametrize("suite", ["raw_posts", "raw_batches", "classified_posts", "marts"])
def test_every_checkpoint_suite_builds_into_gx_expectations(suite):
    from transforms.quality import EXPECTATIONS_DIR, _expectation

    assert {p.stem for p in EXPECTATIONS_DIR.glob("*.yml")} == {
        "raw_posts", "raw_batches", "classified_posts", "marts"
    }  # fmt: skip
    spec = load_suite_spec(suite)
    assert spec["suite"] == suite
    built = [_expectation(item) for item in spec["expectations"]]
    assert all(e.meta["severity"] in ("critical", "warning") and e.meta["why"] for e in built)
    assert any(e.meta["severity"] == "critical" for e in built)


def test_a_good_batch_passes(tmp_path):
    result = validate(classified(), "classified_posts", "good", tmp_path)
    assert result.passed and not result.failures and not result.warnings
    assert json.loads((tmp_path / "classified_posts" / "good.json").read_text())["passed"]


def test_batches_are_not_fingerprinted_row_by_row(tmp_path, monkeypatch):
    # GX would hash every row of a batch under 1 GB only to label it (transforms/quality.py).
    from great_expectations.execution_engine import pandas_execution_engine

    def refuse(frame):
        raise AssertionError("the batch was fingerprinted")

    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", refuse)
    assert validate(classified(), "classified_posts", "unlabelled", tmp_path).passed
    stored = json.loads(next((tmp_path / "gx").rglob("*unlabelled*/**/*.json")).read_text())
    assert "pandas_data_fingerprint" not in stored["meta"]["batch_markers"]


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


def test_some_spam_is_a_warning_and_a_spam_flood_stops_the_load(tmp_path):
    spammy = classified(is_spam=[True] * 7 + [False] * 13)  # 35%
    result = validate(spammy, "classified_posts", "spammy", tmp_path)
    assert result.passed
    assert [w["kwargs"]["column"] for w in result.warnings] == ["is_spam"]
    flood = validate(classified(is_spam=[True] * 15 + [False] * 5), "classified_posts", "flood",
                     tmp_path)  # fmt: skip
    assert [f["kwargs"]["column"] for f in flood.failures] == ["is_spam"]


def test_a_day_the_classifiers_cannot_read_stops_the_load(tmp_path):
    foreign = classified(is_english=[False] * 17 + [True] * 3)
    result = validate(foreign, "classified_posts", "foreign", tmp_path)
    assert [f["kwargs"]["column"] for f in result.failures] == ["is_english"]
    assert result.data_docs.endswith(".html")
    page = Path(result.data_docs.removeprefix("file://"))
    assert page.is_relative_to(tmp_path / "gx") and page.exists()


def test_gate_raises_with_the_report_location(config):
    from transforms import zones
    from transforms.classified_gate import gate_classified_day

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


def test_a_day_without_posts_passes_the_classified_gate(config):
    from transforms import zones
    from transforms.classified_gate import gate_classified_day

    day = dt.date(2026, 10, 6)
    partition = zones.clean_partition(config, day)
    partition.mkdir(parents=True)
    pl.DataFrame(schema=schema.CLEAN_POST).write_parquet(partition / "posts.parquet")
    pl.DataFrame(schema=schema.CLASSIFICATION).write_parquet(partition / "classifications.parquet")
    result = gate_classified_day(config, day)
    assert result.passed and result.rows == 0


def _both_ways(frame: pl.DataFrame, tmp_path: Path, monkeypatch, **kwargs):
    """The suite on the whole frame, then in partitions of at most 7 rows."""
    from transforms import quality

    whole = validate(frame, "classified_posts", "whole", tmp_path / "whole", **kwargs)
    monkeypatch.setattr(quality, "PARTITION_ROWS", 7)
    parts = validate(frame.lazy(), "classified_posts", "parts", tmp_path / "parts",
                     partition_column="post_id", **kwargs)  # fmt: skip
    return whole, parts


def summary(result) -> dict:
    def key(f):
        return (f["expectation"], f["kwargs"].get("column"), f["observed"].get("unexpected_count"))

    return {
        "passed": result.passed,
        "failures": sorted(key(f) for f in result.failures),
        "warnings": sorted(key(f) for f in result.warnings),
    }


def test_a_large_day_is_validated_in_partitions_with_the_same_verdict(tmp_path, monkeypatch):
    """Repeated ids in different rows, bad rows spread over every partition, and a spam share
    over the warning threshold (which per partition would be judged wrongly)."""
    n = 40
    frame = classified(
        n,
        post_id=[f"x:{i % 37}" for i in range(n)],  # x:0, x:1 and x:2 appear twice
        sentiment=["furious" if i % 9 == 0 else "positive" for i in range(n)],
        is_spam=[i < 14 for i in range(n)],  # 35% of the day: a warning, not a failure
    )
    whole, parts = _both_ways(frame, tmp_path, monkeypatch)
    assert summary(parts) == summary(whole)
    assert ("expect_column_values_to_be_unique", "post_id", 6) in summary(whole)["failures"]
    assert ("expect_column_values_to_be_in_set", "sentiment", 5) in summary(whole)["failures"]
    assert [w["kwargs"]["column"] for w in parts.warnings] == ["is_spam"]
    assert parts.rows == n and parts.data_docs.endswith(".html")
    stored = list((tmp_path / "parts" / "gx").rglob("*.json"))
    assert any("rows 6 of 6" in p.read_text() for p in stored)  # each part is in the GX store


def test_a_clean_large_day_passes_in_partitions(tmp_path, monkeypatch):
    whole, parts = _both_ways(classified(30), tmp_path, monkeypatch)
    assert whole.passed and parts.passed and not parts.warnings


def test_a_uniqueness_check_without_the_partition_column_is_refused():
    from transforms.quality import split_for_partitions

    spec = load_suite_spec("raw_posts")
    rows, day = split_for_partitions(spec, "post_id")
    assert len(rows) == len(spec["expectations"]) and not day
    with pytest.raises(ValueError, match="cannot be checked in partitions by author_id"):
        split_for_partitions(spec, "author_id")
