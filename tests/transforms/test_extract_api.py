"""API sources through the real extract: watermarks, exactly once, failures commit nothing."""

import datetime as dt
import json

import polars as pl
import pytest

from transforms import raw_zone
from transforms.config import Source
from transforms.connectors import ApiError
from transforms.connectors.sample_server import Faults, SampleApiServer
from transforms.extract import extract_source_day

DAY = dt.date(2026, 10, 5)


def tweet(i: int, day: dt.date = DAY, **overrides) -> dict:
    at = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC) + dt.timedelta(minutes=i)
    post = {
        "id": str(1_850_000_000_000_000_000 + int(at.timestamp()) * 4096 + i),
        "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "author_id": f"a{i}",
        "author_handle": f"@fan{i}",
        "author_followers": 10,
        "text": f"tweet {i} about @NimbusMobile",
        "likes": i,
        "shares": 0,
        "comments": 0,
    }
    post.update(overrides)
    return post


@pytest.fixture
def source(monkeypatch) -> Source:
    monkeypatch.setenv("LISTENER_X_API_TOKEN", "test-token")
    return Source(name="x_api", kind="x_recent_search", query="nimbus", max_attempts=2)


def with_url(source: Source, server: SampleApiServer) -> Source:
    return source.model_copy(update={"base_url": server.base_url})


def test_the_watermark_advances_only_with_new_posts(config, source):
    posts = [tweet(i) for i in range(250)]
    with SampleApiServer({"x": posts}) as server:
        first = extract_source_day(config, with_url(source, server), DAY)
        again = extract_source_day(config, with_url(source, server), DAY)
    assert first.rows_accepted == 250 and first.requests == 3  # pages of 100
    assert first.watermark_before is None and first.watermark_after == posts[-1]["id"]
    assert again.batch_id is None and again.rows_read == 0  # a re-run adds nothing
    assert again.watermark_before == first.watermark_after
    manifest = raw_zone.read_manifest(raw_zone.committed_batches(config, "x_api", DAY)[0])
    assert (manifest.watermark_before, manifest.watermark_after) == (None, posts[-1]["id"])
    assert manifest.kind == "x_recent_search" and manifest.requests == 3

    later_day = DAY + dt.timedelta(days=1)
    newer = [tweet(i, later_day) for i in range(5)]
    with SampleApiServer({"x": posts + newer}) as server:
        next_day = extract_source_day(config, with_url(source, server), later_day)
        assert server.requests[0][1]["since_id"] == posts[-1]["id"]
    assert next_day.rows_accepted == 5
    assert raw_zone.current_watermark(config, "x_api") == newer[-1]["id"]


def test_bad_items_from_an_api_are_quarantined_with_their_payload(config, source):
    posts = [tweet(0), tweet(1, likes=-3), tweet(2, text="")]
    with SampleApiServer({"x": posts}) as server:
        report = extract_source_day(config, with_url(source, server), DAY)
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (3, 1, 2)
    quarantine = raw_zone.day_quarantine(config, ["x_api"], DAY)
    assert sorted(quarantine["reason"]) == ["likes is negative", "missing required field text"]
    assert set(quarantine["file"]) == {"api:x_recent_search"}
    assert all(json.loads(p)["id"] for p in quarantine["raw_payload"])


def test_an_item_with_a_lone_surrogate_is_quarantined_alone(config, source):
    """An item holding "\\ud800" (valid JSON, but no character) is quarantined with its payload
    (the escape kept as sent); the others load and the watermark moves past all of them."""
    posts = [tweet(0), tweet(1, text="lone \ud800 surrogate"), tweet(2, author_handle="\udfff")]
    with SampleApiServer({"x": posts}) as server:
        report = extract_source_day(config, with_url(source, server), DAY)
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (3, 1, 2)
    assert report.watermark_after == posts[-1]["id"]
    quarantine = raw_zone.day_quarantine(config, ["x_api"], DAY)
    assert set(quarantine["reason"]) == {"invalid Unicode: a lone surrogate escape"}
    payloads = quarantine["raw_payload"].to_list()
    assert {json.loads(p)["id"] for p in payloads} == {p["id"] for p in posts[1:]}
    assert any("lone \\ud800 surrogate" in p for p in payloads)  # (the handle is in `includes`)
    posts_loaded = raw_zone.day_posts(config, ["x_api"], DAY)
    assert posts_loaded["post_id"].to_list() == [f"x:{posts[0]['id']}"]


def test_a_failed_fetch_commits_nothing_and_keeps_the_watermark(config, source):
    source = source.model_copy(update={"page_size": 50})
    posts = [tweet(i) for i in range(150)]
    with SampleApiServer({"x": posts[:50]}) as server:
        extract_source_day(config, with_url(source, server), DAY)
    before = raw_zone.current_watermark(config, "x_api")
    # The second page fails on every attempt: the whole fetch fails, nothing half-loaded.
    failing = SampleApiServer({"x": posts}, Faults(error_on_request={2, 3, 4}))
    with failing as server, pytest.raises(ApiError, match="500"):
        extract_source_day(config, with_url(source, server), DAY)
    assert raw_zone.current_watermark(config, "x_api") == before
    assert len(raw_zone.committed_batches(config, "x_api", DAY)) == 1
    # The next run asks again from the same watermark and gets the rest.
    with SampleApiServer({"x": posts}) as server:
        retry = extract_source_day(config, with_url(source, server), DAY)
    assert retry.rows_accepted == 100
    every = raw_zone.day_posts(config, ["x_api"], DAY)
    assert every["post_id"].n_unique() == every.height == 150
    assert every["post_id"].str.starts_with("x:").all()


def test_missing_credentials_are_a_clear_error(config, monkeypatch):
    monkeypatch.delenv("LISTENER_X_API_TOKEN", raising=False)
    source = Source(name="x_api", kind="x_recent_search", query="nimbus")
    with pytest.raises(Exception, match="LISTENER_X_API_TOKEN") as error:
        extract_source_day(config, source, DAY)
    assert "listener_x_api" in str(error.value)
    assert pl.DataFrame().height == 0 and not raw_zone.committed_batches(config, "x_api")
