-- Sentiment of the voice about each brand per day, all platforms together: one row per
-- brand x day on every day from the first to the last day with any voice (zeros on quiet days).
-- Daily counts and scores with Wilson 95% intervals, 7- and 28-day rolling values, and the
-- volume / negative spike flags against the trailing baseline (int_brand_anomalies_scored).

with

brand_days as (

    select * from {{ ref('int_brand_days_spined') }}

),

anomalies as (

    select * from {{ ref('int_brand_anomalies_scored') }}

),

-- the spine has one row per day, so "rows" windows are day windows; near the first day a
-- window simply holds fewer days (days_in_7d / days_in_28d say how many)
rolling as (

    select
        *,
        count(*) over last_7_days as days_in_7d,
        sum(mentions) over last_7_days as mentions_7d,
        sum(positive) over last_7_days as positive_7d,
        sum(negative) over last_7_days as negative_7d,
        count(*) over last_28_days as days_in_28d,
        sum(mentions) over last_28_days as mentions_28d,
        sum(positive) over last_28_days as positive_28d,
        sum(negative) over last_28_days as negative_28d

    from brand_days

    window
        last_7_days as (partition by brand order by day rows between 6 preceding and current row),
        last_28_days as (partition by brand order by day rows between 27 preceding and current row)

),

volume as (

    select * from anomalies where anomaly_kind = 'volume_spike'

),

negatives as (

    select * from anomalies where anomaly_kind = 'negative_spike'

),

final as (

    select
        rolling.day,
        rolling.brand,
        rolling.brand_name,
        rolling.is_tracked,
        rolling.mentions,
        rolling.positive,
        rolling.neutral,
        rolling.negative,
        rolling.unknown,

        -- (P - N) / (P + N): the balance of opinionated mentions, in [-1, 1]
        cast(rolling.positive - rolling.negative as double precision)
            / nullif(rolling.positive + rolling.negative, 0) as net_sentiment,
        -- Wilson 95% interval of p = P / (P + N), mapped to net sentiment = 2p - 1
        2 * {{ wilson_interval_bound('rolling.positive', 'rolling.positive + rolling.negative', 'lower') }}
            - 1 as net_sentiment_low,
        2 * {{ wilson_interval_bound('rolling.positive', 'rolling.positive + rolling.negative', 'upper') }}
            - 1 as net_sentiment_high,
        -- the alternative score: (P - N) / all mentions
        cast(rolling.positive - rolling.negative as double precision)
            / nullif(rolling.mentions, 0) as net_sentiment_of_all,

        cast(rolling.negative as double precision) / nullif(rolling.mentions, 0) as negative_share,
        {{ wilson_interval_bound('rolling.negative', 'rolling.mentions', 'lower') }} as negative_share_low,
        {{ wilson_interval_bound('rolling.negative', 'rolling.mentions', 'upper') }} as negative_share_high,

        cast(rolling.days_in_7d as {{ dbt.type_bigint() }}) as days_in_7d,
        cast(rolling.mentions_7d as {{ dbt.type_bigint() }}) as mentions_7d,
        cast(rolling.positive_7d as {{ dbt.type_bigint() }}) as positive_7d,
        cast(rolling.negative_7d as {{ dbt.type_bigint() }}) as negative_7d,
        cast(rolling.positive_7d - rolling.negative_7d as double precision)
            / nullif(rolling.positive_7d + rolling.negative_7d, 0) as net_sentiment_7d,
        cast(rolling.negative_7d as double precision)
            / nullif(rolling.mentions_7d, 0) as negative_share_7d,
        cast(rolling.days_in_28d as {{ dbt.type_bigint() }}) as days_in_28d,
        cast(rolling.mentions_28d as {{ dbt.type_bigint() }}) as mentions_28d,
        cast(rolling.positive_28d as {{ dbt.type_bigint() }}) as positive_28d,
        cast(rolling.negative_28d as {{ dbt.type_bigint() }}) as negative_28d,
        cast(rolling.positive_28d - rolling.negative_28d as double precision)
            / nullif(rolling.positive_28d + rolling.negative_28d, 0) as net_sentiment_28d,
        cast(rolling.negative_28d as double precision)
            / nullif(rolling.mentions_28d, 0) as negative_share_28d,

        volume.baseline_days,
        volume.baseline_mean as mentions_baseline_mean,
        volume.baseline_stddev as mentions_baseline_stddev,
        volume.z_score as mentions_z_score,
        volume.ratio as mentions_ratio,
        negatives.baseline_mean as negative_baseline_mean,
        negatives.baseline_stddev as negative_baseline_stddev,
        negatives.z_score as negative_z_score,
        negatives.ratio as negative_ratio,
        coalesce(volume.is_flagged, false) as is_volume_spike,
        coalesce(negatives.is_flagged, false) as is_negative_spike,
        coalesce(volume.severity, 'none') as volume_spike_severity,
        coalesce(negatives.severity, 'none') as negative_spike_severity,
        case greatest(coalesce(volume.severity_level, 0), coalesce(negatives.severity_level, 0))
            when 2 then 'critical'
            when 1 then 'warning'
            else 'none'
        end as severity

    from rolling

    left join volume
        on rolling.brand = volume.brand
        and rolling.day = volume.day

    left join negatives
        on rolling.brand = negatives.brand
        and rolling.day = negatives.day

)

select * from final
