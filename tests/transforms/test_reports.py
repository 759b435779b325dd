"""Report windows and the email they travel in (the rendering and sending run end to end in
tests/test_end_to_end.py)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest

from transforms.email_delivery import Attachment, build_message, send, smtp_server
from transforms.reports import ReportError, report_period, report_settings

SUNDAY = dt.date(2026, 10, 25)
MONDAY = SUNDAY + dt.timedelta(days=1)


def test_the_weekly_report_of_a_monday_covers_monday_to_sunday_before():
    period = report_period("weekly", 7, newest=SUNDAY, run_date=MONDAY)
    assert (period.first, period.last) == (dt.date(2026, 10, 19), SUNDAY)


def test_a_report_never_covers_days_that_are_not_published():
    late = report_period("daily", 1, newest=SUNDAY - dt.timedelta(days=2), run_date=MONDAY)
    assert late.first == late.last == dt.date(2026, 10, 23)
    after_publication = report_period("daily", 1, newest=SUNDAY, run_date=None)
    assert after_publication.last == SUNDAY


def test_unknown_report_kind_is_a_clear_error(config):
    with pytest.raises(ReportError, match="unknown report 'monthly'; reports: daily, weekly"):
        report_settings(config, "monthly")


def test_a_message_has_text_html_inline_image_and_attachment(tmp_path):
    png, pdf = tmp_path / "chart.png", tmp_path / "report.pdf"
    png.write_bytes(b"\x89PNG fake")
    pdf.write_bytes(b"%PDF-1.4 fake")
    message = build_message(
        "listener@example.com", ["a@example.com", "b@example.com"], "Weekly", "plain",
        '<p>report</p><img src="cid:chart">',
        (Attachment(png, "image/png", inline_id="chart"), Attachment(pdf, "application/pdf")),
    )  # fmt: skip
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed["To"] == "a@example.com, b@example.com"
    assert parsed.get_body(("plain",)).get_content().strip() == "plain"
    assert "cid:chart" in parsed.get_body(("html",)).get_content()
    inline = [p for p in parsed.walk() if p.get("Content-ID") == "<chart>"]
    assert len(inline) == 1 and inline[0].get_content() == b"\x89PNG fake"
    (attached,) = list(parsed.iter_attachments())
    assert attached.get_filename() == "report.pdf"


def test_smtp_connection_from_the_environment(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_LISTENER_SMTP", raising=False)
    assert smtp_server("listener_smtp") is None
    monkeypatch.setenv(
        "AIRFLOW_CONN_LISTENER_SMTP", "smtp://mailer:fake%3Apw@smtp.example.com:587?starttls=true"
    )
    server = smtp_server("listener_smtp")
    assert (server.host, server.port, server.login, server.password) == (
        "smtp.example.com", 587, "mailer", "fake:pw",
    )  # fmt: skip
    assert server.starttls and not server.ssl
    monkeypatch.setenv("AIRFLOW_CONN_LISTENER_SMTP", '{"host": "smtp.example.com", "port": 465}')
    assert smtp_server("listener_smtp").ssl


def test_sent_mail_arrives(smtp_inbox):
    message = build_message("listener@example.com", ["a@example.com"], "Hello", "body")
    send(message, smtp_server("listener_smtp"))
    (received,) = smtp_inbox
    assert received["Subject"] == "Hello" and received["X-Envelope-To"] == "a@example.com"


def test_an_unreachable_mail_server_is_a_clear_error(monkeypatch):
    from transforms.email_delivery import EmailDeliveryError

    monkeypatch.setenv("AIRFLOW_CONN_LISTENER_SMTP", "smtp://127.0.0.1:9")
    message = build_message("listener@example.com", ["a@example.com"], "Hello", "body")
    with pytest.raises(EmailDeliveryError, match="SMTP server 127.0.0.1:9 did not take"):
        send(message, smtp_server("listener_smtp"))
