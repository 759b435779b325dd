-- Influence and advocacy per author, one row per platform x author who wrote at least one voice
-- post (brand accounts, spam and duplicates are not voice): reach, engagement, how positive their
-- brand mentions are, their advocacy for the tracked brand, and an influence score ranked within
-- the platform (followers and engagement are not comparable across platforms).

with

post_engagement as (

    select * from {{ ref('post_engagement') }}

),

mentions as (

    select * from {{ ref('int_brand_mentions_joined') }}

),

brands as (

    select * from {{ ref('stg_listener__brands') }}

),

posts as (

    select * from {{ ref('stg_listener__posts') }}

),

voice_posts as (

    select * from post_engagement where is_voice

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

-- the handle the author used on their latest voice post
latest_handles as (

    select
        voice_posts.platform,
        voice_posts.author_id,
        posts.author_handle,
        row_number() over (
            partition by voice_posts.platform, voice_posts.author_id
            order by voice_posts.created_at desc, voice_posts.post_id desc
        ) as recency

    from voice_posts

    inner join posts
        on voice_posts.post_id = posts.post_id

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
        and latest_handles.recency = 1

),

scored as (

    select
        *,
        -- ln(1 + followers) + ln(1 + engagement) = ln((1 + F) x (1 + E)): audience size times
        -- how much it responds, on a log scale; an author without a follower count scores on
        -- engagement alone
        ln(1.0 + cast(coalesce(max_followers, 0) as double precision))
            + ln(1.0 + cast(total_engagement as double precision)) as influence_score

    from joined

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
