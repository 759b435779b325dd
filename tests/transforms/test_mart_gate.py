"""The marts gate: built marts whose invariants hold pass; broken ones are stopped with the
failed expectation named and a report written."""

from __future__ import annotations

import json

import duckdb
import pytest

from transforms import zones
from transforms.mart_gate import gate_marts
from transforms.quality import QualityGateError

MARTS = """
create schema marts; create schema intermediate; create schema staging;
create table marts.share_of_voice as select * from (values
    (date '2026-10-01', 'x', 'nimbus', 0.75, 0.5), (date '2026-10-01', 'x', 'apex', 0.25, 0.5),
    (date '2026-10-01', 'reddit', 'nimbus', 1.0, null),
    (date '2026-10-01', 'reddit', 'apex', 0.0, null)
) t(day, platform, brand, share_of_mentions, share_of_positive_voice);
create table marts.share_of_voice_daily as select * from (values
    (date '2026-10-01', 'nimbus', 0.8, 0.5), (date '2026-10-01', 'apex', 0.2, 0.5)
) t(day, brand, share_of_mentions, share_of_positive_voice);
create table marts.share_of_voice_periods as select * from (values
    ('week', date '2026-09-28', 'all', 'nimbus', 0.8, 0.5),
    ('week', date '2026-09-28', 'all', 'apex', 0.2, 0.5)
) t(period_grain, period_start, platform, brand, share_of_mentions, share_of_positive_voice);
create table marts.sentiment_trend as select * from (values
    ('nimbus', date '2026-10-01', 0.2), ('apex', date '2026-10-01', -1.0)
) t(brand, day, net_sentiment);
create table marts.alerts as
    select * from (values ('nimbus', 'negative_spike')) t(brand, alert_kind);
create table intermediate.int_order_credits_computed as select * from (values
    ('o1', 'linear', 0.5), ('o1', 'linear', 0.5), ('o1', 'last_touch', 1.0)
) t(order_id, attribution_model, credit);
create table marts.funnel_attribution as select * from (values
    ('linear', 60.0), ('linear', 30.0), ('last_touch', 90.0)
) t(attribution_model, revenue);
create table staging.stg_commerce__orders as select * from (values
    ('o1', 90.0), ('o2', 500.0)
) t(order_id, revenue);
"""


@pytest.fixture
def marts(config):
    path = zones.warehouse_file(config)
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as con:
        con.execute(MARTS)
    return config


def _tamper(config, sql: str) -> None:
    with duckdb.connect(str(zones.warehouse_file(config))) as con:
        con.execute(sql)


def test_marts_whose_invariants_hold_pass(marts):
    result = gate_marts(marts, "good")
    assert result.passed and not result.warnings
    # 2 + 1 + 1 share groups, 2 brand-days, 1 alert brand, 2 order-models, 2 models
    assert result.rows == 11


def test_shares_that_do_not_sum_to_one_stop_publication(marts):
    _tamper(marts, "update marts.share_of_voice set share_of_mentions = 0.6 where platform = 'x'")
    with pytest.raises(QualityGateError) as stopped:
        gate_marts(marts, "bad-shares")
    message = str(stopped.value)
    assert "expect_column_values_to_be_between share_of_mentions_sum" in message
    report = json.loads((zones.quality_dir(marts) / "marts" / "bad-shares.json").read_text())
    assert [f["kwargs"]["column"] for f in report["failures"]] == ["share_of_mentions_sum"]
    assert report["failures"][0]["observed"]["partial_unexpected_list"] == [pytest.approx(1.2)]


def test_credits_and_revenue_that_do_not_reconcile_stop_publication(marts):
    _tamper(marts, "update intermediate.int_order_credits_computed set credit = 0.7 "
                   "where attribution_model = 'linear'")  # fmt: skip
    _tamper(
        marts,
        "update marts.funnel_attribution set revenue = 95 where attribution_model = 'last_touch'",
    )
    with pytest.raises(QualityGateError) as stopped:
        gate_marts(marts, "bad-credits")
    assert "credit_sum" in str(stopped.value) and "revenue_gap" in str(stopped.value)


def test_net_sentiment_out_of_range_is_critical_and_an_alert_flood_a_warning(marts):
    _tamper(marts, "insert into marts.alerts select 'apex', 'negative_spike' from range(11)")
    result = gate_marts(marts, "alert-flood")
    assert result.passed
    assert [w["kwargs"]["column"] for w in result.warnings] == ["negative_spike_alerts"]
    _tamper(marts, "update marts.sentiment_trend set net_sentiment = 1.5 where brand = 'nimbus'")
    with pytest.raises(QualityGateError, match="net_sentiment"):
        gate_marts(marts, "bad-sentiment")
