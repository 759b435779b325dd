-- One row per platform x author who wrote at least one voice post (post_engagement.is_voice):
-- their posts' reach and engagement, their brand mentions (int_brand_mentions_joined, so a post
-- about two brands is two mentions) and advocacy for the tracked brand, and the handle on their
-- latest voice post. author_influence scores and ranks these rows; the ranks move whenever any
-- author's numbers do, so they are computed there, over this small table, on every build.
-- Incremental: a build recomputes every author who wrote a changed post, now or before
-- (macros/changed_rows.sql, kind authors).

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'authors'}
    )
}}

with

-- the voice posts, and only the columns used: this is read three times, and DuckDB materializes
-- a CTE read more than once
voice_posts as (

    select
        post_id,
        platform,
        author_id,
        created_at,
        author_followers,
        engagement,
        reach

    from {{ ref('post_engagement') }}

    where is_voice
        and {{ incremental_filter('authors') }}

),

mentions as (

    select * from {{ ref('int_brand_mentions_joined') }}

),

brands as (

    select * from {{ ref('stg_listener__brands') }}

),

-- each author's latest voice post: the one whose handle the author row shows
latest_posts as (

    select
        post_id,
        platform,
        author_id

    from (

        select
            post_id,
            platform,
            author_id,
            row_number() over (
                partition by platform, author_id
                order by created_at desc, post_id desc
            ) as recency

        from voice_posts

    ) as ranked

    where recency = 1

),

-- their handles: only the latest posts are fetched (by row id: macros/fetch_rows.sql), not
-- every post of the changed authors, and only the column needed
latest_posts_fetched as {{ fetched_materialized() }} (

    select
        post_id,
        author_handle

    from {{ ref('stg_listener__posts') }}

    where {{ fetched_rows(ref('stg_listener__posts'), 'post_id in (select post_id from latest_posts)') }}

),

latest_handles as (

    select
        latest_posts.platform,
        latest_posts.author_id,
        latest_posts_fetched.author_handle

    from latest_posts

    inner join latest_posts_fetched
        on latest_posts.post_id = latest_posts_fetched.post_id

),

post_stats as (

    select
        platform,
        author_id,
        count(*) as posts,
        min(created_at) as first_post_at,
        max(created_at) as last_post_at,
        max(author_followers) as max_followers,
        sum(engagement) as total_engagement,
        sum(case when reach is not null then engagement else 0 end) as engagement_with_reach,
        sum(reach) as total_reach

    from voice_posts

    group by
        platform,
        author_id

),

mention_stats as (

    select
        voice_posts.platform,
        voice_posts.author_id,
        count(*) as mentions,
        sum(case when mentions.sentiment = 'positive' then 1 else 0 end) as positive_mentions,
        sum(case when mentions.sentiment = 'negative' then 1 else 0 end) as negative_mentions,
        sum(case when brands.is_tracked then 1 else 0 end) as tracked_brand_mentions,
        sum(
            case when brands.is_tracked and mentions.sentiment = 'positive' then 1 else 0 end
        ) as tracked_brand_positive_mentions,
        sum(
            case when brands.is_tracked and mentions.sentiment = 'negative' then 1 else 0 end
        ) as tracked_brand_negative_mentions

    from voice_posts

    inner join mentions
        on voice_posts.post_id = mentions.post_id

    inner join brands
        on mentions.brand = brands.brand

    group by
        voice_posts.platform,
        voice_posts.author_id

),

joined as (

    select
        post_stats.platform,
        post_stats.author_id,
        latest_handles.author_handle,
        post_stats.posts,
        post_stats.first_post_at,
        post_stats.last_post_at,
        post_stats.max_followers,
        post_stats.total_engagement,
        post_stats.engagement_with_reach,
        post_stats.total_reach,
        coalesce(mention_stats.mentions, 0) as mentions,
        coalesce(mention_stats.positive_mentions, 0) as positive_mentions,
        coalesce(mention_stats.negative_mentions, 0) as negative_mentions,
        coalesce(mention_stats.tracked_brand_mentions, 0) as tracked_brand_mentions,
        coalesce(mention_stats.tracked_brand_positive_mentions, 0)
            as tracked_brand_positive_mentions,
        coalesce(mention_stats.tracked_brand_negative_mentions, 0)
            as tracked_brand_negative_mentions

    from post_stats

    left join mention_stats
        on post_stats.platform = mention_stats.platform
        and post_stats.author_id = mention_stats.author_id

    left join latest_handles
        on post_stats.platform = latest_handles.platform
        and post_stats.author_id = latest_handles.author_id

)

select * from joined
