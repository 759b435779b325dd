"""Email: reports and failure alerts through the SMTP server of an Airflow connection.

The connection (`delivery.smtp_connection` in the config, `listener_smtp` by default) gives host,
port, login and password; its extra may say `{"starttls": true}` or `{"ssl": true}` (port 465
implies SSL). With no such connection the message is not sent: callers archive the `.eml` file
instead, so a demo or a test machine never needs a mail server.

Imported by the failure callback at DAG parse time: standard library only at the top.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from transforms.errors import ListenerError

SMTP_TIMEOUT_SECONDS = 30.0
_TRUE = {"1", "true", "yes", "on"}


class EmailDeliveryError(ListenerError):
    """The SMTP server refused the message or could not be reached."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    login: str | None
    password: str | None
    starttls: bool
    ssl: bool


@dataclass(frozen=True)
class Attachment:
    path: Path
    mime_type: str  # e.g. "text/html", "application/pdf"
    inline_id: str | None = None  # a Content-ID the HTML body refers to (cid:...)


def _flag(value: object) -> bool:
    return value is True or str(value).strip().lower() in _TRUE


def smtp_server(connection_id: str) -> SmtpServer | None:
    """The SMTP server of an Airflow connection, or None when the connection is not defined."""
    from transforms.connectors.credentials import connection_fields

    conn = connection_fields(connection_id)
    if conn is None or not conn.host:
        return None
    port = conn.port or 25
    use_ssl = _flag(conn.extra.get("ssl", port == 465))
    return SmtpServer(
        host=conn.host,
        port=port,
        login=conn.login,
        password=conn.password,
        starttls=not use_ssl and _flag(conn.extra.get("starttls", False)),
        ssl=use_ssl,
    )


def build_message(
    sender: str,
    recipients: list[str],
    subject: str,
    text: str,
    html_body: str | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> EmailMessage:
    """A multipart message: plain text, an HTML alternative, inline images and attachments."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(text)
    if html_body is not None:
        message.add_alternative(html_body, subtype="html")
    html_part = message.get_payload()[-1] if html_body is not None else None
    for item in attachments:
        maintype, _, subtype = item.mime_type.partition("/")
        data = item.path.read_bytes()
        if item.inline_id and html_part is not None:
            # Inline images belong to the HTML part (multipart/related), where cid: finds them.
            html_part.add_related(
                data, maintype=maintype, subtype=subtype, cid=f"<{item.inline_id}>"
            )
        else:
            message.add_attachment(
                data, maintype=maintype, subtype=subtype, filename=item.path.name
            )
    return message


def send(message: EmailMessage, server: SmtpServer) -> None:
    """Hand the message to the SMTP server; raises EmailDeliveryError saying which server."""
    context = ssl.create_default_context()
    try:
        if server.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS, context=context
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS)
        with client:
            if server.starttls:
                client.starttls(context=context)
            if server.login:
                client.login(server.login, server.password or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise EmailDeliveryError(
            f"SMTP server {server.host}:{server.port} did not take the message "
            f"{message['Subject']!r}: {exc}"
        ) from exc
