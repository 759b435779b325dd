"""YouTube Data API v3 commentThreads as canonical records, one per top-level comment.

The API key travels as the `key` query parameter, so URLs are never logged with their query (the
HTTP client redacts it from errors). Threads come newest first (order=time) with no time filter:
the connector stops at a comment older than `start` or not newer than the watermark (the newest
publishedAt taken so far) and skips comments at or after `end`.
"""

from __future__ import annotations

import time
from datetime import datetime

import httpx

from transforms.connectors.base import (
    ApiSettings,
    Endpoint,
    FetchResult,
    NewestFirstWindow,
    as_int,
    as_str,
    dig,
    iter_pages,
    record,
    require_secret,
    time_text,
)
from transforms.connectors.http import RetryPolicy

CONNECTOR = "youtube_comment_threads"
PATH = "/youtube/v3/commentThreads"
PUBLISHED_AT = ("snippet", "topLevelComment", "snippet", "publishedAt")  # in a thread


def to_record(thread: dict) -> dict[str, object]:
    comment = dig(thread, "snippet", "topLevelComment")
    snippet = dig(comment, "snippet")
    snippet = snippet if isinstance(snippet, dict) else {}
    return record(
        id=as_str(dig(comment, "id")),
        created_at=time_text(snippet.get("publishedAt")),
        author_id=as_str(dig(snippet, "authorChannelId", "value")),
        author_handle=as_str(snippet.get("authorDisplayName")),  # "@handle" on current channels
        text=as_str(snippet.get("textOriginal") or snippet.get("textDisplay")),
        in_reply_to_id=as_str(snippet.get("parentId")),  # only set on reply comments
        likes=as_int(snippet.get("likeCount")),
        comments=as_int(dig(thread, "snippet", "totalReplyCount")),
    )


def fetch(
    settings: ApiSettings,
    secret: str,
    since: str | None,
    start: datetime,
    end: datetime,
    *,
    client: httpx.Client | None = None,
    policy: RetryPolicy | None = None,
    sleep=time.sleep,
) -> FetchResult:
    """Comment threads of a channel ("UC...") or video in [start, end), newer than `since`."""
    require_secret(CONNECTOR, secret)
    query = settings.query.strip()
    target = "allThreadsRelatedToChannelId" if query.startswith("UC") else "videoId"
    params: dict[str, object] = {
        "part": "snippet",
        target: query,
        "order": "time",
        "maxResults": min(100, max(1, settings.page_size)),
        "textFormat": "plainText",
        "key": secret,
    }
    url = settings.base_url.rstrip("/") + PATH
    endpoint = Endpoint(url, params, None, cursor_param="pageToken", cursor_at=("nextPageToken",))
    window = NewestFirstWindow(CONNECTOR, since, start, end)
    result = FetchResult()
    pages = iter_pages(
        CONNECTOR, settings, endpoint, result, client=client, policy=policy, sleep=sleep
    )
    for thread in window.take(pages, items_at=("items",), created_at=PUBLISHED_AT):
        result.add(to_record(thread), thread)
    result.watermark_after = window.watermark_after
    return result
