"""HTTP connectors for the platform APIs, one module per platform, all with one signature:

    fetch(settings, secret, since, start, end, *, client=None, policy=None, sleep=time.sleep)
        -> FetchResult

`since` is the stored watermark (X: a tweet id; Reddit and YouTube: an ISO timestamp) and
`FetchResult.watermark_after` the one to store next (None: keep the old one).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from transforms.connectors import reddit, x, youtube
from transforms.connectors.base import RECORD_KEYS, ApiSettings, FetchResult
from transforms.connectors.credentials import CredentialsError, resolve_secret
from transforms.connectors.http import ApiError, RetryPolicy, get_json

CONNECTORS: dict[str, Callable[..., FetchResult]] = {
    "x_recent_search": x.fetch,
    "reddit_listing": reddit.fetch,
    "youtube_comment_threads": youtube.fetch,
}


def fetch_source(
    settings: ApiSettings,
    secret: str,
    since: str | None,
    start: datetime,
    end: datetime,
    **kw: object,
) -> FetchResult:
    """Run the connector for settings.kind (keyword arguments as in the connectors' fetch)."""
    try:
        connector = CONNECTORS[settings.kind]
    except KeyError:
        known = ", ".join(sorted(CONNECTORS))
        raise ValueError(f"unknown connector kind {settings.kind!r} (known: {known})") from None
    return connector(settings, secret, since, start, end, **kw)


__all__ = [
    "CONNECTORS",
    "RECORD_KEYS",
    "ApiError",
    "ApiSettings",
    "CredentialsError",
    "FetchResult",
    "RetryPolicy",
    "fetch_source",
    "get_json",
    "resolve_secret",
]
