"""Failure alerts: what every Listener task's `on_failure_callback` does.

A failed task (a stopped quality gate, a dbt test, a broken source) is appended as one JSON line
to `data/alerts/task_failures.jsonl`, logged, posted to a webhook when the environment names
one (`LISTENER_ALERT_WEBHOOK`: Slack, Teams, Mattermost and most chat tools accept
`{"text": ...}`), and emailed to `delivery.failure_recipients` when the SMTP connection
(`delivery.smtp_connection`) is defined. The webhook URL carries a token, so it only ever comes
from the environment; each channel is tried even when another one fails.

Imported when DAG files are parsed: standard library only at the top.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transforms.config import Config

WEBHOOK_ENV = "LISTENER_ALERT_WEBHOOK"
MAX_ERROR_CHARS = 4000
log = logging.getLogger(__name__)


def failure_alert(context: dict[str, Any]) -> dict[str, Any]:
    """The alert for a failed task: which task of which run, and the error it failed with."""
    ti = context["ti"]
    error = context.get("exception")
    return {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "dag_id": ti.dag_id,
        "task_id": ti.task_id,
        "map_index": getattr(ti, "map_index", -1),
        "run_id": ti.run_id,
        "try_number": getattr(ti, "try_number", None),
        "error_type": type(error).__name__ if error is not None else None,
        "error": str(error)[:MAX_ERROR_CHARS] if error is not None else "",
    }


def alerts_file(data_dir: Path) -> Path:
    return data_dir / "alerts" / "task_failures.jsonl"


def record_alert(alert: dict[str, Any], data_dir: Path) -> Path:
    path = alerts_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(alert, sort_keys=True) + "\n")
    return path


def alert_text(alert: dict[str, Any]) -> str:
    where = f"{alert['dag_id']}.{alert['task_id']}"
    if alert["map_index"] not in (None, -1):
        where += f"[{alert['map_index']}]"
    return f"Listener: {where} failed in run {alert['run_id']}\n{alert['error']}"


def post_webhook(url: str, alert: dict[str, Any], timeout: float = 10.0) -> int:
    return post_text(url, alert_text(alert), alert, timeout)


def post_text(url: str, text: str, details: dict[str, Any], timeout: float = 10.0) -> int:
    """POST `{"text": ..., "alert": details}`: chat tools show the text, other tools the rest."""
    body = json.dumps({"text": text, "alert": details}, default=str).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status


def email_alert(alert: dict[str, Any], config: Config) -> bool:
    """Email the alert to the failure recipients; False when there is no one or no server."""
    from transforms.email_delivery import build_message, send, smtp_server

    recipients = config.delivery.failure_recipients
    server = smtp_server(config.delivery.smtp_connection) if recipients else None
    if server is None:
        return False
    text = alert_text(alert)
    send(build_message(config.delivery.sender, recipients, text.splitlines()[0], text), server)
    return True


def on_task_failure(context: dict[str, Any]) -> None:
    """Airflow failure callback. It never raises: a broken alert channel must not hide the
    task's own error, so its problems are logged instead."""
    try:
        from transforms.config import load_config

        alert = failure_alert(context)
        log.error("%s", alert_text(alert))
        config = load_config()
        record_alert(alert, config.data_dir)
    except Exception:  # noqa: BLE001 - see the docstring
        log.exception("the failure alert could not be recorded")
        return
    url = os.environ.get(WEBHOOK_ENV)
    channels = [("webhook", lambda: post_webhook(url, alert))] if url else []
    channels.append(("email", lambda: email_alert(alert, config)))
    for name, deliver in channels:
        try:
            deliver()
        except Exception:  # noqa: BLE001 - see the docstring
            log.exception("the failure alert could not be delivered by %s", name)
