-- The posts behind the themes of the dashboard: one row per voice post x brand whose intent is one
-- of var('theme_intents') (complaints and purchase intent by default), with its text, so an
-- analyst reads what people complain about or want to buy. Voice means the filter of
-- int_brand_mentions_joined (no brand account, spam, duplicate or unrelated match). No author
-- fields: the post is here for what it says, not who said it. Incremental by post, like
-- post_engagement (macros/changed_rows.sql).

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'dated_posts'}
    )
}}

with

mentions as (

    select * from {{ ref('int_brand_mentions_joined') }}

    where {{ incremental_filter('dated_posts') }}

),

posts as (

    select * from {{ ref('stg_listener__posts') }}

    where {{ incremental_filter('staged_posts') }}

),

brands as (

    select * from {{ ref('stg_listener__brands') }}

),

joined as (

    select
        mentions.post_id,
        mentions.brand,
        brands.brand_name,
        brands.is_tracked,
        mentions.platform,
        mentions.day,
        posts.created_at,
        posts.intent,
        mentions.sentiment,
        mentions.engagement,
        mentions.reach,
        coalesce(posts.text_clean, posts.text) as text

    from mentions

    inner join posts
        on mentions.post_id = posts.post_id

    inner join brands
        on mentions.brand = brands.brand

    where posts.intent in (
        {%- for intent in var('theme_intents') %}
        '{{ intent }}'{{ ',' if not loop.last }}
        {%- endfor %}
    )

)

select * from joined
