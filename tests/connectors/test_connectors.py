"""Behaviour every connector shares, checked against the local sample server for each platform."""

from __future__ import annotations

import pytest

from transforms.connectors import CONNECTORS, ApiError, ApiSettings, CredentialsError, fetch_source
from transforms.connectors.sample_server import Faults, SampleApiServer

from .conftest import DAY, KINDS, PLATFORMS, SECRET, T0, make_posts, run, watermark_of

pytestmark = pytest.mark.parametrize("platform", PLATFORMS)

N = 35  # four pages of ten


def test_full_pagination_returns_every_post_once(platform: str, sleeps: list[float]) -> None:
    posts = make_posts(platform, N)
    with SampleApiServer({platform: posts}) as server:
        result = run(server, platform, sleeps=sleeps)
    assert sorted(r["id"] for r in result.records) == sorted(p["id"] for p in posts)
    assert [r["created_at"] for r in result.records] == sorted(
        (p["created_at"] for p in posts), reverse=True
    )  # newest first, as the APIs send them
    assert result.pages == result.requests == 4
    assert len(result.payloads) == N
    assert result.watermark_after == watermark_of(platform, posts[-1])
    assert sleeps == []


def test_only_the_right_platform_is_served(platform: str) -> None:
    others = {p: make_posts(p, 5) for p in PLATFORMS if p != platform}
    with SampleApiServer({platform: make_posts(platform, 3), **others}) as server:
        result = run(server, platform)
    assert len(result.records) == 3


def test_incremental_fetch_returns_only_newer_posts(platform: str) -> None:
    old, new = make_posts(platform, 12), make_posts(platform, 15, first=12)
    with SampleApiServer({platform: old}) as server:
        first = run(server, platform)
    with SampleApiServer({platform: old + new}) as server:
        second = run(server, platform, since=first.watermark_after)
    assert first.watermark_after == watermark_of(platform, old[-1])
    assert sorted(r["id"] for r in second.records) == sorted(p["id"] for p in new)
    assert second.watermark_after == watermark_of(platform, new[-1])
    if platform == "x":  # X filters server-side: the watermark travels as since_id
        assert server.requests[0][1]["since_id"] == first.watermark_after


def test_nothing_new_keeps_the_watermark(platform: str) -> None:
    posts = make_posts(platform, 5)
    with SampleApiServer({platform: posts}) as server:
        mark = run(server, platform).watermark_after
        again = run(server, platform, since=mark)
        empty = run(server, platform, start=T0 + 2 * DAY, end=T0 + 3 * DAY)
    for result in (again, empty):
        assert result.records == [] and result.watermark_after is None  # None: keep the old one
        assert result.pages == 1


def test_retry_after_on_429_is_honoured(platform: str, sleeps: list[float]) -> None:
    posts = make_posts(platform, N)
    with SampleApiServer({platform: posts}, Faults(rate_limit_every=3)) as server:
        result = run(server, platform, sleeps=sleeps)
    assert sleeps == [1.0]  # request 3 was rate limited with Retry-After: 1
    assert len({r["id"] for r in result.records}) == len(result.records) == N
    assert result.requests == 5 and result.pages == 4


def test_a_500_mid_paging_is_retried_without_duplicates(platform: str, sleeps: list[float]) -> None:
    posts = make_posts(platform, N)
    with SampleApiServer({platform: posts}, Faults(error_on_request={2})) as server:
        result = run(server, platform, sleeps=sleeps)
    assert len({r["id"] for r in result.records}) == len(result.records) == N
    assert result.requests == 5 and result.pages == 4
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= 0.01  # full jitter under the first cap
    assert server.requests[1][1] == server.requests[2][1]  # the same page asked for again


def test_a_truncated_page_is_retried(platform: str, sleeps: list[float]) -> None:
    posts = make_posts(platform, N)
    with SampleApiServer({platform: posts}, Faults(malformed_on_request={3})) as server:
        result = run(server, platform, sleeps=sleeps)
    assert len({r["id"] for r in result.records}) == len(result.records) == N
    assert result.requests == 5 and len(sleeps) == 1


def test_persistent_500_fails_clearly_after_max_attempts(
    platform: str, sleeps: list[float]
) -> None:
    faults = Faults(error_on_request=set(range(1, 50)))
    posts = {platform: make_posts(platform, 5)}
    with SampleApiServer(posts, faults) as server, pytest.raises(ApiError) as caught:
        run(server, platform, sleeps=sleeps)
    message = str(caught.value)
    assert KINDS[platform][0] in message and "HTTP 500" in message
    assert "after 3 attempts" in message and server.base_url in message
    assert "?" not in message and SECRET not in message
    assert caught.value.attempts == 3 and caught.value.status == 500
    assert len(sleeps) == 2 and len(server.requests) == 3


def test_bad_credentials_fail_at_once(platform: str, sleeps: list[float]) -> None:
    posts = {platform: make_posts(platform, 5)}
    with (
        SampleApiServer(posts, secret="the-right-one") as server,
        pytest.raises(ApiError) as caught,
    ):
        run(server, platform, sleeps=sleeps)
    # X and Reddit answer 401; YouTube answers a missing key with 403, as the real API does.
    assert caught.value.status in (401, 403) and caught.value.attempts == 1
    assert "check the credentials" in str(caught.value)
    assert len(server.requests) == 1 and sleeps == []
    assert SECRET not in str(caught.value)


def test_an_empty_secret_is_refused_before_any_request(platform: str) -> None:
    with SampleApiServer({platform: make_posts(platform, 5)}) as server:
        with pytest.raises(CredentialsError, match="empty"):
            run(server, platform, secret=" ")
        assert server.requests == []


def test_max_pages_bounds_the_loop(platform: str) -> None:
    with SampleApiServer({platform: make_posts(platform, N)}) as server:
        with pytest.raises(ApiError, match="max_pages=2"):
            run(server, platform, max_pages=2)
        assert len(server.requests) == 2
        assert len(run(server, platform, max_pages=4).records) == N  # exactly enough is fine


def test_items_missing_fields_are_kept_with_none(platform: str) -> None:
    bare = {"created_at": "2026-10-01T12:00:00Z"}  # no id, author or text
    with SampleApiServer({platform: [*make_posts(platform, 3), bare]}) as server:
        result = run(server, platform)
    assert len(result.records) == 4
    record, payload = result.records[0], result.payloads[0]
    assert record["id"] is None and record["author_id"] is None and record["text"] is None
    assert record["created_at"] == "2026-10-01T12:00:00Z" and payload.startswith("{")


def test_registry_and_dispatch(platform: str) -> None:
    kind = KINDS[platform][0]
    assert kind in CONNECTORS
    with pytest.raises(ValueError, match="unknown connector kind"):
        fetch_source(ApiSettings("nope", "http://127.0.0.1:9", "q"), SECRET, None, T0, T0 + DAY)
