"""What every connector shares: its settings, its result and the canonical record it emits.

A connector turns one platform's API pages into canonical records (one per item, the keys in
RECORD_KEYS) and keeps each item's own JSON beside it. It does not validate: an item missing a
field still yields a record (with None there), so the quarantine step can see and keep it.
Intervals are half-open, [start, end), like X's start_time/end_time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from transforms.connectors.credentials import CredentialsError
from transforms.connectors.http import ApiError, RequestStats, RetryPolicy, get_json, safe_url

RECORD_KEYS = (
    "id",
    "created_at",
    "author_id",
    "author_handle",
    "author_followers",
    "author_verified",
    "text",
    "lang",
    "in_reply_to_id",
    "repost_of_id",
    "quote_of_id",
    "likes",
    "shares",
    "comments",
    "impressions",
    "urls",
    "hashtags",
    "mentions",
)


@dataclass(frozen=True)
class ApiSettings:
    kind: str  # "x_recent_search" | "reddit_listing" | "youtube_comment_threads"
    base_url: str  # e.g. https://api.x.com, https://oauth.reddit.com, https://www.googleapis.com
    query: str  # X: search query; Reddit: "r/<sub>" or a search query; YouTube: channel/video id
    page_size: int = 100
    max_pages: int = 1000  # a safety bound: exceeding it raises ApiError instead of looping forever


@dataclass
class FetchResult:
    records: list[dict[str, object]] = field(default_factory=list)
    payloads: list[str] = field(default_factory=list)  # each item's JSON, same order as records
    pages: int = 0
    requests: int = 0  # HTTP requests made, retries included
    watermark_after: str | None = None  # the new high-water mark (None = unchanged)

    def add(self, record: dict[str, object], item: object) -> None:
        self.records.append(record)
        self.payloads.append(payload_text(item))


def payload_text(item: object) -> str:
    """An item re-serialized compactly from the parsed page: same keys, order and values as sent.
    A lone surrogate (a "\\ud800" escape, valid JSON but no character) stays an escape, so the
    payload is always text that can be stored."""
    text = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(item, separators=(",", ":"))
    return text


def record(**values: object) -> dict[str, object]:
    """A canonical record: every key present, None where the item had nothing."""
    unknown = values.keys() - set(RECORD_KEYS)
    if unknown:
        raise TypeError(f"not canonical record keys: {sorted(unknown)}")
    return {key: values.get(key) for key in RECORD_KEYS}


def utc(moment: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso_z(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z, to the second (or millisecond when there is a fraction)."""
    moment = utc(moment)
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def parse_time(value: object) -> datetime | None:
    """An ISO-8601 string or epoch seconds as aware UTC; None when absent or unreadable."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(round(float(value), 3), UTC)
        if isinstance(value, str):
            return utc(datetime.fromisoformat(value))
    except (ValueError, OverflowError, OSError):
        return None
    return None


def time_text(value: object) -> str | None:
    """A timestamp as canonical ISO Z text; an unreadable one is kept as sent for validation."""
    moment = parse_time(value)
    if moment is not None:
        return iso_z(moment)
    return None if value is None else str(value)


def as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def as_str(value: object) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)


def joined(values: Iterable[object]) -> str | None:
    """Space-separated non-empty values, or None when there are none."""
    text = " ".join(str(v) for v in values if v)
    return text or None


def dig(item: object, *path: str) -> object:
    """item[path[0]][path[1]]...; None as soon as a step is missing or not an object."""
    for key in path:
        if not isinstance(item, dict):
            return None
        item = item.get(key)
    return item


def items_of(value: object) -> list[dict]:
    """The objects in a list field (anything else in it is dropped)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


@contextmanager
def client_scope(client: httpx.Client | None, policy: RetryPolicy) -> Iterator[httpx.Client]:
    """The caller's client, or a fresh one closed afterwards."""
    if client is not None:
        yield client
        return
    with httpx.Client(timeout=httpx.Timeout(policy.timeout), follow_redirects=True) as own:
        yield own


def require_secret(connector: str, secret: str) -> None:
    """An empty secret is a setup mistake: say so instead of sending a malformed request."""
    if not secret or not secret.strip():
        raise CredentialsError(f"{connector}: the secret is empty")


def check_page_bound(connector: str, url: str, settings: ApiSettings, pages: int) -> None:
    """Raise before fetching page `pages + 1` when that would exceed settings.max_pages."""
    if pages >= settings.max_pages:
        raise ApiError(
            connector,
            safe_url(url),
            f"more than max_pages={settings.max_pages} pages: narrow the interval or raise it",
            attempts=0,
        )


@dataclass(frozen=True)
class Endpoint:
    """One paged GET listing: where to ask, and where each page names the next one."""

    url: str
    params: Mapping[str, object]
    headers: Mapping[str, str] | None
    cursor_param: str  # the query parameter that asks for the page after a cursor
    cursor_at: tuple[str, ...]  # the cursor's path in a page; none there means the last page


def iter_pages(
    connector: str,
    settings: ApiSettings,
    endpoint: Endpoint,
    result: FetchResult,
    *,
    client: httpx.Client | None,
    policy: RetryPolicy | None,
    sleep: Callable[[float], None],
) -> Iterator[dict]:
    """Each page's JSON in turn, following the cursor until a page has none.

    Counts pages and HTTP requests into `result` as it goes. Pages are fetched only when asked
    for, so a caller that stops iterating sends no further request; the generator, and with it a
    client it opened, closes when the caller lets go of it."""
    policy = policy or RetryPolicy()
    stats = RequestStats()
    cursor: str | None = None
    url, headers = endpoint.url, endpoint.headers
    with client_scope(client, policy) as http:
        while True:
            check_page_bound(connector, url, settings, result.pages)
            params = endpoint.params
            if cursor:  # the first page is asked for without one
                params = {**params, endpoint.cursor_param: cursor}
            page = get_json(
                http, url, params, headers, policy, sleep, connector=connector, stats=stats
            )
            result.pages += 1
            result.requests = stats.requests  # retries included
            yield page
            cursor = as_str(dig(page, *endpoint.cursor_at))
            if not cursor:
                return


class NewestFirstWindow:
    """The stopping rule for newest-first listings that cannot filter by time themselves.

    `verdict` says what to do with the next item: "take" it, "skip" it (at or after `end`: a
    later interval's), or "stop" (older than `start`, or not newer than the watermark `since`,
    so everything after it was taken before). Undated items are taken: validation decides."""

    def __init__(self, connector: str, since: str | None, start: datetime, end: datetime) -> None:
        self.floor = parse_time(since) if since else None
        if since and self.floor is None:
            raise ValueError(f"{connector}: watermark {since!r} is not an ISO-8601 timestamp")
        self.start, self.end = utc(start), utc(end)
        self.newest: datetime | None = None

    def verdict(self, created: datetime | None) -> str:
        if created is None:
            return "take"
        if created >= self.end:
            return "skip"
        if created < self.start or (self.floor is not None and created <= self.floor):
            return "stop"
        self.newest = created if self.newest is None else max(self.newest, created)
        return "take"

    def take(
        self, pages: Iterable[dict], items_at: tuple[str, ...], created_at: tuple[str, ...]
    ) -> Iterator[dict]:
        """The items of `pages` to keep, in order, as `verdict` decides for each.

        `items_at` is the path to a page's item list, `created_at` the path to an item's
        timestamp. Ending at the first "stop" also ends the paging: no later page is fetched."""
        for page in pages:
            for item in items_of(dig(page, *items_at)):
                verdict = self.verdict(parse_time(dig(item, *created_at)))
                if verdict == "stop":
                    return
                if verdict == "take":
                    yield item

    @property
    def watermark_after(self) -> str | None:
        return iso_z(self.newest) if self.newest is not None else None
