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
    FetchResult,
    NewestFirstWindow,
    as_int,
    as_str,
    check_page_bound,
    client_scope,
    dig,
    items_of,
    parse_time,
    record,
    require_secret,
    time_text,
)
from transforms.connectors.http import RequestStats, RetryPolicy, get_json

CONNECTOR = "youtube_comment_threads"
PATH = "/youtube/v3/commentThreads"


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
    policy = policy or RetryPolicy()
    url = settings.base_url.rstrip("/") + PATH
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
    window = NewestFirstWindow(CONNECTOR, since, start, end)
    result, stats = FetchResult(), RequestStats()
    token: str | None = None
    with client_scope(client, policy) as http:
        done = False
        while not done:
            check_page_bound(CONNECTOR, url, settings, result.pages)
            page_params = {**params, "pageToken": token} if token else params
            page = get_json(
                http, url, page_params, None, policy, sleep, connector=CONNECTOR, stats=stats
            )
            result.pages += 1
            for thread in items_of(page.get("items")):
                published = dig(thread, "snippet", "topLevelComment", "snippet", "publishedAt")
                verdict = window.verdict(parse_time(published))
                if verdict == "skip":
                    continue
                if verdict == "stop":
                    done = True
                    break
                result.add(to_record(thread), thread)
            token = as_str(page.get("nextPageToken"))
            done = done or not token
    result.watermark_after = window.watermark_after
    result.requests = stats.requests
    return result
