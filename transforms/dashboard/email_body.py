"""The report email's HTML and text: the written summary and the tiles in plain tables with
inline styles (what mail clients render), then the dashboard as an inline PNG; the PDF and the
interactive page travel as attachments. Email clients drop inline SVG, hence the picture."""

from __future__ import annotations

from html import escape

from transforms.dashboard import formatting as fmt
from transforms.dashboard.content import Content

PNG_CID = "dashboard-png"


def email_html(content: Content, subject: str, with_png: bool) -> str:
    summary = "".join(f"<li style='margin:4px 0'>{escape(s)}</li>" for s in content.summary)
    tiles = "".join(
        "<tr>"
        f"<td style='padding:4px 12px 4px 0;color:#5b6672'>{escape(k.name)}</td>"
        f"<td style='padding:4px 12px 4px 0;font-weight:600'>{escape(fmt.BY_UNIT[k.unit](k.value))}"
        f"</td><td style='padding:4px 0;color:#5b6672'>{escape(fmt.change(k.change, k.unit))}</td>"
        "</tr>"
        for k in content.kpis
    )
    picture = (
        f"<p><img src='cid:{PNG_CID}' width='640' style='max-width:100%;border:1px solid #dde2e8' "
        f"alt='The dashboard of {escape(content.tracked)}'></p>"
        if with_png
        else "<p>The dashboard could not be rendered as a picture; open the attached page.</p>"
    )
    return (
        "<!doctype html><html><body style='font-family:Arial,sans-serif;color:#1d2733'>"
        f"<h2 style='margin:0 0 8px'>{escape(subject)}</h2>"
        f"<ul style='padding-left:18px'>{summary}</ul>"
        f"<table style='border-collapse:collapse;font-size:14px'>{tiles}</table>"
        f"{picture}<p style='font-size:12px;color:#5b6672'>The full dashboard is attached as a "
        "PDF and as an HTML page that opens offline in any browser.</p></body></html>"
    )


def email_text(content: Content, subject: str) -> str:
    tiles = "\n".join(
        f"  {k.name}: {fmt.BY_UNIT[k.unit](k.value)} ({fmt.change(k.change, k.unit)})"
        for k in content.kpis
    )
    summary = "\n".join(f"- {s}" for s in content.summary)
    return (
        f"{subject}\n\n{summary}\n\n{tiles}\n\nThe dashboard is attached as a PDF and as an "
        "HTML page that opens offline in any browser."
    )
