"""The failure alert: every failed task leaves a record, and reaches a webhook when one is set;
a broken channel never raises."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

from transforms.alerts import WEBHOOK_ENV, alerts_file, on_task_failure
from transforms.config import DATA_DIR_ENV
from transforms.quality import QualityGateError


def context(error: Exception) -> dict:
    ti = SimpleNamespace(dag_id="listener_ingest", task_id="gate_raw", run_id="scheduled__x",
                         map_index=-1, try_number=1)  # fmt: skip
    return {"ti": ti, "exception": error}


class Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - the http.server API
        length = int(self.headers["Content-Length"])
        Receiver.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_failed_task_is_recorded_and_posted(config, monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(DATA_DIR_ENV, str(config.data_dir))
    monkeypatch.setenv(WEBHOOK_ENV, f"http://127.0.0.1:{server.server_port}/hook")
    try:
        on_task_failure(context(QualityGateError("quality gate 'raw_posts' stopped ...")))
    finally:
        server.shutdown()
    (line,) = alerts_file(config.data_dir).read_text().splitlines()
    alert = json.loads(line)
    assert (alert["task_id"], alert["error_type"]) == ("gate_raw", "QualityGateError")
    (posted,) = Receiver.received
    assert posted["text"].startswith(
        "Listener: listener_ingest.gate_raw failed in run scheduled__x"
    )
    assert "raw_posts" in posted["text"]


def test_an_unreachable_webhook_is_logged_not_raised(config, monkeypatch, caplog):
    monkeypatch.setenv(DATA_DIR_ENV, str(config.data_dir))
    monkeypatch.setenv(WEBHOOK_ENV, "http://127.0.0.1:9/nothing-listens-here")
    on_task_failure(context(RuntimeError("boom")))
    assert "could not be delivered" in caplog.text
    assert alerts_file(config.data_dir).exists()


def test_a_failed_task_is_emailed_to_the_failure_recipients(config, monkeypatch, smtp_inbox):
    monkeypatch.setenv(DATA_DIR_ENV, str(config.data_dir))
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)
    on_task_failure(context(QualityGateError("quality gate 'raw_posts' stopped: 2 failed")))
    (message,) = smtp_inbox
    assert message["X-Envelope-To"] == ", ".join(config.delivery.failure_recipients)
    assert message["Subject"] == "Listener: listener_ingest.gate_raw failed in run scheduled__x"
    assert "2 failed" in message.get_content()


def test_a_broken_webhook_does_not_stop_the_email(config, monkeypatch, smtp_inbox, caplog):
    monkeypatch.setenv(DATA_DIR_ENV, str(config.data_dir))
    monkeypatch.setenv(WEBHOOK_ENV, "http://127.0.0.1:9/nothing-listens-here")
    on_task_failure(context(RuntimeError("boom")))
    assert "could not be delivered by webhook" in caplog.text
    assert len(smtp_inbox) == 1
