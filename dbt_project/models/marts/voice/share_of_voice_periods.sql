-- Share of voice per calendar week (Monday start) and month x platform x brand, plus the same
-- periods over all platforms (platform = 'all'). Shares are recomputed from the period's totals,
-- so they sum to 1 over the brands of each period_grain x period_start x platform. Summing rows
-- across platforms would count the 'all' rows twice: filter on platform.

with

brand_mentions as (

    select * from {{ ref('int_brand_mentions_aggregated') }}

),

-- every day's rows twice: under their platform and under 'all'
by_platform as (

    select day, platform, brand, brand_name, is_tracked, mentions, engagement, reach, positive_mentions
    from brand_mentions

    union all

    select day, 'all' as platform, brand, brand_name, is_tracked, mentions, engagement, reach, positive_mentions
    from brand_mentions

),

{% set grains = ['week', 'month'] %}

periods as (

    {% for grain in grains %}
    select
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'day') }} as date) as period_start,
        day,
        platform,
        brand,
        brand_name,
        is_tracked,
        mentions,
        engagement,
        reach,
        positive_mentions

    from by_platform
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

totals as (

    select
        period_grain,
        period_start,
        platform,
        brand,
        brand_name,
        is_tracked,
        count(distinct day) as days_with_voice,
        min(day) as first_day,
        max(day) as last_day,
        sum(mentions) as mentions,
        sum(engagement) as engagement,
        sum(reach) as reach,
        sum(positive_mentions) as positive_mentions

    from periods

    group by
        period_grain,
        period_start,
        platform,
        brand,
        brand_name,
        is_tracked

),

final as (

    select
        cast(period_grain as varchar) as period_grain,
        period_start,
        cast(platform as varchar) as platform,
        brand,
        brand_name,
        is_tracked,
        cast(days_with_voice as {{ dbt.type_bigint() }}) as days_with_voice,
        first_day,
        last_day,
        cast(mentions as {{ dbt.type_bigint() }}) as mentions,
        cast(engagement as {{ dbt.type_bigint() }}) as engagement,
        cast(reach as {{ dbt.type_bigint() }}) as reach,
        {{ share_of_total('mentions', ['period_grain', 'period_start', 'platform']) }} as share_of_mentions,
        {{ share_of_total('engagement', ['period_grain', 'period_start', 'platform']) }} as share_of_engagement,
        {{ share_of_total('reach', ['period_grain', 'period_start', 'platform']) }} as share_of_reach,
        cast(positive_mentions as {{ dbt.type_bigint() }}) as positive_mentions,
        {{ share_of_total('positive_mentions', ['period_grain', 'period_start', 'platform']) }} as share_of_positive_voice

    from totals

)

select * from final
