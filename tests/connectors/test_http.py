"""The retrying JSON client: backoff bounds, Retry-After, what is retried and what fails at once."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from transforms.connectors.http import (
    ApiError,
    RequestStats,
    RetryPolicy,
    backoff_delay,
    get_json,
    parse_retry_after,
    safe_url,
)

URL = "https://api.example.com/v1/items"
POLICY = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=30.0, timeout=1.0)
Step = httpx.Response | Exception


def scripted(*steps: Step) -> tuple[httpx.Client, list[httpx.Request]]:
    """A client whose transport answers with `steps` in order (an exception is raised)."""
    seen: list[httpx.Request] = []
    queue = list(steps)

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = queue.pop(0)
        if isinstance(step, Exception):
            raise step
        return step

    return httpx.Client(transport=httpx.MockTransport(answer)), seen


def call(client: httpx.Client, sleeps: list[float], **kw: object) -> dict:
    params = kw.pop("params", {"q": "acme"})
    headers = kw.pop("headers", {"Authorization": "Bearer tok-123456"})
    policy = kw.pop("policy", POLICY)
    rng = random.Random(7)
    return get_json(client, URL, params, headers, policy, sleeps.append, rng, **kw)


OK = httpx.Response(200, json={"ok": True})


def test_backoff_is_full_jitter_under_a_growing_capped_ceiling() -> None:
    rng = random.Random(1)
    for attempt in range(1, 12):
        ceiling = min(POLICY.max_delay, POLICY.base_delay * 2 ** (attempt - 1))
        delays = [backoff_delay(attempt, POLICY, rng) for _ in range(300)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > 0.8 * ceiling and min(delays) < 0.2 * ceiling  # spread, not fixed


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2", 2.0), ("0", 0.0), (" 7 ", 7.0), ("1.5", 1.5), ("-3", 0.0), ("soon", None), (None, None)],
)
def test_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_retry_after_http_date() -> None:
    now = datetime(2026, 10, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=5), usegmt=True)
    earlier = format_datetime(now - timedelta(seconds=5), usegmt=True)
    assert later.endswith("GMT")
    assert parse_retry_after(later, now=now) == 5.0
    assert parse_retry_after(earlier, now=now) == 0.0


def test_429_retry_after_seconds_is_slept(sleeps: list[float]) -> None:
    client, seen = scripted(httpx.Response(429, headers={"Retry-After": "2"}), OK)
    assert call(client, sleeps) == {"ok": True}
    assert sleeps == [2.0] and len(seen) == 2


def test_503_retry_after_date_is_capped_at_max_delay(sleeps: list[float]) -> None:
    far = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    client, _ = scripted(httpx.Response(503, headers={"Retry-After": far}), OK)
    call(client, sleeps)
    assert sleeps == [POLICY.max_delay]


def test_x_rate_limit_reset_is_used_without_retry_after(sleeps: list[float]) -> None:
    reset = str(int(time.time()) + 3)
    client, _ = scripted(httpx.Response(429, headers={"x-rate-limit-reset": reset}), OK)
    call(client, sleeps)
    assert len(sleeps) == 1 and 1.0 < sleeps[0] <= 3.0


def test_retry_after_is_ignored_on_a_plain_500(sleeps: list[float]) -> None:
    client, _ = scripted(httpx.Response(500, headers={"Retry-After": "20"}), OK)
    call(client, sleeps)
    assert len(sleeps) == 1 and sleeps[0] <= POLICY.base_delay


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("timed out"),
        httpx.ConnectTimeout("timed out"),
        httpx.ConnectError("connection refused"),
        httpx.RemoteProtocolError("peer closed connection"),
        httpx.Response(200, text='{"data": [{"id": "1"'),  # a page cut off mid-transfer
        httpx.Response(502, text="<html>Bad Gateway</html>"),
    ],
)
def test_transient_failures_are_retried(failure: Step, sleeps: list[float]) -> None:
    client, seen = scripted(failure, failure, OK)
    stats = RequestStats()
    assert call(client, sleeps, stats=stats) == {"ok": True}
    assert len(seen) == stats.requests == 3
    assert len(sleeps) == 2 and sleeps[0] <= 0.5 and sleeps[1] <= 1.0


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_fail_at_once(status: int, sleeps: list[float]) -> None:
    client, seen = scripted(httpx.Response(status, json={"detail": "nope"}))
    with pytest.raises(ApiError) as caught:
        call(client, sleeps, connector="demo")
    assert len(seen) == 1 and sleeps == []
    assert caught.value.status == status and caught.value.attempts == 1
    assert str(caught.value).startswith(f"demo: GET {URL} failed after 1 attempt: HTTP {status}")
    assert ("check the credentials" in str(caught.value)) == (status in (401, 403))


def test_exhausted_retries_name_everything(sleeps: list[float]) -> None:
    client, seen = scripted(*[httpx.Response(500, text="oops")] * 4)
    with pytest.raises(ApiError) as caught:
        call(client, sleeps, connector="demo")
    assert str(caught.value) == f"demo: GET {URL} failed after 4 attempts: HTTP 500 oops"
    assert len(seen) == 4 and len(sleeps) == 3


def test_exhausted_timeouts_report_the_error(sleeps: list[float]) -> None:
    client, _ = scripted(*[httpx.ReadTimeout("timed out")] * 4)
    with pytest.raises(ApiError, match="after 4 attempts: ReadTimeout: timed out"):
        call(client, sleeps)


def test_a_json_body_that_is_not_an_object_fails(sleeps: list[float]) -> None:
    client, _ = scripted(httpx.Response(200, json=[1, 2]))
    with pytest.raises(ApiError, match="not a JSON object"):
        call(client, sleeps)


def test_secrets_stay_out_of_errors_and_logs(
    sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="httpx")  # whatever level an earlier import gave it
    key, token = "fake-api-key-123", "tok-very-secret"
    body = f'{{"error": "bad key {key} for token {token}"}}'
    client, _ = scripted(httpx.Response(500, text=body), httpx.Response(400, text=body))
    with pytest.raises(ApiError) as caught:
        call(client, sleeps, params={"key": key}, headers={"Authorization": f"Bearer {token}"})
    for text in (str(caught.value), caplog.text):
        assert key not in text and token not in text
    assert "key=***" in caplog.text  # httpx's own request log line, redacted


def test_safe_url_drops_credentials_and_query() -> None:
    assert safe_url("https://u:p@api.x.com:8443/2/x?key=s#f") == "https://api.x.com:8443/2/x"


def test_the_timeout_comes_from_the_policy(sleeps: list[float]) -> None:
    seen: list[dict] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return OK

    client = httpx.Client(transport=httpx.MockTransport(answer))
    call(client, sleeps, policy=RetryPolicy(timeout=2.5))
    assert seen[0]["connect"] == seen[0]["read"] == 2.5


def test_rng_is_optional() -> None:
    client, _ = scripted(httpx.Response(429, headers={"Retry-After": "0"}), OK)
    waits: list[float] = []
    sleep: Callable[[float], None] = waits.append
    assert get_json(client, URL, None, None, POLICY, sleep) == {"ok": True}
    assert waits == [0.0]
