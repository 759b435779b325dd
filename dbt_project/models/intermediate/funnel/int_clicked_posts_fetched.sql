-- One row per post whose link a social session clicked (int_social_sessions_filtered.post_id) and
-- that Listener holds: the day it counts on, its author's handle and whether a brand account
-- wrote it, for funnel_attribution_posts. A node of its own, so that finding ~100,000 posts among
-- millions runs early, beside the funnel's chain, and not in the last node of the build (10M
-- posts: ~0.5 s of CPU taken off the build's tail). Rebuilt on every build: new sessions name old
-- posts and new posts are named by old sessions.

{{ config(materialized='table') }}

with

clicked as (

    select distinct post_id

    from {{ ref('int_social_sessions_filtered') }}

    where post_id is not null

),

-- fetched by row id (macros/fetch_rows.sql): a few of millions of posts
posts as {{ fetched_materialized(every_build=true) }} (

    select
        post_id,
        day,
        author_handle,
        is_own_post

    from {{ ref('stg_listener__posts') }}

    where {{ fetched_rows(ref('stg_listener__posts'), 'post_id in (select post_id from clicked)', every_build=true) }}

),

-- the fetch above is the whole filter on a build; the join keeps the model exact where that
-- filter is off (a dbt unit test reads every given post)
final as (

    select
        posts.post_id,
        posts.day,
        posts.author_handle,
        posts.is_own_post

    from posts

    inner join clicked
        on posts.post_id = clicked.post_id

)

select * from final
