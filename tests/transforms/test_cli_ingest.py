"""`listener ingest` runs one source's extraction outside Airflow, with the same code."""

import datetime as dt
import json

import pytest

from transforms import cli, raw_zone
from transforms.config import load_config
from transforms.errors import ListenerError
from transforms.extract import extract_source_day


def test_ingest_one_source_day_and_again(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LISTENER_DATA_DIR", str(tmp_path / "data"))
    landing = tmp_path / "data" / "landing" / "reddit"
    landing.mkdir(parents=True)
    post = {"id": "t3_a", "created_at": "2026-10-05T09:00:00Z", "author_id": "u", "text": "hi"}
    (landing / "2026-10-05.jsonl").write_text(json.dumps(post) + "\n{broken\n")

    assert cli.main(["ingest", "--source", "reddit", "--date", "2026-10-05"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["rows_read"], report["rows_accepted"], report["rows_quarantined"]) == (2, 1, 1)
    assert cli.main(["ingest", "--source", "reddit", "--date", "2026-10-05"]) == 0
    assert json.loads(capsys.readouterr().out)["skipped_files"] == ["2026-10-05.jsonl"]


def test_ingest_through_the_sample_api(tmp_path, capsys, monkeypatch):
    """The configured X source reads the generated posts from the local sample API."""
    monkeypatch.setenv("LISTENER_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["generate", "--days", "1", "--posts-per-day", "300"]) == 0
    capsys.readouterr()
    assert cli.main(["ingest", "--config", "config/listener.yml", "--source", "x",
                     "--date", "2026-10-01"]) == 0  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert report["rows_accepted"] > 50 and report["requests"] >= 1
    assert report["watermark_after"] is not None


def test_unknown_source_and_unreachable_sample_api_are_clear_errors(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LISTENER_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["ingest", "--source", "tiktok"]) == 2
    assert "unknown source 'tiktok'" in capsys.readouterr().err
    # Outside `listener run` and `ingest` nothing serves `sample:` URLs: a clear message.
    config = load_config()
    with pytest.raises(ListenerError, match="runs only inside `listener run`"):
        extract_source_day(config, config.source("x"), dt.date(2026, 10, 1))
    assert not raw_zone.committed_batches(config, "x")
