-- Engagement per post, one row per post (all posts, brand accounts' included: is_own_post and
-- is_voice say which are which), from its latest snapshot, with reach, engagement rate and
-- velocity. Incremental: each build rewrites the posts it changed (macros/changed_rows.sql), so
-- late posts and newer engagement counts land however old the post is.

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

snapshots as (

    select * from {{ ref('int_post_snapshots_summarized') }}

    where {{ incremental_filter('posts') }}

),

measured as (

    select
        post_id,
        platform,
        day,
        created_at,
        author_id,
        in_reply_to_post_id,
        coalesce(is_own_post, false) as is_own_post,
        own_brand,
        not coalesce(is_own_post, false)
            and not coalesce(is_spam, false)
            and not coalesce(is_duplicate, false)
            and coalesce(exclusion_reason, '') = '' as is_voice,
        coalesce(sentiment, 'unknown') as sentiment,
        coalesce(intent, 'unknown') as intent,
        coalesce(likes, 0) as likes,
        coalesce(shares, 0) as shares,
        coalesce(comments, 0) as comments,
        coalesce(likes, 0) + coalesce(shares, 0) + coalesce(comments, 0) as engagement,
        impressions,
        author_followers,
        -- reach: the platform's impressions where it reports them, else the author's followers
        coalesce(impressions, author_followers) as reach,
        case
            when impressions is not null then 'impressions'
            when author_followers is not null then 'followers'
        end as reach_basis,
        observed_at

    from posts

),

joined as (

    select
        measured.*,
        coalesce(snapshots.snapshots, 0) as snapshots,
        snapshots.first_observed_at,
        snapshots.first_engagement,
        {{ hours_between('measured.created_at', 'measured.observed_at') }} as hours_to_observed,
        {{ hours_between('snapshots.first_observed_at', 'measured.observed_at') }} as hours_between_snapshots

    from measured

    left join snapshots
        on measured.post_id = snapshots.post_id

),

final as (

    select
        post_id,
        platform,
        day,
        created_at,
        author_id,
        in_reply_to_post_id,
        is_own_post,
        own_brand,
        is_voice,
        sentiment,
        intent,
        cast(likes as {{ dbt.type_bigint() }}) as likes,
        cast(shares as {{ dbt.type_bigint() }}) as shares,
        cast(comments as {{ dbt.type_bigint() }}) as comments,
        cast(engagement as {{ dbt.type_bigint() }}) as engagement,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(author_followers as {{ dbt.type_bigint() }}) as author_followers,
        cast(reach as {{ dbt.type_bigint() }}) as reach,
        -- varchar, as the contract says (PostgreSQL types a case of literals as text, which an
        -- incremental run would take for a schema change)
        cast(reach_basis as varchar) as reach_basis,
        cast(engagement as double precision) / nullif(reach, 0) as engagement_rate,
        observed_at,
        cast(snapshots as {{ dbt.type_bigint() }}) as snapshots,
        first_observed_at,
        first_engagement,
        case when hours_to_observed > 0 then hours_to_observed end as hours_to_observed,
        -- lifetime velocity: engagement per hour of the post's life at the latest observation
        case
            when hours_to_observed > 0
                then cast(engagement as double precision) / hours_to_observed
        end as engagement_per_hour,
        -- recent velocity: engagement gained per hour between the first and the latest snapshot
        case
            when snapshots >= 2 and hours_between_snapshots > 0
                then cast(engagement - first_engagement as double precision)
                    / hours_between_snapshots
        end as snapshot_velocity_per_hour

    from joined

)

select * from final
