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
