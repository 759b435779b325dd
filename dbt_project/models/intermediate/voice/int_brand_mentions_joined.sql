-- One row per post x brand that counts as voice: a post about one of our brands that is not
-- written by a brand account, not spam, not a duplicate/repost and not excluded for any other
-- reason by the cleaning step. A post mentioning two brands counts once for each.
-- A table (every voice mart reads it), incremental: a build recomputes the changed posts
-- (macros/changed_rows.sql), so a post that stopped being voice loses its rows.

-- depends_on: {{ ref('int_post_changes_joined') }} (the changed posts' days: kind dated_posts)

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'dated_posts'}
    )
}}

with

posts as (

    select * from {{ ref('stg_listener__posts') }}

    where {{ incremental_filter('staged_posts') }}

),

post_brands as (

    select * from {{ ref('stg_listener__post_brands') }}

    where {{ incremental_filter('posts') }}

),

brands as (

    select * from {{ ref('stg_listener__brands') }}

),

voice_posts as (

    select
        post_id,
        day,
        platform,
        coalesce(sentiment, 'unknown') as sentiment,
        coalesce(likes, 0) + coalesce(shares, 0) + coalesce(comments, 0) as engagement,
        -- reach: the impressions where the platform reports them, else the author's followers
        coalesce(impressions, author_followers, 0) as reach,
        impressions is not null as reach_from_impressions

    from posts

    where not coalesce(is_own_post, false)
        and not coalesce(is_spam, false)
        and not coalesce(is_duplicate, false)
        and coalesce(exclusion_reason, '') = ''

),

-- a post can match one brand several ways (handle, hashtag, alias): count it once; a match the
-- relevance classifier judged unrelated (the brand word in another sense) does not count
post_brand_pairs as (

    select distinct
        post_id,
        brand

    from post_brands

    where brand in (select brand from brands)
        and is_relevant

),

joined as (

    select
        voice_posts.post_id,
        post_brand_pairs.brand,
        voice_posts.day,
        voice_posts.platform,
        voice_posts.sentiment,
        voice_posts.engagement,
        voice_posts.reach,
        voice_posts.reach_from_impressions

    from post_brand_pairs

    inner join voice_posts
        on post_brand_pairs.post_id = voice_posts.post_id

)

select * from joined
