"""Real exports from other tools load with a YAML mapping only (../shared/data, when present).

These read the shared evaluation sets in place; nothing from them is copied into the repository.
"""

import datetime as dt

import pytest

from transforms.config import PROJECT_ROOT, Source
from transforms.extract import extract_source_day

SHARED = PROJECT_ROOT.parent / "shared" / "data"
DAY = dt.date(2026, 10, 5)


def needs(path):
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared evaluation data is optional)")
    return path


def test_sentiment140_kaggle_csv_without_a_header(config):
    folder = needs(SHARED / "sentiment140_test")
    source = Source.model_validate(
        {
            "name": "sentiment140",
            "platform": "x",
            "format": "csv",
            "path": f"file://{folder}",
            "pattern": "*.csv",
            "max_lateness_days": None,
            "csv": {"has_header": False, "encoding": "latin-1",
                    "columns": ["polarity", "id", "date", "query", "user", "text"]},
            "mapping": {
                "fields": {"id": "id", "created_at": "date", "author_id": "user",
                           "author_handle": "user", "text": "text"},
                "timestamp_format": "%a %b %d %H:%M:%S UTC %Y",
            },
        }
    )  # fmt: skip
    report = extract_source_day(config, source, DAY)
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (498, 498, 0)


def test_sanders_corpus_with_a_constant_for_the_missing_author(config):
    folder = needs(SHARED / "sanders_brand_sentiment")
    source = Source.model_validate(
        {
            "name": "sanders",
            "platform": "x",
            "format": "csv",
            "path": str(folder),
            "pattern": "*.csv",
            "max_lateness_days": None,
            "mapping": {
                "fields": {"id": "TweetId", "created_at": "TweetDate", "text": "TweetText"},
                "constants": {"author_id": "unknown"},
                "timestamp_format": "%a %b %d %H:%M:%S %z %Y",
            },
        }
    )
    report = extract_source_day(config, source, DAY)
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (5113, 5113, 0)
