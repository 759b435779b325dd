"""Reddit listings: endpoints, headers, and the mapping of submissions (t3) and comments (t1)."""

from __future__ import annotations

import httpx

from transforms.connectors import ApiSettings
from transforms.connectors.reddit import USER_AGENT, fetch, to_record
from transforms.connectors.sample_server import SampleApiServer

from .conftest import DAY, SECRET, T0, make_posts, native_id, run


def test_subreddit_and_search_endpoints() -> None:
    with SampleApiServer({"reddit": make_posts("reddit", 15)}) as server:
        run(server, "reddit")
        run(server, "reddit", query="acme widgets")
    (sub1, p1), (sub2, p2), (search, q) = server.requests[:3]
    assert sub1 == sub2 == "/r/acme/new"
    assert p1 == {"limit": "10", "raw_json": "1"}
    assert p2["after"] == native_id("reddit", 5)  # the fullname of the 10th newest post
    assert search == "/search" and q["q"] == "acme widgets" and q["sort"] == "new"


def test_headers_carry_token_and_a_descriptive_agent() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"kind": "Listing", "data": {"after": None, "children": []}}
        )

    settings = ApiSettings("reddit_listing", "https://oauth.reddit.com", "r/acme")
    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        fetch(settings, SECRET, None, T0, T0 + DAY, client=client)
    assert seen[0].headers["Authorization"] == f"bearer {SECRET}"
    assert seen[0].headers["User-Agent"] == USER_AGENT


def test_ids_are_fullnames_and_comments_point_at_their_parent() -> None:
    posts = make_posts("reddit", 4)  # t3, t1, t3, t1
    posts[2] |= {"text": "Title only", "urls": "https://acme.example/x", "shares": 2}
    with SampleApiServer({"reddit": posts}) as server:
        records = {r["id"]: r for r in run(server, "reddit").records}
    submission, comment, link = (
        records[posts[0]["id"]],
        records[posts[1]["id"]],
        records[posts[2]["id"]],
    )
    assert submission["id"].startswith("t3_") and comment["id"].startswith("t1_")
    assert comment["in_reply_to_id"] == submission["id"]
    assert comment["text"] == posts[1]["text"] and comment["comments"] is None
    assert submission["text"] == posts[0]["text"] and submission["comments"] == 0
    assert submission["author_handle"] == "@fan0" and submission["author_id"] == "author0"
    assert submission["created_at"] == "2026-10-01T00:00:00Z" and submission["likes"] == 0
    assert (link["urls"], link["shares"], link["text"]) == (
        "https://acme.example/x",
        2,
        "Title only",
    )
    assert submission["urls"] is None and submission["lang"] is None


def test_mapping_of_a_real_shaped_submission_and_comment() -> None:
    t3 = {
        "id": "1abcde",
        "name": "t3_1abcde",
        "title": "Acme widget broke",
        "selftext": "After two days.",
        "author": "[deleted]",
        "created_utc": 1790900000.0,
        "score": 12,
        "num_comments": 4,
        "is_self": True,
        "url": "https://www.reddit.com/r/acme/comments/1abcde/",
    }
    record = to_record("t3", t3)
    assert record["id"] == "t3_1abcde" and record["author_handle"] is None
    assert record["text"] == "Acme widget broke\n\nAfter two days."
    assert record["created_at"] == "2026-10-02T00:13:20Z"
    assert (record["likes"], record["comments"], record["urls"]) == (12, 4, None)
    t1 = {"id": "k1", "body": "same here", "parent_id": "t3_1abcde", "author": "bob", "score": 1}
    reply = to_record("t1", t1)
    assert reply["id"] == "t1_k1"  # built from kind and id when `name` is missing
    assert (reply["in_reply_to_id"], reply["author_handle"]) == ("t3_1abcde", "@bob")
