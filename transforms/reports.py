"""Scheduled executive reports: the dashboard of a period, archived by date and emailed.

    data/reports/<kind>/<last day>/dashboard.html   the page (self-contained, works offline)
                                   dashboard.png    the page as one picture (inline in the email)
                                   dashboard.pdf    the page printed to A4 (attached)
                                   message.eml      the email as built (also when not sent)
                                   delivery.json    what was sent to whom, and why not

A report covers the `days` days (`delivery.daily` / `delivery.weekly` in the config) that end on
the day before its scheduled run, or on the newest published day when it runs after a
publication. The window comes from the run's date and the published data, never the clock, so a
re-run rebuilds the same report; a report whose page and recipients are unchanged since it was
sent is not sent again (retries and the morning run after a publication stay quiet).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from transforms.config import Config, Report
from transforms.dashboard.email_body import PNG_CID, email_html, email_text
from transforms.email_delivery import Attachment, build_message, send, smtp_server
from transforms.errors import ListenerError
from transforms.files import write_atomic_bytes

KINDS = ("daily", "weekly")


class ReportError(ListenerError):
    """A report that cannot be made, e.g. before anything was published."""


@dataclass(frozen=True)
class Period:
    kind: str
    first: dt.date
    last: dt.date


@dataclass(frozen=True)
class Delivery:
    kind: str
    first: str
    last: str
    data_through: str
    recipients: list[str]
    archive: str
    digest: str
    sent: bool
    reason: str
    files: list[str] = field(default_factory=list)
    render_problem: str | None = None  # why there is no PNG or PDF, when there is none


def report_settings(config: Config, kind: str) -> Report:
    if kind not in KINDS:
        raise ReportError(f"unknown report {kind!r}; reports: {', '.join(KINDS)}")
    return getattr(config.delivery, kind)


def report_period(kind: str, days: int, newest: dt.date, run_date: dt.date | None) -> Period:
    """The days a report covers: up to the day before its run, and never past the newest
    published day (a late pipeline gives a shorter, honest report rather than empty days)."""
    last = newest if run_date is None else min(newest, run_date - dt.timedelta(days=1))
    return Period(kind, last - dt.timedelta(days=days - 1), last)


def archive_dir(config: Config, period: Period) -> Path:
    return config.data_dir / "reports" / period.kind / period.last.isoformat()


def _digest(page: str, recipients: list[str]) -> str:
    return hashlib.sha256("\n".join([page, *recipients]).encode()).hexdigest()


def _subject(config: Config, period: Period, newest: dt.date, run_date: dt.date | None) -> str:
    subject = (
        f"Listener {period.kind} report: {config.brands.tracked.name}, "
        f"{period.first.isoformat()} to {period.last.isoformat()}"
    )
    expected = run_date - dt.timedelta(days=1) if run_date else newest
    if newest < expected:
        subject += f" (data only through {newest.isoformat()})"
    return subject


def _previous(state_file: Path) -> dict | None:
    if not state_file.exists():
        return None
    return json.loads(state_file.read_text())


def _render(folder: Path, page_file: Path) -> tuple[list[Attachment], str | None]:
    """PNG (inline) and PDF (attached) of the page; without a browser the report still goes out,
    as HTML, and says why the pictures are missing."""
    from transforms.page_render import BrowserUnavailable, render_png_pdf

    png, pdf = folder / "dashboard.png", folder / "dashboard.pdf"
    try:
        rendered = render_png_pdf(page_file, png, pdf)
    except BrowserUnavailable as error:
        # An earlier run's pictures would no longer match the page: the archive holds what was sent.
        png.unlink(missing_ok=True)
        pdf.unlink(missing_ok=True)
        return [], str(error)
    problem = "; ".join(rendered.console_errors) or None
    return [
        Attachment(rendered.png, "image/png", inline_id=PNG_CID),
        Attachment(rendered.pdf, "application/pdf"),
    ], problem


def deliver_report(config: Config, kind: str, run_date: dt.date | None) -> Delivery:
    """Render, archive and email one report; `run_date` is the scheduled run's date (None for a
    run after a publication)."""
    from transforms.dashboard.content import build, newest_day
    from transforms.dashboard.page import render_page

    settings = report_settings(config, kind)
    newest = newest_day(config)
    if newest is None:
        raise ReportError("no published marts yet: run the warehouse DAG first")
    period = report_period(kind, settings.days, newest, run_date)
    folder = archive_dir(config, period)
    content = build(config, period.first, period.last)
    page = render_page(content)
    page_file = folder / "dashboard.html"
    write_atomic_bytes(page.encode("utf-8"), page_file)
    digest = _digest(page, settings.recipients)
    state_file = folder / "delivery.json"
    previous = _previous(state_file)
    if previous and previous["sent"] and previous["digest"] == digest:
        return Delivery(**{**previous, "reason": "already sent: the report has not changed"})

    subject = _subject(config, period, newest, run_date)
    pictures, render_problem = _render(folder, page_file)
    with_png = any(a.inline_id for a in pictures)
    message = build_message(
        config.delivery.sender, settings.recipients or [config.delivery.sender], subject,
        email_text(content, subject), email_html(content, subject, with_png),
        (*pictures, Attachment(page_file, "text/html")),
    )  # fmt: skip
    write_atomic_bytes(message.as_bytes(), folder / "message.eml")
    sent, reason = _send(config, settings.recipients, message, folder)
    files = sorted(p.name for p in folder.iterdir() if p != state_file and p.name[0] != ".")
    delivery = Delivery(
        kind, period.first.isoformat(), period.last.isoformat(), newest.isoformat(),
        settings.recipients, str(folder), digest, sent, reason, files, render_problem,
    )  # fmt: skip
    write_atomic_bytes(json.dumps(asdict(delivery), indent=2).encode(), state_file)
    return delivery


def _send(config: Config, recipients: list[str], message, folder: Path) -> tuple[bool, str]:
    if not recipients:
        return False, f"no recipients configured; the message is archived in {folder}"
    server = smtp_server(config.delivery.smtp_connection)
    if server is None:
        return False, (
            f"no SMTP connection {config.delivery.smtp_connection!r} is defined; the message "
            f"is archived in {folder}"
        )
    send(message, server)
    return True, f"sent to {len(recipients)} recipient(s) through {server.host}:{server.port}"
