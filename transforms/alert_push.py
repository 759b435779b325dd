"""Critical alerts do not wait for a report: right after each publication, every critical alert of
the `alerts` mart that is still going on and was not sent before goes to the alert recipients
(`delivery.alert_recipients`, by email) and to the webhook in `LISTENER_ALERT_WEBHOOK`.

The mart already merges flagged days within the cooldown into one episode with a stable
`alert_id`, so an episode that goes on for days is one alert, sent once; an episode that started
as a warning is sent when it first turns critical. Alerts whose episode ended before the newest
published day are history (the reports show them), so turning email on never floods the
recipients with old alerts. What was sent, and how, is kept in `data/alerts/sent_alerts.jsonl`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import Any

import polars as pl

from transforms.alerts import WEBHOOK_ENV
from transforms.config import Config
from transforms.email_delivery import build_message, send, smtp_server

log = logging.getLogger(__name__)
ALERT_COLUMNS = "alert_id, brand_name, is_tracked, alert_kind, started_on, ended_on, explanation"


def sent_file(config: Config) -> Path:
    return config.data_dir / "alerts" / "sent_alerts.jsonl"


def sent_alert_ids(config: Config) -> set[str]:
    path = sent_file(config)
    if not path.exists():
        return set()
    return {json.loads(line)["alert_id"] for line in path.read_text().splitlines() if line}


def current_critical_alerts(config: Config) -> pl.DataFrame:
    """Critical alerts whose episode reaches the newest published day."""
    from transforms.publish import query_published

    return query_published(
        config,
        f"select {ALERT_COLUMNS} from alerts where severity = 'critical' "
        "and ended_on >= (select max(day) from share_of_voice_daily) "
        "order by is_tracked desc, started_on, alert_id",
    )


def alert_message_text(alert: dict[str, Any]) -> str:
    whose = "our brand" if alert["is_tracked"] else "a competitor"
    return (
        f"Listener critical alert ({whose}): {alert['explanation']} "
        f"[{alert['alert_id']}, since {alert['started_on']}]"
    )


def _deliver(config: Config, text: str, alert: dict[str, Any]) -> list[str]:
    """Send to every configured channel; the channels that took it."""
    from transforms.alerts import post_text

    channels = []
    url = os.environ.get(WEBHOOK_ENV)
    if url:
        post_text(url, text, alert)
        channels.append("webhook")
    recipients = config.delivery.alert_recipients
    server = smtp_server(config.delivery.smtp_connection) if recipients else None
    if server is not None:
        subject = text.split(": ", 1)[0] + f": {alert['brand_name']}"
        send(build_message(config.delivery.sender, recipients, subject, text), server)
        channels.append("email")
    return channels


def push_alerts(config: Config) -> dict[str, Any]:
    """Send the new critical alerts; returns which were sent and through which channels."""
    already = sent_alert_ids(config)
    fresh = [a for a in current_critical_alerts(config).to_dicts() if a["alert_id"] not in already]
    path = sent_file(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    pushed = []
    for alert in fresh:
        text = alert_message_text(alert)
        channels = _deliver(config, text, alert)
        log.warning("%s (sent by: %s)", text, ", ".join(channels) or "no channel configured")
        record = {"alert_id": alert["alert_id"], "channels": channels, "text": text,
                  "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}  # fmt: skip
        with open(path, "a", encoding="utf-8") as out:  # one line per alert, as soon as it went
            out.write(json.dumps(record, sort_keys=True) + "\n")
        pushed.append(record)
    return {"new_critical_alerts": len(pushed), "alerts": pushed}
