"""The sample server speaks each API's format: envelopes, cursors, auth and injected faults."""

from __future__ import annotations

import json

import httpx
import pytest

from transforms.connectors.sample_server import Faults, SampleApiServer

from .conftest import make_posts

AUTH = {"Authorization": "Bearer t0ken"}


@pytest.fixture
def server():
    posts = {p: make_posts(p, 25) for p in ("x", "reddit", "youtube")}
    with SampleApiServer(posts) as running:
        yield running


def get(server: SampleApiServer, path: str, headers: dict | None = None, **params: object):
    return httpx.get(server.base_url + path, params=params, headers=headers)


def test_x_envelope_and_paging(server: SampleApiServer) -> None:
    page = get(server, "/2/tweets/search/recent", AUTH, query="q", max_results=10).json()
    assert set(page) == {"data", "includes", "meta"}
    assert page["meta"]["result_count"] == 10 and page["meta"]["newest_id"] == page["data"][0]["id"]
    assert page["data"][0]["created_at"].endswith(".000Z")
    assert {u["id"] for u in page["includes"]["users"]} == {t["author_id"] for t in page["data"]}
    seen, token = [], None
    while True:
        more = {"next_token": token} if token else {}
        body = get(server, "/2/tweets/search/recent", AUTH, max_results=10, **more).json()
        seen += [t["id"] for t in body["data"]]
        token = body["meta"].get("next_token")
        if not token:
            break
    assert len(seen) == len(set(seen)) == 25 and body["meta"]["result_count"] == 5
    since = page["data"][2]["id"]
    newer = get(server, "/2/tweets/search/recent", AUTH, since_id=since, max_results=10).json()
    assert [t["id"] for t in newer["data"]] == [t["id"] for t in page["data"][:2]]


def test_reddit_listing_envelope(server: SampleApiServer) -> None:
    auth = {"Authorization": "bearer t0ken"}
    page = get(server, "/r/acme/new", auth, limit=10, raw_json=1).json()
    assert page["kind"] == "Listing" and page["data"]["dist"] == 10
    kinds = {c["kind"] for c in page["data"]["children"]}
    assert kinds == {"t1", "t3"}
    assert page["data"]["after"] == page["data"]["children"][-1]["data"]["name"]
    assert isinstance(page["data"]["children"][0]["data"]["created_utc"], float)
    rest = get(server, "/search", auth, q="acme", limit=100, after=page["data"]["after"]).json()
    assert rest["data"]["dist"] == 15 and rest["data"]["after"] is None


def test_youtube_envelope(server: SampleApiServer) -> None:
    page = get(server, "/youtube/v3/commentThreads", key="k", videoId="v", maxResults=20).json()
    assert page["kind"] == "youtube#commentThreadListResponse"
    assert page["pageInfo"] == {"totalResults": 20, "resultsPerPage": 20}
    top = page["items"][0]["snippet"]["topLevelComment"]
    assert top["id"] == page["items"][0]["id"] and top["snippet"]["videoId"] == "v"
    rest = get(server, "/youtube/v3/commentThreads", key="k", pageToken=page["nextPageToken"])
    assert len(rest.json()["items"]) == 5 and "nextPageToken" not in rest.json()


def test_auth_is_required(server: SampleApiServer) -> None:
    assert get(server, "/2/tweets/search/recent").status_code == 401
    assert get(server, "/r/acme/new", {"Authorization": "Basic abc"}).status_code == 401
    missing = get(server, "/youtube/v3/commentThreads", videoId="v")
    assert missing.status_code == 403 and "API key" in missing.json()["error"]["message"]
    assert get(server, "/nope", AUTH).status_code == 404


def test_faults_and_the_request_log() -> None:
    faults = Faults(rate_limit_every=4, error_on_request={2}, malformed_on_request={3})
    with SampleApiServer({"x": make_posts("x", 5)}, faults) as server:
        answers = [get(server, "/2/tweets/search/recent", AUTH, n=n) for n in range(1, 6)]
    assert [a.status_code for a in answers] == [200, 500, 200, 429, 200]
    assert answers[3].headers["Retry-After"] == "1"
    with pytest.raises(json.JSONDecodeError):
        json.loads(answers[2].content)
    assert [params["n"] for _, params in server.requests] == ["1", "2", "3", "4", "5"]
    assert server.requests[0][0] == "/2/tweets/search/recent"
