"""New critical alerts go out right after the publication that found them, once each; warnings
and finished episodes wait for the reports."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import duckdb
import pytest

from transforms import zones
from transforms.alert_push import push_alerts, sent_file
from transforms.alerts import WEBHOOK_ENV

NEWEST = dt.date(2026, 10, 10)  # a Saturday


def publish_alerts(config, rows: list[tuple]) -> None:
    """A published marts file holding the two tables the sender reads."""
    path = zones.published_warehouse(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create table share_of_voice_daily (day date)")
        con.execute("insert into share_of_voice_daily values (?)", [NEWEST])
        con.execute(
            "create table alerts (alert_id varchar, brand_name varchar, is_tracked boolean, "
            "alert_kind varchar, severity varchar, started_on date, ended_on date, "
            "explanation varchar)"
        )
        con.executemany("insert into alerts values (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def alert(alert_id: str, severity: str, ended_on: dt.date, tracked: bool = True) -> tuple:
    explanation = f"negative mentions 240% above their baseline on {ended_on}"
    return (alert_id, "Nimbus Mobile" if tracked else "Apex Wireless", tracked,
            "negative_spike", severity, ended_on, ended_on, explanation)  # fmt: skip


def test_a_new_critical_alert_is_emailed_once(config, smtp_inbox, monkeypatch):
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)
    publish_alerts(config, [
        alert("nimbus-negative_spike-2026-10-10", "critical", NEWEST),
        alert("apex-volume_spike-2026-10-10", "warning", NEWEST, tracked=False),
        alert("nimbus-negative_spike-2026-10-01", "critical", dt.date(2026, 10, 2)),  # history
    ])  # fmt: skip
    first = push_alerts(config)
    assert [a["alert_id"] for a in first["alerts"]] == ["nimbus-negative_spike-2026-10-10"]
    assert first["alerts"][0]["channels"] == ["email"]
    (message,) = smtp_inbox
    assert message["X-Envelope-To"] == ", ".join(config.delivery.alert_recipients)
    assert "our brand" in message["Subject"] and "Nimbus Mobile" in message["Subject"]
    assert "240% above their baseline" in message.get_content()

    # The next publication: the episode goes on (same id), and the competitor's turned critical.
    publish_alerts(config, [
        alert("nimbus-negative_spike-2026-10-10", "critical", NEWEST),
        alert("apex-volume_spike-2026-10-10", "critical", NEWEST, tracked=False),
    ])  # fmt: skip
    second = push_alerts(config)
    assert [a["alert_id"] for a in second["alerts"]] == ["apex-volume_spike-2026-10-10"]
    assert len(smtp_inbox) == 2 and "a competitor" in smtp_inbox[1]["Subject"]
    lines = sent_file(config).read_text().splitlines()
    assert [json.loads(line)["alert_id"] for line in lines] == [
        "nimbus-negative_spike-2026-10-10",
        "apex-volume_spike-2026-10-10",
    ]


class Hook(BaseHTTPRequestHandler):
    posted: list[dict] = []

    def do_POST(self):  # noqa: N802 - the http.server API
        Hook.posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_alert_goes_to_the_webhook_too(config, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_LISTENER_SMTP", raising=False)
    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(WEBHOOK_ENV, f"http://127.0.0.1:{server.server_port}/hook")
    publish_alerts(config, [alert("nimbus-negative_spike-2026-10-10", "critical", NEWEST)])
    try:
        result = push_alerts(config)
    finally:
        server.shutdown()
    assert result["alerts"][0]["channels"] == ["webhook"]
    (posted,) = Hook.posted
    assert posted["text"].startswith("Listener critical alert (our brand)")


def test_without_a_channel_the_alert_is_recorded_not_lost(config, monkeypatch):
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_LISTENER_SMTP", raising=False)
    publish_alerts(config, [alert("nimbus-negative_spike-2026-10-10", "critical", NEWEST)])
    (record,) = push_alerts(config)["alerts"]
    assert record["channels"] == []
    assert push_alerts(config)["new_critical_alerts"] == 0


@pytest.fixture(autouse=True)
def _fresh_hook():
    Hook.posted = []
