-- Voice per day x platform x brand, for every brand of the competitive set on every day x platform
-- that has any voice at all (a brand nobody mentioned gets a row of zeros, so shares and trends
-- show it instead of silently dropping it). A small table the voice and sentiment marts read
-- instead of every mention; incremental by day: a build recomputes every day a changed post
-- counts on now or counted on before (macros/changed_rows.sql).

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'days'}
    )
}}

with

mentions as (

    select * from {{ ref('int_brand_mentions_joined') }}

    where {{ incremental_filter('days') }}

),

brands as (

    select * from {{ ref('stg_listener__brands') }}

),

day_platforms as (

    select distinct
        day,
        platform

    from mentions

),

brand_day_platforms as (

    select
        day_platforms.day,
        day_platforms.platform,
        brands.brand,
        brands.brand_name,
        brands.is_tracked

    from day_platforms

    cross join brands

),

mention_counts as (

    select
        day,
        platform,
        brand,
        count(*) as mentions,
        sum(engagement) as engagement,
        sum(reach) as reach,
        sum(case when sentiment = 'positive' then 1 else 0 end) as positive_mentions,
        sum(case when sentiment = 'neutral' then 1 else 0 end) as neutral_mentions,
        sum(case when sentiment = 'negative' then 1 else 0 end) as negative_mentions,
        sum(case when sentiment = 'unknown' then 1 else 0 end) as unknown_mentions

    from mentions

    group by
        day,
        platform,
        brand

),

joined as (

    select
        brand_day_platforms.day,
        brand_day_platforms.platform,
        brand_day_platforms.brand,
        brand_day_platforms.brand_name,
        brand_day_platforms.is_tracked,
        cast(coalesce(mention_counts.mentions, 0) as {{ dbt.type_bigint() }}) as mentions,
        cast(coalesce(mention_counts.engagement, 0) as {{ dbt.type_bigint() }}) as engagement,
        cast(coalesce(mention_counts.reach, 0) as {{ dbt.type_bigint() }}) as reach,
        cast(coalesce(mention_counts.positive_mentions, 0) as {{ dbt.type_bigint() }}) as positive_mentions,
        cast(coalesce(mention_counts.neutral_mentions, 0) as {{ dbt.type_bigint() }}) as neutral_mentions,
        cast(coalesce(mention_counts.negative_mentions, 0) as {{ dbt.type_bigint() }}) as negative_mentions,
        cast(coalesce(mention_counts.unknown_mentions, 0) as {{ dbt.type_bigint() }}) as unknown_mentions

    from brand_day_platforms

    left join mention_counts
        on brand_day_platforms.day = mention_counts.day
        and brand_day_platforms.platform = mention_counts.platform
        and brand_day_platforms.brand = mention_counts.brand

)

select * from joined
