-- One row per attribution model x platform x campaign x post: the orders and revenue credited to
-- the social sessions that came from a post's link (utm_content), so individual posts get credit.
-- Sessions without a post id are grouped under post_id '(not set)', so per model the
-- conversions add up to the credited orders, as in funnel_attribution (not split by day here).

with

credits as (

    select * from {{ ref('int_order_credits_computed') }}

),

social_sessions as (

    select * from {{ ref('int_social_sessions_filtered') }}

),

attribution_models as (

    select distinct attribution_model from credits

),

conversions as (

    select
        attribution_model,
        platform,
        campaign,
        coalesce(post_id, '(not set)') as post_id,
        sum(credit) as conversions,
        sum(attributed_revenue) as revenue,
        count(distinct order_id) as orders_touched

    from credits

    group by
        attribution_model,
        platform,
        campaign,
        coalesce(post_id, '(not set)')

),

sessions_per_post as (

    select
        platform,
        campaign,
        coalesce(post_id, '(not set)') as post_id,
        count(*) as sessions

    from social_sessions

    group by
        platform,
        campaign,
        coalesce(post_id, '(not set)')

),

platform_campaign_posts as (

    select platform, campaign, post_id from conversions
    union
    select platform, campaign, post_id from sessions_per_post

),

-- the posts the sessions name, as Listener holds them (their credits name the same posts)
posts as (

    select * from {{ ref('int_clicked_posts_fetched') }}

),

spine as (

    select
        attribution_models.attribution_model,
        platform_campaign_posts.platform,
        platform_campaign_posts.campaign,
        platform_campaign_posts.post_id

    from attribution_models

    cross join platform_campaign_posts

),

final as (

    select
        cast(spine.attribution_model as {{ dbt.type_string() }}) as attribution_model,
        cast(spine.platform as {{ dbt.type_string() }}) as platform,
        cast(spine.campaign as {{ dbt.type_string() }}) as campaign,
        cast(spine.post_id as {{ dbt.type_string() }}) as post_id,
        cast(posts.day as date) as post_day,
        cast(posts.author_handle as {{ dbt.type_string() }}) as author_handle,
        cast(posts.is_own_post as boolean) as is_own_post,
        cast(coalesce(conversions.conversions, 0) as double precision) as conversions,
        cast(coalesce(conversions.revenue, 0) as double precision) as revenue,
        cast(coalesce(conversions.orders_touched, 0) as {{ dbt.type_bigint() }}) as orders_touched,
        cast(coalesce(sessions_per_post.sessions, 0) as {{ dbt.type_bigint() }}) as sessions

    from spine

    left join conversions
        on spine.attribution_model = conversions.attribution_model
        and spine.platform = conversions.platform
        and spine.campaign = conversions.campaign
        and spine.post_id = conversions.post_id

    left join sessions_per_post
        on spine.platform = sessions_per_post.platform
        and spine.campaign = sessions_per_post.campaign
        and spine.post_id = sessions_per_post.post_id

    left join posts
        on spine.post_id = posts.post_id

)

select * from final
