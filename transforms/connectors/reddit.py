"""Reddit listings (/r/<sub>/new, or /search sorted by new) as canonical records.

Reddit has no time filter and no since-id: listings are newest first, so the connector pages with
the `after` cursor until it reaches a post older than `start` or not newer than the watermark (the
newest created_utc taken so far, as ISO text). Posts at or after `end` belong to a later interval:
they are skipped and never move the watermark.

Record ids are Reddit fullnames (t3_abc for a submission, t1_def for a comment), not bare ids:
a comment's parent_id is a fullname, so replies join to their parents without translation, and a
submission and a comment can never share an id.
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
    iter_pages,
    record,
    require_secret,
    time_text,
)
from transforms.connectors.http import RetryPolicy

CONNECTOR = "reddit_listing"
# Reddit asks for a unique, descriptive agent and throttles generic ones.
USER_AGENT = "python:listener.social-listening:0.1.0 (batch listing connector)"


def to_record(kind: object, data: dict) -> dict[str, object]:
    short = as_str(data.get("id"))
    name = as_str(data.get("name")) or (f"{kind}_{short}" if short and kind else None)
    author = as_str(data.get("author"))
    common: dict[str, object] = {
        "id": name,
        "created_at": time_text(data.get("created_utc")),
        "author_id": as_str(data.get("author_fullname")),
        "author_handle": f"@{author}" if author and author != "[deleted]" else None,
        "likes": as_int(data.get("score")),
    }
    if kind == "t1":  # a comment
        return record(
            **common, text=as_str(data.get("body")), in_reply_to_id=as_str(data.get("parent_id"))
        )
    title, body = as_str(data.get("title")), as_str(data.get("selftext"))
    return record(
        **common,
        text=f"{title}\n\n{body}" if title and body else title or body,
        repost_of_id=as_str(data.get("crosspost_parent")),
        shares=as_int(data.get("num_crossposts")),
        comments=as_int(data.get("num_comments")),
        urls=None if data.get("is_self", True) else as_str(data.get("url")),
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
    """Posts of settings.query ("r/<sub>" or a search query) in [start, end) newer than `since`."""
    require_secret(CONNECTOR, secret)
    base, query = settings.base_url.rstrip("/"), settings.query.strip()
    if query.startswith("r/"):
        url, params = f"{base}/r/{query[2:].strip('/')}/new", {}
    else:
        url, params = f"{base}/search", {"q": query, "sort": "new"}
    params |= {"limit": min(100, max(1, settings.page_size)), "raw_json": 1}
    headers = {"Authorization": f"bearer {secret}", "User-Agent": USER_AGENT}
    endpoint = Endpoint(url, params, headers, cursor_param="after", cursor_at=("data", "after"))
    window = NewestFirstWindow(CONNECTOR, since, start, end)
    result = FetchResult()
    pages = iter_pages(
        CONNECTOR, settings, endpoint, result, client=client, policy=policy, sleep=sleep
    )
    children = window.take(pages, items_at=("data", "children"), created_at=("data", "created_utc"))
    for child in children:
        data = child.get("data") if isinstance(child.get("data"), dict) else {}
        result.add(to_record(child.get("kind"), data), child)
    result.watermark_after = window.watermark_after
    return result
