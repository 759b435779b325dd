"""The executive dashboard, rendered from the published marts.

content.py    what one dashboard shows, read once (tiles, charts' data, themes, summary)
queries.py    the SQL against the published, read-only marts
kpis.py       the six headline numbers and their week-over-week change
themes.py     complaint and purchase-intent themes with example posts
narrative.py  the written summary generated from the numbers
svg.py        the inline SVG charts
page.py       the self-contained HTML page
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from transforms import zones
from transforms.config import Config
from transforms.files import write_atomic_bytes


def render_html(config: Config, first: dt.date | None = None, last: dt.date | None = None) -> str:
    """The page for the days from `first` to `last` (by default the newest published week)."""
    from transforms.dashboard.content import build
    from transforms.dashboard.page import render_page

    return render_page(build(config, first, last))


def render_dashboard(config: Config) -> Path:
    """data/published/dashboard.html: the newest published week, after every publication."""
    path = zones.dashboard_file(config)
    write_atomic_bytes(render_html(config).encode("utf-8"), path)
    return path
