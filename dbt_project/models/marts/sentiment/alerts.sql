-- One row per alert: an episode of anomalous days of one brand. Flagged days (a volume or a
-- negative spike, int_brand_anomalies_scored) whose gap to the brand's previous flagged day is at
-- most anomaly_cooldown_days belong to the same episode, so one crisis raises one alert however
-- many days, and however many kinds of spike, it lasts (gaps and islands with window functions).
-- The alert is dated at the episode's first day and described by its peak.

with

anomalies as (

    select * from {{ ref('int_brand_anomalies_scored') }}

),

flagged as (

    select * from anomalies where is_flagged

),

flagged_days as (

    select
        brand,
        day

    from flagged

    group by
        brand,
        day

),

gaps as (

    select
        brand,
        day,
        lag(day) over (partition by brand order by day) as previous_flagged_day

    from flagged_days

),

episode_starts as (

    select
        brand,
        day,
        case
            when previous_flagged_day is null then 1
            when {{ dbt.datediff('previous_flagged_day', 'day', 'day') }}
                > {{ var('anomaly_cooldown_days') }} then 1
            else 0
        end as starts_episode

    from gaps

),

day_episodes as (

    select
        brand,
        day,
        sum(starts_episode) over (
            partition by brand
            order by day
            rows between unbounded preceding and current row
        ) as episode_number

    from episode_starts

),

flagged_in_episodes as (

    select
        flagged.*,
        day_episodes.episode_number

    from flagged

    inner join day_episodes
        on flagged.brand = day_episodes.brand
        and flagged.day = day_episodes.day

),

episodes as (

    select
        brand,
        episode_number,
        min(day) as started_on,
        max(day) as ended_on,
        count(distinct day) as flagged_days,
        sum(case when anomaly_kind = 'negative_spike' then 1 else 0 end) as negative_spike_days,
        sum(case when anomaly_kind = 'volume_spike' then 1 else 0 end) as volume_spike_days,
        max(severity_level) as severity_level,
        max(case when anomaly_kind = 'negative_spike' then severity_level end) as negative_level,
        max(case when anomaly_kind = 'volume_spike' then severity_level end) as volume_level

    from flagged_in_episodes

    group by
        brand,
        episode_number

),

-- the alert's kind is the kind that reached the highest severity (negative_spike on a tie: a
-- complaint wave is the more actionable reading of a day that is also a volume spike)
episode_kinds as (

    select
        *,
        case
            when coalesce(negative_level, -1) >= coalesce(volume_level, -1) then 'negative_spike'
            else 'volume_spike'
        end as alert_kind

    from episodes

),

-- the peak: the alert kind's flagged day with the highest z-score (the earliest on a tie)
peak_candidates as (

    select
        episode_kinds.brand,
        episode_kinds.episode_number,
        flagged_in_episodes.brand_name,
        flagged_in_episodes.is_tracked,
        flagged_in_episodes.day,
        flagged_in_episodes.observed,
        flagged_in_episodes.baseline_days,
        flagged_in_episodes.baseline_mean,
        flagged_in_episodes.ratio,
        flagged_in_episodes.z_score,
        row_number() over (
            partition by episode_kinds.brand, episode_kinds.episode_number
            order by flagged_in_episodes.z_score desc, flagged_in_episodes.day
        ) as peak_rank

    from episode_kinds

    inner join flagged_in_episodes
        on episode_kinds.brand = flagged_in_episodes.brand
        and episode_kinds.episode_number = flagged_in_episodes.episode_number
        and episode_kinds.alert_kind = flagged_in_episodes.anomaly_kind

),

peaks as (

    select * from peak_candidates where peak_rank = 1

),

joined as (

    select
        episode_kinds.brand,
        peaks.brand_name,
        peaks.is_tracked,
        episode_kinds.alert_kind,
        case episode_kinds.severity_level
            when 2 then 'critical'
            when 1 then 'warning'
            else 'none'
        end as severity,
        episode_kinds.started_on,
        episode_kinds.ended_on,
        episode_kinds.flagged_days,
        episode_kinds.negative_spike_days,
        episode_kinds.volume_spike_days,
        peaks.day as peak_day,
        peaks.observed,
        peaks.baseline_days,
        peaks.baseline_mean,
        peaks.ratio,
        peaks.z_score

    from episode_kinds

    inner join peaks
        on episode_kinds.brand = peaks.brand
        and episode_kinds.episode_number = peaks.episode_number

),

final as (

    select
        {{ dbt.concat(["brand", "'-'", "alert_kind", "'-'", iso_date_string('started_on')]) }}
            as alert_id,
        brand,
        brand_name,
        is_tracked,
        alert_kind,
        severity,
        started_on,
        ended_on,
        cast(flagged_days as {{ dbt.type_bigint() }}) as flagged_days,
        cast(negative_spike_days as {{ dbt.type_bigint() }}) as negative_spike_days,
        cast(volume_spike_days as {{ dbt.type_bigint() }}) as volume_spike_days,
        peak_day,
        observed,
        baseline_days,
        baseline_mean,
        ratio,
        z_score,
        {{ dbt.concat([
            "case when alert_kind = 'negative_spike' then 'Negative mentions' else 'Mentions' end",
            "' of '",
            "brand_name",
            "case when ratio is null then ' rose' else "
                ~ dbt.concat([
                    "' rose '",
                    "cast(cast(floor((ratio - 1) * 100 + 0.5) as " ~ dbt.type_bigint() ~ ") as varchar)",
                    "'%'",
                ]) ~ " end",
            "' above the '",
            "cast(baseline_days as varchar)",
            "'-day baseline ('",
            "cast(observed as varchar)",
            "' vs '",
            "cast(cast(floor(baseline_mean + 0.5) as " ~ dbt.type_bigint() ~ ") as varchar)",
            "' a day) on '",
            iso_date_string('peak_day'),
            "case when flagged_days > 1 then "
                ~ dbt.concat([
                    "'; '",
                    "cast(flagged_days as varchar)",
                    "' flagged days from '",
                    iso_date_string('started_on'),
                    "' to '",
                    iso_date_string('ended_on'),
                ]) ~ " else '' end",
        ]) }} as explanation

    from joined

)

select * from final
