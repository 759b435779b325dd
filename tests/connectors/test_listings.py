"""Reddit and YouTube filter by time themselves: the newest-first stopping rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from transforms.connectors.sample_server import SampleApiServer

from .conftest import DAY, T0, make_post, run

pytestmark = pytest.mark.parametrize("platform", ["reddit", "youtube"])

STEP = timedelta(minutes=48)  # 30 posts a day


def three_days(platform: str) -> list[dict]:
    return [make_post(platform, i, T0 + i * STEP) for i in range(90)]


def test_later_posts_are_skipped_and_paging_stops_at_start(platform: str) -> None:
    posts = three_days(platform)
    with SampleApiServer({platform: posts}) as server:
        result = run(server, platform, start=T0 + DAY, end=T0 + 2 * DAY)
    assert sorted(r["id"] for r in result.records) == sorted(p["id"] for p in posts[30:60])
    assert result.watermark_after == posts[59]["created_at"]  # never past `end`
    # Three pages of the later day skipped, three taken, the 7th starts before `start`: stop.
    assert result.requests == result.pages == 7


def test_paging_stops_at_the_watermark(platform: str) -> None:
    posts = three_days(platform)
    with SampleApiServer({platform: posts}) as server:
        result = run(server, platform, since=posts[84]["created_at"], end=T0 + 3 * DAY)
    assert [r["id"] for r in result.records] == [p["id"] for p in reversed(posts[85:])]
    assert result.watermark_after == posts[-1]["created_at"] and result.requests == 1


def test_a_bad_watermark_is_an_error(platform: str) -> None:
    with SampleApiServer({platform: three_days(platform)}) as server:
        with pytest.raises(ValueError, match="not an ISO-8601 timestamp"):
            run(server, platform, since="t3_abc")
        assert server.requests == []
