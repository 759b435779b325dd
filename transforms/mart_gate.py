"""The marts gate: after dbt has built and tested the marts, check their invariants with Great
Expectations (expectations/marts.yml) before they may be published.

dbt's own tests already stop a build whose marts break these rules; this gate checks them again on
the built tables, at the checkpoint where publication is decided, with the same reports, severities
and quarantine as the other gates. One frame holds every measurement: a row per group measured
(a period of a share-of-voice mart, a brand-day, an order and model, an attribution model).
"""

from __future__ import annotations

import duckdb
import polars as pl

from transforms import batch_quarantine, zones
from transforms.config import Config
from transforms.quality import (
    GateResult,
    QualityGateError,
    describe_failures,
    failure_lines,
    validate,
)

SUITE = "marts"

# name -> query giving (mart, key, <measurement columns>); every query names its groups' key.
INVARIANT_QUERIES = {
    "share_of_voice": """
        select 'share_of_voice' as mart, cast(day as varchar) || ' ' || platform as key,
            sum(share_of_mentions) as share_of_mentions_sum,
            sum(share_of_positive_voice) as share_of_positive_voice_sum
        from marts.share_of_voice group by day, platform""",
    "share_of_voice_daily": """
        select 'share_of_voice_daily' as mart, cast(day as varchar) as key,
            sum(share_of_mentions) as share_of_mentions_sum,
            sum(share_of_positive_voice) as share_of_positive_voice_sum
        from marts.share_of_voice_daily group by day""",
    "share_of_voice_periods": """
        select 'share_of_voice_periods' as mart,
            period_grain || ' ' || cast(period_start as varchar) || ' ' || platform as key,
            sum(share_of_mentions) as share_of_mentions_sum,
            sum(share_of_positive_voice) as share_of_positive_voice_sum
        from marts.share_of_voice_periods group by period_grain, period_start, platform""",
    "sentiment_trend": """
        select 'sentiment_trend' as mart, brand || ' ' || cast(day as varchar) as key,
            net_sentiment
        from marts.sentiment_trend""",
    "alerts": """
        select 'alerts' as mart, brand as key,
            count(*) filter (where alert_kind = 'negative_spike') as negative_spike_alerts
        from marts.alerts group by brand""",
    "credits": """
        select 'int_order_credits_computed' as mart, order_id || ' ' || attribution_model as key,
            sum(credit) as credit_sum
        from intermediate.int_order_credits_computed group by order_id, attribution_model""",
    "revenue": """
        with attributed as (
            select attribution_model, sum(revenue) as revenue
            from marts.funnel_attribution group by attribution_model
        ),
        orders as (
            select sum(revenue) as revenue from staging.stg_commerce__orders
            where order_id in (select order_id from intermediate.int_order_credits_computed)
        )
        select 'funnel_attribution' as mart, attribution_model as key,
            abs(attributed.revenue - coalesce(orders.revenue, 0)) as revenue_gap
        from attributed cross join orders""",
}

MEASUREMENTS = {
    "share_of_mentions_sum": pl.Float64,
    "share_of_positive_voice_sum": pl.Float64,
    "net_sentiment": pl.Float64,
    "credit_sum": pl.Float64,
    "revenue_gap": pl.Float64,
    "negative_spike_alerts": pl.Int64,
}


def mart_invariants(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every invariant measurement of the built marts, one row per group."""
    frames = []
    for sql in INVARIANT_QUERIES.values():
        frame = con.sql(sql).pl()
        missing = [c for c in MEASUREMENTS if c not in frame.columns]
        frames.append(
            frame.with_columns(pl.lit(None, dtype=MEASUREMENTS[c]).alias(c) for c in missing)
            .select("mart", "key", *MEASUREMENTS)
            .cast(MEASUREMENTS)
        )
    return pl.concat(frames)


def gate_marts(config: Config, run_name: str) -> GateResult:
    """Validate the working warehouse's marts; on a critical failure record the stopped build
    (the days loaded since the last publication) and raise QualityGateError."""
    from transforms.warehouse import pending_days

    with duckdb.connect(str(zones.warehouse_file(config)), read_only=True) as con:
        frame = mart_invariants(con)
    result = validate(frame, SUITE, run_name, zones.quality_dir(config))
    if result.passed:
        batch_quarantine.resolve_loads(config, SUITE)
        return result
    batch_quarantine.record_stopped_load(
        config, checkpoint=SUITE, run=run_name, days=pending_days(config),
        failures=failure_lines(result), report=result.report, rows=result.rows,
        data_docs=result.data_docs,
    )  # fmt: skip
    raise QualityGateError(describe_failures(result, "the publication of the marts"))
