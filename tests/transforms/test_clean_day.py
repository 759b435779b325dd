"""clean_day streams a day in batches and gives what cleaning it in one piece gives."""

import datetime as dt

import polars as pl
import pytest
import yaml

from transforms import raw_zone
from transforms.bench import bench_config
from transforms.clean import clean_day, clean_posts
from transforms.config import load_config
from transforms.extract import extract_source_day
from transforms.generate import generate_sample
from transforms.zones import clean_partition

DAY = dt.date(2026, 10, 1)


@pytest.fixture(scope="module")
def raw_day(tmp_path_factory):
    """One generated day, every source a file drop, extracted into the raw zone."""
    root = tmp_path_factory.mktemp("clean_day")
    config_file = root / "listener.yml"
    config_file.write_text(yaml.safe_dump(bench_config(load_config(), root / "data")))
    config = load_config(config_file)
    generate_sample(config, start=DAY, days=1, posts_per_day=800)
    for source in config.sources:
        extract_source_day(config, source, DAY)
    return config


def test_streamed_batches_equal_one_piece(raw_day, monkeypatch):
    config = raw_day
    monkeypatch.setattr("transforms.clean.BATCH_ROWS", 97)
    counts = clean_day(config, DAY)
    streamed = pl.read_parquet(clean_partition(config, DAY) / "posts.parquet")
    sources = [s.name for s in config.sources]
    latest = raw_zone.latest_snapshots(raw_zone.day_posts(config, sources, DAY))
    whole, whole_matches = clean_posts(latest, config.brands.all)
    # Every post once: rows in = rows out.
    assert counts["posts"] == streamed.height == latest["post_id"].n_unique() > 700
    assert streamed.sort("post_id").equals(whole.sort("post_id"))
    matches = pl.read_parquet(clean_partition(config, DAY) / "post_brands.parquet")
    assert matches.sort("post_id", "brand").equals(whole_matches.sort("post_id", "brand"))
    assert sum(v for k, v in counts.items() if k.startswith("excluded_")) == streamed.height


def test_a_day_without_raw_batches_is_empty_not_an_error(config):
    assert clean_day(config, DAY) == {"posts": 0, "brand_matches": 0}
    assert pl.read_parquet(clean_partition(config, DAY) / "posts.parquet").height == 0


def test_a_day_whose_batches_hold_no_rows_is_empty_not_an_error(config):
    # An empty export, or one whose every row was quarantined, commits a batch of no posts.
    folder = config.data_dir / "landing" / "reddit"
    folder.mkdir(parents=True)
    (folder / f"{DAY}.jsonl").write_text("{not json\n")
    (config.data_dir / "landing" / "reviews").mkdir(parents=True)
    (config.data_dir / "landing" / "reviews" / f"{DAY}.csv").write_text("id,text\n")
    for name in ("reddit", "reviews"):
        assert extract_source_day(config, config.source(name), DAY).rows_accepted == 0
    assert clean_day(config, DAY) == {"posts": 0, "brand_matches": 0}
    assert pl.read_parquet(clean_partition(config, DAY) / "posts.parquet").height == 0
