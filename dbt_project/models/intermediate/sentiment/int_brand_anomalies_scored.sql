-- One row per brand x day x anomaly kind: the day's count (all mentions for 'volume_spike',
-- negative mentions for 'negative_spike') scored against the trailing baseline of the
-- anomaly_baseline_days days before it (the day itself excluded), with the severity it earns.
-- Long (one row per kind) so sentiment_trend and alerts share one definition of a spike.

{%- set baseline_days = var('anomaly_baseline_days') | int %}

with

brand_days as (

    select * from {{ ref('int_brand_days_spined') }}

),

observations as (

    select
        day,
        brand,
        brand_name,
        is_tracked,
        'volume_spike' as anomaly_kind,
        mentions as observed

    from brand_days

    union all

    select
        day,
        brand,
        brand_name,
        is_tracked,
        'negative_spike' as anomaly_kind,
        negative as observed

    from brand_days

),

-- the spine has one row per day, so "rows" windows are day windows
baselines as (

    select
        day,
        brand,
        brand_name,
        is_tracked,
        anomaly_kind,
        observed,
        count(*) over baseline_window as baseline_days,
        avg(cast(observed as double precision)) over baseline_window as baseline_mean,
        stddev_samp(cast(observed as double precision)) over baseline_window as baseline_stddev

    from observations

    window baseline_window as (
        partition by brand, anomaly_kind
        order by day
        rows between {{ baseline_days }} preceding and 1 preceding
    )

),

scored as (

    select
        *,
        -- the spread never goes below the Poisson spread sqrt(mean) nor below 1 mention, so a
        -- flat or very short baseline does not turn a small wobble into a huge z-score
        (cast(observed as double precision) - baseline_mean)
            / greatest(coalesce(baseline_stddev, 0.0), sqrt(baseline_mean), 1.0) as z_score,
        cast(observed as double precision) / nullif(baseline_mean, 0) as ratio,
        baseline_days >= {{ var('anomaly_min_baseline_days') }}
            and observed >= {{ var('anomaly_min_count') }}
            and cast(observed as double precision)
                >= {{ var('anomaly_min_ratio') }} * baseline_mean as is_candidate

    from baselines

),

levelled as (

    select
        day,
        brand,
        brand_name,
        is_tracked,
        anomaly_kind,
        cast(observed as {{ dbt.type_bigint() }}) as observed,
        cast(baseline_days as {{ dbt.type_bigint() }}) as baseline_days,
        baseline_mean,
        baseline_stddev,
        z_score,
        ratio,
        cast(
            case
                when not is_candidate then 0
                when z_score >= {{ var('anomaly_critical_z') }} then 2
                when z_score >= {{ var('anomaly_warning_z') }} then 1
                else 0
            end as {{ dbt.type_bigint() }}
        ) as severity_level

    from scored

),

final as (

    select
        *,
        case severity_level when 2 then 'critical' when 1 then 'warning' else 'none' end as severity,
        severity_level > 0 as is_flagged

    from levelled

)

select * from final
