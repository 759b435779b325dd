-- Share of voice per day x platform x brand over the competitive set (every brand in
-- stg_listener__brands). The day total across platforms is in share_of_voice_daily, weeks and
-- months in share_of_voice_periods.
--
-- Incremental: each build replaces the whole days its changed posts count on, now or before
-- (late posts and newer engagement counts land in their day; macros/changed_rows.sql).

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

final as (

    select
        day,
        platform,
        brand,
        brand_name,
        is_tracked,
        mentions,
        engagement,
        reach,
        {{ share_of_total('mentions', ['day', 'platform']) }} as share_of_mentions,
        {{ share_of_total('engagement', ['day', 'platform']) }} as share_of_engagement,
        {{ share_of_total('reach', ['day', 'platform']) }} as share_of_reach,
        positive_mentions,
        {{ share_of_total('positive_mentions', ['day', 'platform']) }} as share_of_positive_voice

    from brand_mentions

)

select * from final
