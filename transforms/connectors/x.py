"""X API v2 recent search (GET /2/tweets/search/recent) as canonical records.

X filters by time and since_id itself and returns the newest tweets first, so the new watermark is
the first page's meta.newest_id. Authors arrive once per page in includes.users.
"""

from __future__ import annotations

import time
from datetime import datetime

import httpx

from transforms.connectors.base import (
    ApiSettings,
    Endpoint,
    FetchResult,
    as_int,
    as_str,
    dig,
    items_of,
    iter_pages,
    joined,
    record,
    require_secret,
    time_text,
    utc,
)
from transforms.connectors.http import RetryPolicy

CONNECTOR = "x_recent_search"
PATH = "/2/tweets/search/recent"
TWEET_FIELDS = "created_at,lang,public_metrics,referenced_tweets,entities,author_id"
USER_FIELDS = "username,verified,public_metrics"
REFERENCE_FIELDS = {
    "replied_to": "in_reply_to_id",
    "retweeted": "repost_of_id",
    "quoted": "quote_of_id",
}


def rfc3339(moment: datetime) -> str:
    """X takes start_time/end_time to the second, as YYYY-MM-DDTHH:mm:ssZ."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sum(*values: object) -> int | None:
    counts = [n for n in map(as_int, values) if n is not None]
    return sum(counts) if counts else None


def to_record(tweet: dict, users: dict[object, dict]) -> dict[str, object]:
    user = users.get(tweet.get("author_id"), {})
    username = as_str(user.get("username"))
    metrics = tweet.get("public_metrics")
    refs = {
        REFERENCE_FIELDS[ref["type"]]: as_str(ref.get("id"))
        for ref in items_of(tweet.get("referenced_tweets"))
        if ref.get("type") in REFERENCE_FIELDS
    }
    entities = tweet.get("entities")
    return record(
        id=as_str(tweet.get("id")),
        created_at=time_text(tweet.get("created_at")),
        author_id=as_str(tweet.get("author_id")),
        author_handle=f"@{username}" if username else None,
        author_followers=as_int(dig(user, "public_metrics", "followers_count")),
        author_verified=v if isinstance(v := user.get("verified"), bool) else None,
        text=as_str(tweet.get("text")),
        lang=as_str(tweet.get("lang")),
        likes=as_int(dig(metrics, "like_count")),
        shares=_sum(dig(metrics, "retweet_count"), dig(metrics, "quote_count")),
        comments=as_int(dig(metrics, "reply_count")),
        impressions=as_int(dig(metrics, "impression_count")),
        urls=joined(u.get("expanded_url") or u.get("url") for u in items_of(dig(entities, "urls"))),
        hashtags=joined(
            f"#{h['tag']}" for h in items_of(dig(entities, "hashtags")) if h.get("tag")
        ),
        mentions=joined(
            f"@{m['username']}" for m in items_of(dig(entities, "mentions")) if m.get("username")
        ),
        **refs,
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
    """Tweets matching settings.query in [start, end), newer than tweet id `since` when given."""
    require_secret(CONNECTOR, secret)
    params: dict[str, object] = {
        "query": settings.query,
        "max_results": min(100, max(10, settings.page_size)),  # the API accepts 10..100
        "start_time": rfc3339(start),
        "end_time": rfc3339(end),
        "expansions": "author_id,referenced_tweets.id",
        "tweet.fields": TWEET_FIELDS,
        "user.fields": USER_FIELDS,
    }
    if since:
        params["since_id"] = since
    endpoint = Endpoint(
        url=settings.base_url.rstrip("/") + PATH,
        params=params,
        headers={"Authorization": f"Bearer {secret}"},
        cursor_param="next_token",
        cursor_at=("meta", "next_token"),
    )
    result = FetchResult()
    pages = iter_pages(
        CONNECTOR, settings, endpoint, result, client=client, policy=policy, sleep=sleep
    )
    for page in pages:
        meta = page.get("meta") if isinstance(page.get("meta"), dict) else {}
        if result.pages == 1 and as_int(meta.get("result_count")):
            result.watermark_after = as_str(meta.get("newest_id"))
        users = {u.get("id"): u for u in items_of(dig(page, "includes", "users"))}
        for tweet in items_of(page.get("data")):
            result.add(to_record(tweet, users), tweet)
    return result
