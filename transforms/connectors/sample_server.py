"""A local server that serves canonical posts in the X, Reddit and YouTube API formats.

It lets the demo and the tests run the real HTTP path (paging, cursors, auth, retries) on
generated data, without network access or accounts. Posts are served newest first with each
platform's own cursor (X next_token, Reddit `after` = the last fullname, YouTube pageToken) and
page-size parameter. Faults (rate limits, 500s, truncated bodies) can be switched on for tests.

What it does not do: evaluate search queries or channel/video/subreddit filters (every post of
the platform matches), or enforce X's seven-day window. Two liberties keep generated rows intact:
a Reddit listing mixes comments (t1) with submissions (t3), and a YouTube reply is served as its
own thread carrying its `parentId`.
"""

from __future__ import annotations

import json
import re
import threading
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from transforms.connectors.base import parse_time

X_PATH = "/2/tweets/search/recent"
YOUTUBE_PATH = "/youtube/v3/commentThreads"
REDDIT_LISTING = re.compile(r"^/r/([^/]+)/new(?:\.json)?$")
MAX_PAGE = 100  # all three APIs cap a page at 100 items

Response = tuple[int, dict[str, str], bytes]


@dataclass
class Faults:
    """Failures to inject; request numbers count every request from 1, across endpoints."""

    rate_limit_every: int | None = None  # every Nth request gets 429 with Retry-After: 1
    error_on_request: set[int] = field(default_factory=set)  # these get a 500
    malformed_on_request: set[int] = field(default_factory=set)  # these get a truncated 200


def _id_key(value: object) -> tuple[int, str]:
    # Orders numeric ids (X snowflakes) numerically and any other id consistently.
    text = "" if value is None else str(value)
    return (len(text), text)


def _drop_none(obj: dict) -> dict:
    """The real APIs omit absent fields rather than sending null."""
    return {k: v for k, v in obj.items() if v is not None}


def _dumps(obj: object) -> bytes:
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:  # a lone surrogate: sent as its \\uXXXX escape, as APIs do
        return json.dumps(obj, separators=(",", ":")).encode()


def _bare(handle: object) -> str | None:
    return str(handle).lstrip("@") or None if handle else None


def _words(value: object) -> list[str]:
    return str(value).split() if value else []


def _page_size(value: str | None, default: int) -> int:
    try:
        return min(MAX_PAGE, max(1, int(value))) if value else default
    except ValueError:
        return default


def _cursor(value: str | None) -> int | None:
    """Opaque page tokens are 'p' + a hex position; None for a token this server never issued."""
    if not value:
        return 0
    try:
        return int(value[1:], 16) if value.startswith("p") else None
    except ValueError:
        return None


class _Feed:
    """One platform's posts, newest first, with the indexes paging needs."""

    def __init__(self, posts: list[dict]) -> None:
        keyed, last = [], 0.0
        for post in posts:
            moment = parse_time(post.get("created_at"))
            # An undated post sorts where it was given, next to its predecessor.
            last = moment.timestamp() if moment is not None else last
            keyed.append((last, _id_key(post.get("id")), post))
        keyed.sort(key=lambda row: (row[0], row[1]), reverse=True)
        self.posts = [post for _, _, post in keyed]
        self.neg_times = [-t for t, _, _ in keyed]  # ascending, for bisect
        self.id_keys = [k for _, k, _ in keyed]
        self._names: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.posts)

    def newer_than(self, end: datetime) -> int:
        """Index of the first post created before `end`."""
        return bisect_right(self.neg_times, -end.timestamp())

    def not_older_than(self, start: datetime) -> int:
        """One past the last post created at or after `start`."""
        return bisect_right(self.neg_times, -start.timestamp())

    def position(self, name: str) -> int | None:
        if self._names is None:
            self._names = {_reddit_name(p, i): i for i, p in enumerate(self.posts)}
        return self._names.get(name)


def _x_time(value: object) -> object:
    moment = parse_time(value)
    if moment is None:
        return value  # served as given: the connector must cope with it
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"  # X: ms


def _x_entities(post: dict) -> dict | None:
    text = str(post.get("text") or "")

    def span(token: str) -> dict[str, int]:
        at = text.find(token)
        return {"start": max(at, 0), "end": max(at, 0) + len(token)}

    entities = {
        "hashtags": [{**span(h), "tag": h.lstrip("#")} for h in _words(post.get("hashtags"))],
        "mentions": [{**span(m), "username": m.lstrip("@")} for m in _words(post.get("mentions"))],
        "urls": [{**span(u), "url": u, "expanded_url": u} for u in _words(post.get("urls"))],
    }
    return {k: v for k, v in entities.items() if v} or None


def _tweet(post: dict) -> dict:
    refs = [
        {"type": kind, "id": str(post[key])}
        for kind, key in (
            ("replied_to", "in_reply_to_id"),
            ("retweeted", "repost_of_id"),
            ("quoted", "quote_of_id"),
        )
        if post.get(key)
    ]
    metrics = _drop_none(
        {
            "retweet_count": post.get("shares"),  # canonical shares = retweets + quotes
            "reply_count": post.get("comments"),
            "like_count": post.get("likes"),
            "quote_count": 0 if post.get("shares") is not None else None,
            "impression_count": post.get("impressions"),
        }
    )
    return _drop_none(
        {
            "id": post.get("id"),
            "text": post.get("text"),
            "author_id": post.get("author_id"),
            "created_at": _x_time(post.get("created_at")),
            "lang": post.get("lang"),
            "public_metrics": metrics or None,
            "referenced_tweets": refs or None,
            "entities": _x_entities(post),
        }
    )


def _x_user(post: dict) -> dict:
    followers = post.get("author_followers")
    return _drop_none(
        {
            "id": post.get("author_id"),
            "name": _bare(post.get("author_handle")),
            "username": _bare(post.get("author_handle")),
            "verified": post.get("author_verified"),
            "public_metrics": None if followers is None else {"followers_count": followers},
        }
    )


def _reddit_name(post: dict, index: int) -> str:
    native = post.get("id")
    if not native:
        return f"t3_missing{index}"  # still a usable cursor for an id-less test row
    native = str(native)
    return native if native[:3] in ("t1_", "t3_") else f"t3_{native}"


def _reddit_child(post: dict, name: str, subreddit: str) -> dict:
    kind, short = name[:2], name[3:]
    created = parse_time(post.get("created_at"))
    common = {
        "id": short if post.get("id") else None,
        "name": name if post.get("id") else None,
        "subreddit": subreddit,
        "author": _bare(post.get("author_handle")),
        "author_fullname": post.get("author_id"),
        "created_utc": created.timestamp() if created else None,
        "score": post.get("likes"),
        "ups": post.get("likes"),
        "permalink": f"/r/{subreddit}/comments/{short}/",
    }
    if kind == "t1":
        parent = post.get("in_reply_to_id")
        data = {**common, "body": post.get("text"), "parent_id": parent}
        data["link_id"] = parent if str(parent).startswith("t3_") else None
    else:
        title, _, body = str(post.get("text") or "").partition("\n\n")
        link = _words(post.get("urls"))
        data = {
            **common,
            "title": title if post.get("text") is not None else None,
            "selftext": body if post.get("text") is not None else None,
            "is_self": not link,
            "url": link[0] if link else f"https://www.reddit.com{common['permalink']}",
            "num_comments": post.get("comments"),
            "num_crossposts": post.get("shares"),
            "crosspost_parent": post.get("repost_of_id"),
            "over_18": False,
        }
    return {"kind": kind, "data": _drop_none(data)}


def _youtube_thread(post: dict, channel: str | None, video: str | None) -> dict:
    handle = post.get("author_handle")
    comment = _drop_none(
        {
            "channelId": channel,
            "videoId": video,
            "textDisplay": post.get("text"),
            "textOriginal": post.get("text"),
            "parentId": post.get("in_reply_to_id"),
            "authorDisplayName": handle,
            "authorChannelUrl": f"http://www.youtube.com/{handle}" if handle else None,
            "authorChannelId": {"value": post["author_id"]} if post.get("author_id") else None,
            "canRate": True,
            "viewerRating": "none",
            "likeCount": post.get("likes"),
            "publishedAt": post.get("created_at"),
            "updatedAt": post.get("created_at"),
        }
    )
    top = _drop_none({"kind": "youtube#comment", "id": post.get("id"), "snippet": comment})
    snippet = {"channelId": channel, "videoId": video, "topLevelComment": top, "canReply": True}
    snippet |= {"totalReplyCount": post.get("comments"), "isPublic": True}
    return _drop_none(
        {"kind": "youtube#commentThread", "id": post.get("id"), "snippet": _drop_none(snippet)}
    )


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> Response:
    return (
        status,
        {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        _dumps(body),
    )


def _x_error(status: int, title: str, detail: str) -> Response:
    return _json(
        status, {"title": title, "type": "about:blank", "status": status, "detail": detail}
    )


class _App:
    """Routing, auth, paging and faults; independent of the socket code."""

    def __init__(
        self, posts: Mapping[str, list[dict]], faults: Faults | None, secret: str | None
    ) -> None:
        self.feeds = {p: _Feed(list(posts.get(p, []))) for p in ("x", "reddit", "youtube")}
        self.faults = faults or Faults()
        self.secret = secret
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()

    def handle(self, path: str, params: dict[str, str], headers: Mapping[str, str]) -> Response:
        with self._lock:
            self.requests.append((path, params))
            number = len(self.requests)
        faults = self.faults
        if faults.rate_limit_every and number % faults.rate_limit_every == 0:
            return _json(429, {"title": "Too Many Requests", "status": 429}, {"Retry-After": "1"})
        if number in faults.error_on_request:
            return _json(500, {"title": "Internal Server Error", "status": 500})
        status, head, body = self._route(path, params, headers)
        if status == 200 and number in faults.malformed_on_request:
            body = body[: max(1, len(body) // 2)]  # a page cut off mid-transfer
        return status, head, body

    def _accepts(self, token: str | None) -> bool:
        """Any non-empty token, or exactly the configured one."""
        return bool(token and token.strip()) and self.secret in (None, token)

    def _route(self, path: str, params: dict[str, str], headers: Mapping[str, str]) -> Response:
        scheme, _, token = (headers.get("Authorization") or "").partition(" ")
        if path == X_PATH:
            if scheme != "Bearer" or not self._accepts(token):
                return _x_error(401, "Unauthorized", "Unauthorized")
            return self._x(params)
        listing = REDDIT_LISTING.match(path)
        if listing or path == "/search":
            if scheme.lower() != "bearer" or not self._accepts(token):
                return _json(401, {"message": "Unauthorized", "error": 401})
            return self._reddit(params, listing.group(1) if listing else "all")
        if path == YOUTUBE_PATH:
            if not self._accepts(params.get("key")):
                # What the real API answers a request without a key: 403, not 401.
                message = "The request is missing a valid API key."
                error = {"code": 403, "message": message, "status": "PERMISSION_DENIED"}
                return _json(403, {"error": error})
            return self._youtube(params)
        return _json(404, {"error": f"no such endpoint: {path}"})

    def _x(self, params: dict[str, str]) -> Response:
        feed = self.feeds["x"]
        lo, hi = 0, len(feed)
        for name in ("start_time", "end_time"):
            if name in params and parse_time(params[name]) is None:
                return _x_error(400, "Invalid Request", f"Invalid '{name}': {params[name]}")
        if "end_time" in params:
            lo = feed.newer_than(parse_time(params["end_time"]))
        if "start_time" in params:
            hi = feed.not_older_than(parse_time(params["start_time"]))
        cursor = _cursor(params.get("next_token"))
        if cursor is None:
            return _x_error(400, "Invalid Request", "Invalid 'next_token'")
        size = _page_size(params.get("max_results"), 10)
        since = _id_key(params["since_id"]) if params.get("since_id") else None
        picked: list[int] = []
        for i in range(max(lo, cursor), hi):
            if since is None or feed.id_keys[i] > since:
                picked.append(i)
                if len(picked) > size:  # one more than a page: there is a next page
                    break
        page = [feed.posts[i] for i in picked[:size]]
        users = {p.get("author_id"): _x_user(p) for p in page if p.get("author_id")}
        body: dict[str, object] = {}
        if page:
            body["data"] = [_tweet(p) for p in page]
            body["includes"] = {"users": list(users.values())}
        meta: dict[str, object] = {"result_count": len(page)}
        if page:
            meta |= {"newest_id": page[0].get("id"), "oldest_id": page[-1].get("id")}
        if len(picked) > size:
            meta["next_token"] = f"p{picked[size]:x}"
        body["meta"] = _drop_none(meta)
        return _json(200, body)

    def _reddit(self, params: dict[str, str], subreddit: str) -> Response:
        feed = self.feeds["reddit"]
        size = _page_size(params.get("limit"), 25)
        begin = 0
        if params.get("after"):
            at = feed.position(params["after"])
            begin = len(feed) if at is None else at + 1  # a stale cursor gives an empty page
        stop = min(len(feed), begin + size)
        names = [_reddit_name(feed.posts[i], i) for i in range(begin, stop)]
        children = [
            _reddit_child(feed.posts[i], name, subreddit)
            for i, name in zip(range(begin, stop), names, strict=True)
        ]
        after = names[-1] if names and stop < len(feed) else None
        data = {"after": after, "dist": len(children), "children": children, "before": None}
        return _json(200, {"kind": "Listing", "data": data})

    def _youtube(self, params: dict[str, str]) -> Response:
        feed = self.feeds["youtube"]
        begin = _cursor(params.get("pageToken"))
        if begin is None:
            error = {"code": 400, "message": "The page token is invalid.", "status": "BAD_REQUEST"}
            return _json(400, {"error": error})
        size = _page_size(params.get("maxResults"), 20)
        stop = min(len(feed), begin + size)
        channel = params.get("allThreadsRelatedToChannelId")
        video = params.get("videoId")
        body: dict[str, object] = {"kind": "youtube#commentThreadListResponse"}
        if stop < len(feed):
            body["nextPageToken"] = f"p{stop:x}"
        body["pageInfo"] = {"totalResults": max(0, stop - begin), "resultsPerPage": size}
        body["items"] = [_youtube_thread(feed.posts[i], channel, video) for i in range(begin, stop)]
        return _json(200, body)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection serves a whole paging run
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms ACK wait
    app: _App  # set on the subclass each server makes

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        parts = urlsplit(self.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        status, headers, body = self.app.handle(parts.path, params, self.headers)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        pass  # one line per request on stderr would drown the demo's own output


class SampleApiServer:
    """`with SampleApiServer({"x": [...], "reddit": [...], "youtube": [...]}) as server:` serves
    those canonical posts at `server.base_url` until the block ends. Any non-empty token or key
    is accepted unless `secret` is given."""

    def __init__(
        self,
        posts: Mapping[str, list[dict]],
        faults: Faults | None = None,
        secret: str | None = None,  # when set, only this token/key is accepted
    ) -> None:
        self._app = _App(posts, faults, secret)
        handler = type("Handler", (_Handler,), {"app": self._app})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def faults(self) -> Faults:
        return self._app.faults

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        """Every request so far as (path, query parameters), in arrival order."""
        return self._app.requests

    def start(self) -> SampleApiServer:
        self._thread = threading.Thread(
            # A short poll interval: shutdown waits for it, and tests start many servers.
            target=self._server.serve_forever,
            args=(0.02,),
            name="sample-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> SampleApiServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
