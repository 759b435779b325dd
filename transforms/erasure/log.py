"""The erasure log: one JSON entry per subject, `<data_dir>/erasure/<request id>.json`, named
and keyed by a hash of the author id (HMAC-SHA256 with $LISTENER_PSEUDONYM_KEY, an unkeyed
sha256 otherwise, and the entry says which), never by the id itself. Each run of the request
appends its counts; `complete` is false while the marts still wait to be republished."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from pathlib import Path

from transforms.config import Config
from transforms.erasure.report import ErasureReport
from transforms.files import write_atomic_bytes

PSEUDONYM_KEY_ENV = "LISTENER_PSEUDONYM_KEY"


def subject_hash(author_id: str, platform: str | None) -> tuple[str, str]:
    """A keyed hash of the request's subject (the id never goes into the log) and its method."""
    message = f"{platform or '*'}:{author_id}".encode()
    key = os.environ.get(PSEUDONYM_KEY_ENV)
    if key:
        digest = hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
        return digest, f"hmac-sha256 of '<platform or *>:<author id>' keyed by ${PSEUDONYM_KEY_ENV}"
    digest = hashlib.sha256(message).hexdigest()
    return digest, (
        f"sha256 of '<platform or *>:<author id>', unkeyed (${PSEUDONYM_KEY_ENV} was not set): "
        "anyone holding a candidate id can confirm it"
    )


def erasure_dir(config: Config) -> Path:
    return config.data_dir / "erasure"


def read_log(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def write_log(path: Path, report: ErasureReport, previous: dict) -> None:
    """One entry per subject (named by its hash, not by a time), one run per request."""
    run = {
        "erased_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "posts": report.posts,
        "reposts": report.reposts,
        "removed": report.removed,
        "redacted": report.redacted,
        "marts_rebuilt": report.marts_rebuilt,
        "marts_published": report.marts_published,
    }
    entry = {
        "request_id": report.request_id,
        "subject_hash": report.subject_hash,
        "hash_method": report.hash_method,
        "platform": report.platform,
        "complete": not _marts_pending(report),
        "runs": [*previous.get("runs", []), run],
    }
    write_atomic_bytes(json.dumps(entry, indent=2, sort_keys=True).encode(), path)


def _marts_pending(report: ErasureReport) -> bool:
    return report.marts_rebuilt and not report.marts_published
