"""The pieces the dashboard is made of: periods, tiles, themes, the summary and the charts."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from transforms.dashboard import svg
from transforms.dashboard.kpis import Kpi
from transforms.dashboard.narrative import alert_sentences, theme_sentence, voice_sentence
from transforms.dashboard.periods import Window, periods
from transforms.dashboard.themes import OTHER, theme_labels, top_themes

SATURDAY = dt.date(2026, 10, 24)
SINCE = dt.date(2026, 10, 1)


def test_a_day_is_compared_with_the_same_weekday_a_week_before():
    span = periods(SATURDAY, SATURDAY, history_days=28, since=SINCE)
    assert span.previous == Window(dt.date(2026, 10, 17), dt.date(2026, 10, 17))
    assert span.comparable
    assert span.history == Window(SINCE, SATURDAY), "the charts start at the first published day"


def test_a_week_is_compared_with_the_week_before_and_a_month_with_the_month_before():
    week = periods(dt.date(2026, 10, 19), dt.date(2026, 10, 25), 28, SINCE)
    assert week.previous == Window(dt.date(2026, 10, 12), dt.date(2026, 10, 18))
    month = periods(dt.date(2026, 11, 1), dt.date(2026, 11, 30), 28, SINCE)
    assert month.previous == Window(dt.date(2026, 10, 2), dt.date(2026, 10, 31))
    assert month.history.days == 30


def test_no_comparison_with_days_before_the_data():
    early = periods(dt.date(2026, 10, 5), dt.date(2026, 10, 11), 28, SINCE)
    assert not early.comparable


def test_a_window_is_a_date_condition():
    window = Window(dt.date(2026, 10, 1), dt.date(2026, 10, 7))
    assert window.where() == "day between date '2026-10-01' and date '2026-10-07'"
    assert window.days == 7 and window.label() == "2026-10-01 to 2026-10-07"


@pytest.mark.parametrize(
    ("kpi", "change", "improved"),
    [
        (Kpi("Mentions", 150, 100, "count"), 0.5, True),
        (Kpi("Share of voice", 0.30, 0.35, "share"), -0.05, False),  # points, not percent
        (Kpi("Net sentiment", 0.1, 0.3, "index"), -0.2, False),
        (Kpi("Median first response", 30, 60, "minutes", higher_is_better=False), -0.5, True),
        (Kpi("ROAS", 2.0, 0.0, "ratio"), None, None),  # no change from zero
        (Kpi("Mentions", 100, None, "count"), None, None),
        (Kpi("Net sentiment", 0.301, 0.3, "index"), pytest.approx(0.001), None),  # shows +0.00
    ],
)
def test_tiles_change_on_the_week_before(kpi, change, improved):
    assert kpi.change == (pytest.approx(change) if isinstance(change, float) else change)
    assert kpi.improved is improved


THEMES = {"billing": ["bill", "charged"], "coverage": ["signal", "dead zone"]}


def _posts(rows: list[tuple[str, str, str, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"post_id": pid, "platform": "x", "day": SATURDAY, "intent": intent,
             "sentiment": "negative", "engagement": engagement, "text": text}
            for pid, intent, text, engagement in rows
        ]
    )  # fmt: skip


NOW = _posts(
    [
        ("x:1", "complaint", "Charged twice and no SIGNAL at home", 5),
        ("x:2", "complaint", "my billing is a mess", 40),
        ("x:3", "complaint", "dead zone on my street", 7),
        ("x:4", "complaint", "the app crashed", 1),
        ("x:5", "purchase_intent", "how much is the family bill?", 3),
    ]
)
BEFORE = _posts([("x:9", "complaint", "no signal", 2), ("x:8", "complaint", "bad signal", 2)])


def test_a_post_is_in_every_theme_it_names_and_other_when_in_none():
    labelled = theme_labels(NOW, THEMES)
    themes_of = labelled.group_by("post_id").agg(pl.col("theme").sort())
    by_post = dict(themes_of.iter_rows())
    assert by_post == {
        "x:1": ["billing", "coverage"], "x:2": ["billing"], "x:3": ["coverage"],
        "x:4": [OTHER], "x:5": ["billing"],
    }  # fmt: skip


def test_themes_are_ranked_with_their_change_and_most_engaging_posts():
    complaints = top_themes(NOW, BEFORE, THEMES, "complaint")
    assert [t.name for t in complaints] == ["billing", "coverage", OTHER]
    billing, coverage, other = complaints
    assert (billing.posts, billing.share, billing.previous_share) == (2, 0.5, 0.0)
    assert coverage.previous_share == 1.0
    assert [e.text for e in billing.examples] == ["my billing is a mess", NOW["text"][0]]
    assert other.posts == 1
    purchases = top_themes(NOW, None, THEMES, "purchase_intent")
    assert [(t.name, t.share, t.previous_share) for t in purchases] == [("billing", 1.0, None)]


def test_no_posts_means_no_themes():
    assert top_themes(NOW.head(0), None, THEMES, "complaint") == []


def test_alert_sentence_names_the_rise_the_weekday_and_the_baseline():
    alerts = pl.DataFrame(
        [{
            "brand_name": "Nimbus", "is_tracked": True, "alert_kind": "negative_spike",
            "severity": "critical", "peak_day": SATURDAY, "observed": 340,
            "baseline_mean": 100.0, "ratio": 3.4,
        }]
    )  # fmt: skip
    (sentence,) = alert_sentences(alerts)
    assert sentence == (
        "Negative mentions of Nimbus rose 240% on Saturday 2026-10-24 (340 against a usual "
        "100 a day): a critical alert."
    )


def test_voice_and_theme_sentences_read_from_the_numbers():
    span = periods(SATURDAY, SATURDAY, 28, SINCE)
    sentence = voice_sentence(
        "Nimbus", span, Kpi("Mentions", 90, 100, "count"), Kpi("Share", 0.3, 0.28, "share")
    )
    assert sentence == (
        "Nimbus was mentioned 90 times (Sat 2026-10-24), 10% fewer than the week before, "
        "a 30.0% share of voice (+2.0 points)."
    )
    themes = top_themes(NOW, BEFORE, THEMES, "complaint")
    assert theme_sentence(themes, "complaint") == (
        "The most common complaint theme was billing (50% of complaints, 0% the week before)."
    )


def test_nice_ticks_cover_the_values_with_round_steps():
    assert svg.nice_ticks(0, 0.53) == [0, 0.2, 0.4, 0.6]
    assert svg.nice_ticks(-0.2, 0.8) == [-0.25, 0, 0.25, 0.5, 0.75, 1.0]
    assert svg.nice_ticks(5, 5) == [5, 5.25, 5.5, 5.75, 6]


def test_a_missing_day_breaks_the_line():
    days = [SATURDAY + dt.timedelta(days=i) for i in range(4)]
    line = svg.Line("a", list(zip(days, [1.0, None, 2.0, 3.0], strict=True)), "#000")
    chart = svg.line_chart("c", "c", days, [line], str)
    assert chart.count('class="series"') == 2
    assert svg.line_chart("c", "c", days, [svg.Line("a", [], "#000")], str).startswith(
        '<p class="empty">'
    )


def test_without_configured_themes_every_post_is_other():
    assert set(theme_labels(NOW, {})["theme"]) == {OTHER}
    assert [t.name for t in top_themes(NOW, None, {}, "complaint")] == [OTHER]
