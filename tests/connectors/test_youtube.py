"""YouTube commentThreads: parameters, the API key's handling, and the mapping."""

from __future__ import annotations

import logging

import pytest

from transforms.connectors import ApiError
from transforms.connectors.sample_server import Faults, SampleApiServer
from transforms.connectors.youtube import to_record

from .conftest import SECRET, make_posts, run


def test_channel_and_video_parameters() -> None:
    with SampleApiServer({"youtube": make_posts("youtube", 12)}) as server:
        run(server, "youtube")
        run(server, "youtube", query="dQw4w9WgXcQ")
    (path, first), (_, second), (_, video) = server.requests[:3]
    assert path == "/youtube/v3/commentThreads"
    assert first == {
        "part": "snippet",
        "allThreadsRelatedToChannelId": "UCacme000000000000000000",
        "order": "time",
        "maxResults": "10",
        "textFormat": "plainText",
        "key": SECRET,
    }
    assert second["pageToken"] and "pageToken" not in first
    assert video["videoId"] == "dQw4w9WgXcQ" and "allThreadsRelatedToChannelId" not in video


def test_the_key_is_never_logged_nor_in_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    faults = Faults(error_on_request=set(range(1, 10)))
    posts = {"youtube": make_posts("youtube", 3)}
    with SampleApiServer(posts, faults) as server, pytest.raises(ApiError) as caught:
        run(server, "youtube")
    assert "retrying" in caplog.text
    assert SECRET not in caplog.text and SECRET not in str(caught.value)
    assert "key=" not in str(caught.value)


def test_mapping_including_replies() -> None:
    posts = make_posts("youtube", 3)
    posts[2] |= {"in_reply_to_id": posts[0]["id"]}
    with SampleApiServer({"youtube": posts}) as server:
        records = {r["id"]: r for r in run(server, "youtube").records}
    top, reply = records[posts[1]["id"]], records[posts[2]["id"]]
    assert (top["author_handle"], top["author_id"]) == ("@fan1", "author1")
    assert (top["text"], top["likes"], top["comments"]) == (posts[1]["text"], 1, 1)
    assert top["created_at"] == posts[1]["created_at"] and top["in_reply_to_id"] is None
    assert reply["in_reply_to_id"] == posts[0]["id"]
    assert top["shares"] is None and top["impressions"] is None


def test_mapping_of_a_real_shaped_thread() -> None:
    thread = {
        "kind": "youtube#commentThread",
        "id": "UgxThread",
        "snippet": {
            "videoId": "v1",
            "topLevelComment": {
                "kind": "youtube#comment",
                "id": "UgxThread",
                "snippet": {
                    "textDisplay": "Great <b>review</b>",
                    "textOriginal": "Great review",
                    "authorDisplayName": "@reviewer",
                    "authorChannelId": {"value": "UCreviewer"},
                    "likeCount": 3,
                    "publishedAt": "2026-10-01T10:00:00+00:00",
                },
            },
            "totalReplyCount": 2,
        },
    }
    record = to_record(thread)
    assert record["id"] == "UgxThread" and record["text"] == "Great review"
    assert record["created_at"] == "2026-10-01T10:00:00Z"
    assert (record["author_id"], record["likes"], record["comments"]) == ("UCreviewer", 3, 2)
    assert to_record({"id": "x"})["id"] is None  # no topLevelComment: kept, with None
