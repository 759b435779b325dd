"""Shared sample posts and helpers: canonical posts, one minute apart, served by SampleApiServer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from transforms.connectors import ApiSettings, FetchResult, RetryPolicy, fetch_source
from transforms.connectors.sample_server import SampleApiServer

T0 = datetime(2026, 10, 1, tzinfo=UTC)
DAY = timedelta(days=1)
SECRET = "fake-token-Zq8v3"
PLATFORMS = ("x", "reddit", "youtube")
KINDS = {
    "x": ("x_recent_search", "acme OR @acme"),
    "reddit": ("reddit_listing", "r/acme"),
    "youtube": ("youtube_comment_threads", "UCacme000000000000000000"),
}
# Small waits so a test that would sleep for real still finishes quickly; tests inject `sleep`.
POLICY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=5.0, timeout=5.0)


def native_id(platform: str, i: int) -> str:
    if platform == "x":
        return str(1_850_000_000_000_000_000 + i * 4096)  # snowflake-like: grows with time
    if platform == "reddit":
        return f"t1_{i + 10**6:x}" if i % 2 else f"t3_{i + 10**6:x}"
    return f"Ugz{i:06d}AaBb"


def make_post(platform: str, i: int, at: datetime | None = None) -> dict:
    at = at or T0 + timedelta(minutes=i)
    post = {
        "platform": platform,
        "id": native_id(platform, i),
        "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "author_id": f"author{i % 7}",
        "author_handle": f"@fan{i % 7}",
        "text": f"post {i} about #acme",
        "likes": i,
        "comments": i % 3,
        "in_reply_to_id": None,
    }
    if platform == "x":
        post |= {"author_followers": 100 + i % 7, "author_verified": i % 7 == 0, "lang": "en"}
        post |= {"shares": i % 4, "impressions": 10 * i, "hashtags": "#acme"}
    if platform == "reddit" and i % 2:  # comments answer the submission before them
        post["in_reply_to_id"] = native_id("reddit", i - 1)
    return post


def make_posts(platform: str, n: int, first: int = 0) -> list[dict]:
    return [make_post(platform, i) for i in range(first, first + n)]


def watermark_of(platform: str, post: dict) -> str:
    """What a connector should report as watermark_after when `post` is the newest fetched."""
    return post["id"] if platform == "x" else post["created_at"]


def run(
    server: SampleApiServer,
    platform: str,
    since: str | None = None,
    start: datetime = T0,
    end: datetime = T0 + DAY,
    sleeps: list[float] | None = None,
    secret: str = SECRET,
    **settings: object,
) -> FetchResult:
    kind, query = KINDS[platform]
    settings = {"query": query, "page_size": 10, **settings}
    api = ApiSettings(kind=kind, base_url=server.base_url, **settings)
    sleep = sleeps.append if sleeps is not None else _no_sleep
    return fetch_source(api, secret, since, start, end, policy=POLICY, sleep=sleep)


def _no_sleep(_: float) -> None:
    pass


@pytest.fixture
def sleeps() -> list[float]:
    """Pass `sleeps.append` as the sleep function, then assert the recorded delays."""
    return []
