"""A small JSON-over-HTTP client with the retry rules every platform API needs.

Platform APIs fail in ordinary ways: rate limits (429 with Retry-After), brief 5xx outages,
timeouts, and now and then a 200 whose body was cut off. Those are retried with capped exponential
backoff and full jitter; anything the caller must fix (a bad token, a wrong URL) fails at once.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import httpx

from transforms.errors import ListenerError

log = logging.getLogger(__name__)

# Query parameters that carry credentials (YouTube's `key`); their values never reach a message.
SECRET_PARAMS = frozenset({"key", "api_key", "access_token", "token", "client_secret"})
RETRY_AFTER_STATUSES = frozenset({429, 503})

_SECRET_IN_QUERY = re.compile(
    r"([?&](?:" + "|".join(sorted(SECRET_PARAMS)) + r")=)[^&#\s\"']*", re.IGNORECASE
)


class _RedactQuerySecrets(logging.Filter):
    """httpx logs every request URL at INFO, query included: hide credential parameters."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _SECRET_IN_QUERY.sub(r"\1***", str(a)) if isinstance(a, str | httpx.URL) else a
                for a in record.args
            )
        return True


if not any(isinstance(f, _RedactQuerySecrets) for f in logging.getLogger("httpx").filters):
    logging.getLogger("httpx").addFilter(_RedactQuerySecrets())


class ApiError(ListenerError):
    """A request that failed for good: retries exhausted, or a failure retrying cannot fix."""

    def __init__(
        self, connector: str, url: str, reason: str, attempts: int, status: int | None = None
    ) -> None:
        self.connector, self.url, self.reason = connector, url, reason
        self.attempts, self.status = attempts, status
        tries = f"{attempts} attempt" + ("" if attempts == 1 else "s")
        outcome = f"failed after {tries}" if attempts else "stopped"  # 0: no request was made
        super().__init__(f"{connector}: GET {url} {outcome}: {reason}")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5  # seconds before the first retry, doubled per attempt (then jittered)
    max_delay: float = 30.0  # cap on any single wait, Retry-After included
    timeout: float = 10.0  # connect and read timeout per request, seconds


@dataclass
class RequestStats:
    """Counts HTTP requests, retries included, for a caller that reports them."""

    requests: int = 0


def safe_url(url: str) -> str:
    """The URL without user info, query or fragment: what may appear in logs and errors."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(max_delay, base_delay * 2**(attempt-1))].

    Jitter spreads clients that failed together so they do not retry in lockstep."""
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** max(0, attempt - 1))
    return rng.uniform(0.0, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent
    or unreadable. A date in the past means no wait."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT by definition
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _server_wait(response: httpx.Response) -> float | None:
    """The wait the server asked for: Retry-After, or X's x-rate-limit-reset (epoch seconds)."""
    wait = parse_retry_after(response.headers.get("retry-after"))
    reset = response.headers.get("x-rate-limit-reset")
    if wait is None and response.status_code == 429 and reset and reset.isdigit():
        wait = max(0.0, int(reset) - time.time())
    return wait


def _redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:  # tiny strings would mangle the message, not hide anything
            text = text.replace(secret, "***")
    return text


def _secrets(params: Mapping[str, object] | None, headers: Mapping[str, str] | None) -> list[str]:
    found = [str(v) for k, v in (params or {}).items() if k.lower() in SECRET_PARAMS]
    auth = (headers or {}).get("Authorization") or (headers or {}).get("authorization")
    if auth:
        found += [auth, auth.split(" ", 1)[-1]]
    return found


def _excerpt(response: httpx.Response) -> str:
    """A short, single-line piece of an error body (APIs explain 4xx there)."""
    text = " ".join(response.text.split())
    return text[:200] + ("..." if len(text) > 200 else "")


def get_json(
    client: httpx.Client,
    url: str,
    params: Mapping[str, object] | None,
    headers: Mapping[str, str] | None,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    *,
    connector: str = "http",
    stats: RequestStats | None = None,
) -> dict:
    """GET `url` and return its JSON object, retrying transient failures (see module docstring).

    Raises ApiError naming the connector, the URL without query, the last status or error and the
    attempts made. `sleep` and `rng` are injectable so tests neither wait nor guess."""
    rng = rng or random.Random()
    secrets = _secrets(params, headers)
    shown = safe_url(url)
    timeout = httpx.Timeout(policy.timeout)
    status: int | None = None
    reason = "no attempt made"
    for attempt in range(1, policy.max_attempts + 1):
        if stats is not None:
            stats.requests += 1
        wait: float | None = None
        try:
            response = client.get(url, params=params, headers=headers, timeout=timeout)
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            status, reason = None, f"{type(exc).__name__}: {exc}"
        else:
            status = response.status_code
            if status == 200:
                try:
                    body = response.json()
                except ValueError:
                    reason = "HTTP 200 with a body that is not valid JSON (truncated?)"
                else:
                    if isinstance(body, dict):
                        return body
                    raise ApiError(
                        connector, shown, "HTTP 200 but the body is not a JSON object", attempt, 200
                    )
            elif status == 429 or status >= 500:
                reason = f"HTTP {status} {_excerpt(response)}".rstrip()
                if status in RETRY_AFTER_STATUSES:
                    wait = _server_wait(response)
            else:
                hint = " (check the credentials)" if status in (401, 403) else ""
                reason = _redact(f"HTTP {status}{hint}: {_excerpt(response)}", secrets)
                raise ApiError(connector, shown, reason, attempt, status)
        reason = _redact(reason, secrets)
        if attempt == policy.max_attempts:
            break
        delay = min(policy.max_delay, wait) if wait is not None else None
        if delay is None:
            delay = backoff_delay(attempt, policy, rng)
        log.warning(
            "%s: GET %s attempt %d/%d failed (%s); retrying in %.2fs",
            *(connector, shown, attempt, policy.max_attempts, reason, delay),
        )
        sleep(delay)
    raise ApiError(connector, shown, reason, policy.max_attempts, status)
