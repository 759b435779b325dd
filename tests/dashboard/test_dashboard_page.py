"""The dashboard page: every block is there, and text from the data is shown, never run."""

from __future__ import annotations

import re

from hostile_content import SCRIPT, TAGGED, hostile_content

from transforms.dashboard.page import render_page

CHARTS = {"share-of-voice", "sentiment", "funnel", "attribution", "response-time"}


def test_post_text_with_html_or_script_shows_as_text():
    page = render_page(hostile_content())
    assert re.findall(r"<script", page, flags=re.I) == [], "no script element reaches the page"
    assert "<img" not in page and 'onerror="' not in page
    assert "they broke my phone &lt;script&gt;window.hacked = 1&lt;/script&gt; &amp; more" in page
    assert "Nimbus &lt;b&gt;Mobile&lt;/b&gt;" in page and "<b>Mobile" not in page
    assert "@fan&lt;script&gt;" in page and "spring &lt;img" in page


def test_every_block_of_the_dashboard_is_rendered():
    page = render_page(hostile_content())
    assert set(re.findall(r'<svg class="chart" data-chart="([^"]+)"', page)) == CHARTS
    for heading in (
        "Summary", "Headline numbers", "Share of voice against each competitor",
        "Sentiment trend", "Funnel by platform", "Attribution compared across models",
        "Top complaint themes", "Top purchase-intent themes", "Response time against target",
        "Top advocates", "Top influencers", "Alerts of the period",
    ):  # fmt: skip
        assert f"<h2>{heading}</h2>" in page
    assert page.count('class="tile"') == 6
    assert "+20% vs week before" in page  # mentions 1,200 against 1,000
    assert "+5.0 pts vs week before" in page  # share of voice 60% against 55%
    assert "no comparison" in page  # ROAS without a previous value
    assert "target 60 min" in page


def test_the_page_needs_nothing_from_the_network():
    page = render_page(hostile_content())
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page


def test_alerts_are_marked_on_the_sentiment_chart_and_listed():
    page = render_page(hostile_content())
    sentiment = page.split('data-chart="sentiment"')[1].split("</svg>")[0]
    assert sentiment.count('class="marker"') == 1
    assert 'class="band"' in sentiment, "the 95% interval is drawn"
    assert f"Negative mentions rose {TAGGED}" not in page
    assert "Negative mentions rose &lt;img" in page
    assert SCRIPT not in page
