-- Voice per brand x day (all platforms together), on EVERY day from the first to the last day
-- that has any voice: a day nobody mentioned a brand (or nobody posted at all) gets zeros, so
-- the rolling windows and anomaly baselines downstream can count rows as days.

with

brand_mentions as (

    select * from {{ ref('int_brand_mentions_aggregated') }}

),

-- 0..9999: enough days for 27 years of data (a portable spine: no generate_series, no recursion)
digits as (

    select 0 as n union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9

),

day_offsets as (

    select
        ones.n + 10 * tens.n + 100 * hundreds.n + 1000 * thousands.n as day_offset

    from digits as ones

    cross join digits as tens

    cross join digits as hundreds

    cross join digits as thousands

),

bounds as (

    select
        min(day) as first_day,
        max(day) as last_day

    from brand_mentions

),

spine as (

    select
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'bounds.first_day') }} as date) as day

    from bounds

    cross join day_offsets

    where day_offsets.day_offset <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}

),

brands as (

    select distinct
        brand,
        brand_name,
        is_tracked

    from brand_mentions

),

daily as (

    select
        day,
        brand,
        sum(mentions) as mentions,
        sum(positive_mentions) as positive,
        sum(neutral_mentions) as neutral,
        sum(negative_mentions) as negative,
        sum(unknown_mentions) as unknown

    from brand_mentions

    group by
        day,
        brand

),

final as (

    select
        spine.day,
        brands.brand,
        brands.brand_name,
        brands.is_tracked,
        cast(coalesce(daily.mentions, 0) as {{ dbt.type_bigint() }}) as mentions,
        cast(coalesce(daily.positive, 0) as {{ dbt.type_bigint() }}) as positive,
        cast(coalesce(daily.neutral, 0) as {{ dbt.type_bigint() }}) as neutral,
        cast(coalesce(daily.negative, 0) as {{ dbt.type_bigint() }}) as negative,
        cast(coalesce(daily.unknown, 0) as {{ dbt.type_bigint() }}) as unknown

    from spine

    cross join brands

    left join daily
        on spine.day = daily.day
        and brands.brand = daily.brand

)

select * from final
