-- One row per post: its latest snapshot. A table, not a view like the other staging models:
-- nearly every model reads it, and the de-duplication over every snapshot is the costliest step
-- of the staging layer; a table also gives the server warehouse's planner real statistics.
-- Incremental: a build recomputes only the posts stg_listener__post_changes lists (from all of
-- their raw rows, so first_seen_day and the latest snapshot stay exact) and drops those that no
-- raw row holds any more (macros/changed_rows.sql). Its rows of those posts are found with the
-- first_seen_day bound of kind staged_posts, so the delete and the tests skip older row groups.

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'staged_posts'}
    )
}}

with

source as (

    select * from {{ source('listener', 'posts') }}

    where {{ incremental_raw_filter() }}

),

-- a post seen again on a later day (a new engagement snapshot) is loaded again: keep the latest
-- snapshot's counts and classification, and the days it was first and last seen. Ranked on the
-- key columns only, then joined back on (post_id, day), which the loader keeps unique (a day's
-- latest snapshot of each post): a window over every column of every row costs several times
-- more.
observations as (

    select
        post_id,
        day,
        row_number() over (
            partition by post_id
            order by observed_at desc, loaded_at desc, day desc
        ) as snapshot_rank,
        min(day) over (partition by post_id) as first_seen_day,
        max(day) over (partition by post_id) as last_seen_day,
        max(loaded_at) over (partition by post_id) as last_loaded_at

    from {{ source('listener', 'posts') }}

    where {{ incremental_raw_filter() }}

),

latest as (

    select
        source.*,
        observations.first_seen_day,
        observations.last_seen_day,
        observations.last_loaded_at

    from source

    inner join observations
        on source.post_id = observations.post_id
        and source.day = observations.day

    where observations.snapshot_rank = 1

),

renamed as (

    select
        -- ids
        post_id,
        platform,
        native_id,
        author_id,
        in_reply_to_post_id,
        repost_of_post_id,
        quote_of_post_id,
        source as source_name,
        batch_id,

        -- author
        author_handle,
        author_followers,
        author_verified,

        -- text
        text,
        text_clean,
        lang as platform_language,
        language,
        urls,
        hashtags,
        mentions,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_content,
        click_id,
        emojis,
        cashtags,
        content_hash,

        -- engagement
        likes,
        shares,
        comments,
        impressions,
        rating,

        -- cleaning flags
        is_own_post,
        own_brand,
        is_duplicate,
        spam_score,
        is_spam,
        is_english,
        exclusion_reason,

        -- classification
        sentiment,
        p_negative,
        p_neutral,
        p_positive,
        intent,
        intent_confidence,
        model_version,

        -- timestamps
        cast(created_at as timestamp) as created_at,
        cast(observed_at as timestamp) as observed_at,
        cast(first_seen_day as date) as first_seen_day,
        -- the day of the last raw batch that contained the post, and the newest load of its rows
        -- (what stg_listener__post_changes compares the next loads with)
        cast(last_seen_day as date) as last_seen_day,
        cast(last_loaded_at as timestamp) as last_loaded_at,
        -- the day the post counts on: the day it was written, for a post that arrives late (but at
        -- most incremental_lookback_days late), else the day it was first seen
        cast(
            case
                when created_at is null then first_seen_day
                when cast(created_at as date) > first_seen_day then first_seen_day
                when cast(created_at as date) < {{ dbt.dateadd('day', -1 * var('incremental_lookback_days'), 'first_seen_day') }}
                    then {{ dbt.dateadd('day', -1 * var('incremental_lookback_days'), 'first_seen_day') }}
                else cast(created_at as date)
            end
        as date) as day

    from latest

)

select * from renamed
