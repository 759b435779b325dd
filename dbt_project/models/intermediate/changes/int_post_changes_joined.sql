-- One row per post this build recomputes (stg_listener__post_changes), with what the marts need
-- to know about it before and after: the day it counted on, the post it answers and its author,
-- as the previous build left them (previous_*) and as staging holds them now (null when no raw
-- row holds the post any more). The incremental models' rebuild sets derive from it
-- (macros/changed_rows.sql): the days of the day-grained marts, the inbound posts whose replies
-- changed, the authors whose statistics changed.

{{ config(materialized='table') }}

with

changes as (

    select * from {{ ref('stg_listener__post_changes') }}

),

posts as (

    select * from {{ ref('stg_listener__posts') }}

    where first_seen_day >= {{ earliest_raw_day() }}

),

joined as (

    select
        changes.post_id,
        changes.previous_day,
        posts.day,
        changes.previous_platform,
        posts.platform,
        changes.previous_author_id,
        posts.author_id,
        changes.previous_in_reply_to_post_id,
        posts.in_reply_to_post_id

    from changes

    left join posts
        on changes.post_id = posts.post_id

)

select * from joined
