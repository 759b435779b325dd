-- Influence and advocacy per author, one row per platform x author who wrote at least one voice
-- post (brand accounts, spam and duplicates are not voice): reach, engagement, how positive their
-- brand mentions are, their advocacy for the tracked brand, and an influence score ranked within
-- the platform (followers and engagement are not comparable across platforms). The per-author
-- sums come from int_authors_aggregated (incremental); this table scores and ranks them.

with

-- the per-author numbers, kept up to date incrementally; scores and ranks depend on every author,
-- so they are computed here on each build (a table over authors, not posts)
authors as (

    select * from {{ ref('int_authors_aggregated') }}

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
        cast(influence_score as double precision) as influence_score,
        cast(
            row_number() over (
                partition by platform
                order by influence_score desc, total_engagement desc, author_id
            ) as {{ dbt.type_bigint() }}
        ) as influence_rank

    from scored

)

select * from final
