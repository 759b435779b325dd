"""Shared fixtures: a config whose data directory is a temporary folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Airflow reads its settings when first imported: point it at a throwaway home and our DAGs.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="listener-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(Path(__file__).parent.parent / "dags"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
# One pseudonym key for every test's data directory (without it each gets its own random key),
# so marts published from different directories can be compared.
os.environ.setdefault("LISTENER_PSEUDONYM_KEY", "tests-" + "only")

from transforms.config import Config, load_config  # noqa: E402


@pytest.fixture
def config(tmp_path) -> Config:
    """The project config with data_dir in a fresh temporary folder."""
    return load_config().model_copy(update={"data_dir": tmp_path / "data"})


@pytest.fixture
def smtp_inbox(monkeypatch):
    """A local SMTP server (aiosmtpd) defined as the `listener_smtp` Airflow connection through
    the environment; yields the list of received messages (email.message.EmailMessage)."""
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    received: list = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            received.append(message)
            return "250 Message accepted for delivery"

    import socket

    with socket.socket() as probe:  # a free port: the controller checks it can connect to it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("AIRFLOW_CONN_LISTENER_SMTP", f"smtp://127.0.0.1:{port}")
    try:
        yield received
    finally:
        controller.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with a slow test first, each kept whole and in its order (a stable sort). `make
    test` runs two workers, a module at a time each, in collection order: the long pipeline runs
    then start early and the many quick modules fill in around them, instead of a long module
    starting last while the other worker idles."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)
