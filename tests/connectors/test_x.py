"""X recent search: request shape, field mapping and the server-side time window."""

from __future__ import annotations

from datetime import timedelta

import httpx

from transforms.connectors import ApiSettings
from transforms.connectors.sample_server import SampleApiServer
from transforms.connectors.x import fetch, to_record

from .conftest import DAY, SECRET, T0, make_post, make_posts, run


def test_every_canonical_field_survives_the_round_trip() -> None:
    posts = make_posts("x", 12)
    posts[3] |= {"in_reply_to_id": posts[1]["id"], "urls": "https://acme.example/a?utm_source=x"}
    posts[4] |= {"repost_of_id": posts[2]["id"], "mentions": "@acme @bob"}
    posts[5] |= {"quote_of_id": posts[2]["id"], "hashtags": "#acme #deal"}
    with SampleApiServer({"x": posts}) as server:
        records = {r["id"]: r for r in run(server, "x").records}
    for post in posts:
        record = records[post["id"]]
        assert {k: record[k] for k in post if k != "platform"} == {
            k: v for k, v in post.items() if k != "platform"
        }
    assert records[posts[0]["id"]]["quote_of_id"] is None


def test_requests_carry_the_documented_parameters() -> None:
    with SampleApiServer({"x": make_posts("x", 15)}) as server:
        run(server, "x", page_size=5)  # below the API minimum: sent as 10
    (path, first), (_, second) = server.requests
    assert path == "/2/tweets/search/recent"
    assert first["query"] == "acme OR @acme" and first["max_results"] == "10"
    assert (first["start_time"], first["end_time"]) == (
        "2026-10-01T00:00:00Z",
        "2026-10-02T00:00:00Z",
    )
    assert first["expansions"] == "author_id,referenced_tweets.id"
    assert (
        first["tweet.fields"]
        == "created_at,lang,public_metrics,referenced_tweets,entities,author_id"
    )
    assert first["user.fields"] == "username,verified,public_metrics"
    assert "since_id" not in first and "next_token" not in first
    assert second["next_token"] and {k: v for k, v in second.items() if k != "next_token"} == first


def test_bearer_token_header() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"meta": {"result_count": 0}})

    settings = ApiSettings("x_recent_search", "https://api.x.com", "acme")
    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        result = fetch(settings, SECRET, "123", T0, T0 + DAY, client=client)
    assert seen[0].headers["Authorization"] == f"Bearer {SECRET}"
    assert seen[0].url.params["since_id"] == "123"  # since_id and start_time together
    assert seen[0].url.params["start_time"] == "2026-10-01T00:00:00Z"
    assert result.watermark_after is None and result.records == []


def test_the_window_is_half_open() -> None:
    at_start = make_post("x", 1, T0 + DAY)
    at_end = make_post("x", 2, T0 + 2 * DAY)
    inside = make_post("x", 3, T0 + DAY + timedelta(hours=5))
    before = make_post("x", 0, T0 + DAY - timedelta(seconds=1))
    with SampleApiServer({"x": [before, at_start, inside, at_end]}) as server:
        result = run(server, "x", start=T0 + DAY, end=T0 + 2 * DAY)
    assert [r["id"] for r in result.records] == [inside["id"], at_start["id"]]
    assert result.watermark_after == inside["id"]


def test_mapping_of_a_real_shaped_tweet() -> None:
    tweet = {
        "id": "1850000000000000001",
        "text": "@acme love the new #Widget https://t.co/abc",
        "author_id": "42",
        "created_at": "2026-10-01T08:15:00.250Z",
        "lang": "en",
        "public_metrics": {
            "retweet_count": 2,
            "reply_count": 1,
            "like_count": 7,
            "quote_count": 3,
            "bookmark_count": 0,
            "impression_count": 900,
        },
        "referenced_tweets": [{"type": "replied_to", "id": "9"}, {"type": "quoted", "id": "8"}],
        "entities": {
            "mentions": [{"start": 0, "end": 5, "username": "acme", "id": "1"}],
            "hashtags": [{"start": 19, "end": 26, "tag": "Widget"}],
            "urls": [{"url": "https://t.co/abc", "expanded_url": "https://acme.example/w"}],
        },
    }
    users = {"42": {"id": "42", "username": "fan", "verified": True, "public_metrics": {}}}
    record = to_record(tweet, users)
    assert record["created_at"] == "2026-10-01T08:15:00.250Z"
    assert (record["author_handle"], record["author_verified"]) == ("@fan", True)
    assert record["author_followers"] is None  # not reported: None, not 0
    assert (record["likes"], record["shares"], record["comments"]) == (7, 5, 1)
    assert record["impressions"] == 900
    assert (record["in_reply_to_id"], record["quote_of_id"], record["repost_of_id"]) == (
        "9",
        "8",
        None,
    )
    assert (record["mentions"], record["hashtags"]) == ("@acme", "#Widget")
    assert record["urls"] == "https://acme.example/w"
    assert to_record({"id": "5"}, {})["author_handle"] is None
