-- Share of voice per day x brand, all platforms together: the shares are recomputed from the
-- day's totals (not averaged over platforms), so dashboards can read the day directly.
-- Incremental in the same way as share_of_voice (the whole days its changed posts count on).

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'days'}
    )
}}

with

brand_mentions as (

    select * from {{ ref('int_brand_mentions_aggregated') }}

    where {{ incremental_filter('days') }}

),

daily as (

    select
        day,
        brand,
        brand_name,
        is_tracked,
        sum(mentions) as mentions,
        sum(engagement) as engagement,
        sum(reach) as reach,
        sum(positive_mentions) as positive_mentions

    from brand_mentions

    group by
        day,
        brand,
        brand_name,
        is_tracked

),

final as (

    select
        day,
        brand,
        brand_name,
        is_tracked,
        cast(mentions as {{ dbt.type_bigint() }}) as mentions,
        cast(engagement as {{ dbt.type_bigint() }}) as engagement,
        cast(reach as {{ dbt.type_bigint() }}) as reach,
        {{ share_of_total('mentions', ['day']) }} as share_of_mentions,
        {{ share_of_total('engagement', ['day']) }} as share_of_engagement,
        {{ share_of_total('reach', ['day']) }} as share_of_reach,
        cast(positive_mentions as {{ dbt.type_bigint() }}) as positive_mentions,
        {{ share_of_total('positive_mentions', ['day']) }} as share_of_positive_voice

    from daily

)

select * from final
