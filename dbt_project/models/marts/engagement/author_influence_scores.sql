-- Influence and advocacy per author, one row per platform x author who wrote at least one voice
-- post (brand accounts, spam and duplicates are not voice): reach, engagement, how positive their
-- brand mentions are, their advocacy for the tracked brand, and an influence score. The per-author
-- sums come from int_authors_aggregated; this table scores them. The rank within the platform is
-- not stored: a new or changed author moves the rank of every author below them, so a stored rank
-- would rewrite (and republish) every author every day. author_influence adds it at read time.
-- Incremental: a build rescores the authors who wrote a changed post (macros/changed_rows.sql,
-- kind authors), and publication rewrites only the authors whose row changed.

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'authors'}
    )
}}

with

authors as (

    select * from {{ ref('int_authors_aggregated') }}

    where {{ incremental_filter('authors') }}

),

scored as (

    select
        *,
        -- ln(1 + followers) + ln(1 + engagement) = ln((1 + F) x (1 + E)): audience size times
        -- how much it responds, on a log scale; an author without a follower count scores on
        -- engagement alone
        ln(1.0 + cast(coalesce(max_followers, 0) as double precision))
            + ln(1.0 + cast(total_engagement as double precision)) as influence_score

    from authors

),

final as (

    select
        platform,
        author_id,
        author_handle,
        cast(posts as {{ dbt.type_bigint() }}) as posts,
        first_post_at,
        last_post_at,
        cast(max_followers as {{ dbt.type_bigint() }}) as max_followers,
        cast(total_engagement as {{ dbt.type_bigint() }}) as total_engagement,
        cast(total_reach as {{ dbt.type_bigint() }}) as total_reach,
        cast(engagement_with_reach as double precision) / nullif(total_reach, 0)
            as engagement_rate,
        cast(mentions as {{ dbt.type_bigint() }}) as mentions,
        cast(positive_mentions as {{ dbt.type_bigint() }}) as positive_mentions,
        cast(negative_mentions as {{ dbt.type_bigint() }}) as negative_mentions,
        cast(positive_mentions as double precision) / nullif(mentions, 0)
            as positive_mention_share,
        cast(tracked_brand_mentions as {{ dbt.type_bigint() }}) as tracked_brand_mentions,
        cast(tracked_brand_positive_mentions as {{ dbt.type_bigint() }})
            as tracked_brand_positive_mentions,
        cast(tracked_brand_negative_mentions as {{ dbt.type_bigint() }})
            as tracked_brand_negative_mentions,
        cast(tracked_brand_positive_mentions as double precision)
            / nullif(tracked_brand_mentions, 0) as tracked_brand_advocacy,
        cast(influence_score as double precision) as influence_score

    from scored

)

select * from final
