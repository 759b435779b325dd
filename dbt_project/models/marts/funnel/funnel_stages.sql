-- One row per day x platform x campaign with any funnel activity: the stages impressions ->
-- engagements -> clicks -> sessions -> leads -> opportunities -> orders -> revenue, the
-- stage-to-stage conversion rates, and spend with CPA and ROAS. Each stage is counted on the day
-- it happened (spend and paid counts on their day, posts on their day, sessions when they started,
-- leads / opportunities / orders when they were created), so a period's rates are ratios of the
-- period's sums, not averages of daily rates. Leads, opportunities and orders count for the
-- platform x campaign of their last social touch (int_leads_attributed, and last_touch in
-- int_order_credits_computed: lookback and conversion window applied).

with

spend as (

    select * from {{ ref('stg_ads__campaign_spend') }}

),

posts as (

    select * from {{ ref('stg_listener__posts') }}

),

social_sessions as (

    select * from {{ ref('int_social_sessions_filtered') }}

),

leads as (

    select * from {{ ref('int_leads_attributed') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

credits as (

    select * from {{ ref('int_order_credits_computed') }}

),

-- the brand's own campaigns: those it pays for or that bring sessions to its site (posts also
-- carry competitors' campaign links, which never reach this funnel)
own_campaigns as (

    select campaign from social_sessions where campaign <> '(not set)'
    union
    select campaign from spend

),

paid as (

    select
        day,
        platform,
        campaign,
        sum(spend) as spend,
        sum(impressions) as paid_impressions,
        sum(clicks) as paid_clicks

    from spend

    group by
        day,
        platform,
        campaign

),

organic as (

    select
        posts.day,
        posts.platform,
        posts.utm_campaign as campaign,
        count(*) as organic_posts,
        sum(posts.impressions) as organic_impressions,
        sum(
            coalesce(posts.likes, 0) + coalesce(posts.shares, 0) + coalesce(posts.comments, 0)
        ) as organic_engagements

    from posts

    inner join own_campaigns
        on posts.utm_campaign = own_campaigns.campaign

    where not coalesce(posts.is_spam, false)

    group by
        posts.day,
        posts.platform,
        posts.utm_campaign

),

sessions as (

    select
        day,
        platform,
        campaign,
        count(*) as sessions

    from social_sessions

    group by
        day,
        platform,
        campaign

),

lead_counts as (

    select
        day,
        platform,
        campaign,
        count(*) as leads

    from leads

    group by
        day,
        platform,
        campaign

),

opportunity_counts as (

    select
        cast(opportunities.created_at as date) as day,
        leads.platform,
        leads.campaign,
        count(*) as opportunities

    from opportunities

    inner join leads
        on opportunities.lead_id = leads.lead_id

    group by
        cast(opportunities.created_at as date),
        leads.platform,
        leads.campaign

),

order_counts as (

    select
        day,
        platform,
        campaign,
        count(*) as orders,
        sum(revenue) as revenue

    from credits

    where attribution_model = 'last_touch'
        and credit = 1

    group by
        day,
        platform,
        campaign

),

day_platform_campaigns as (

    select day, platform, campaign from paid
    union
    select day, platform, campaign from organic
    union
    select day, platform, campaign from sessions
    union
    select day, platform, campaign from lead_counts
    union
    select day, platform, campaign from opportunity_counts
    union
    select day, platform, campaign from order_counts

),

joined as (

    select
        keys.day,
        keys.platform,
        keys.campaign,
        cast(coalesce(paid.spend, 0) as double precision) as spend,
        coalesce(paid.paid_impressions, 0) as paid_impressions,
        coalesce(paid.paid_clicks, 0) as paid_clicks,
        coalesce(organic.organic_posts, 0) as organic_posts,
        organic.organic_impressions,
        coalesce(organic.organic_engagements, 0) as organic_engagements,
        coalesce(sessions.sessions, 0) as sessions,
        coalesce(lead_counts.leads, 0) as leads,
        coalesce(opportunity_counts.opportunities, 0) as opportunities,
        coalesce(order_counts.orders, 0) as orders,
        cast(coalesce(order_counts.revenue, 0) as double precision) as revenue

    from day_platform_campaigns as keys

    left join paid
        on keys.day = paid.day
        and keys.platform = paid.platform
        and keys.campaign = paid.campaign

    left join organic
        on keys.day = organic.day
        and keys.platform = organic.platform
        and keys.campaign = organic.campaign

    left join sessions
        on keys.day = sessions.day
        and keys.platform = sessions.platform
        and keys.campaign = sessions.campaign

    left join lead_counts
        on keys.day = lead_counts.day
        and keys.platform = lead_counts.platform
        and keys.campaign = lead_counts.campaign

    left join opportunity_counts
        on keys.day = opportunity_counts.day
        and keys.platform = opportunity_counts.platform
        and keys.campaign = opportunity_counts.campaign

    left join order_counts
        on keys.day = order_counts.day
        and keys.platform = order_counts.platform
        and keys.campaign = order_counts.campaign

),

stages as (

    select
        *,
        paid_impressions + coalesce(organic_impressions, 0) as impressions,
        organic_engagements as engagements,
        paid_clicks as clicks

    from joined

),

final as (

    select
        cast(day as date) as day,
        cast(platform as {{ dbt.type_string() }}) as platform,
        cast(campaign as {{ dbt.type_string() }}) as campaign,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(engagements as {{ dbt.type_bigint() }}) as engagements,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(sessions as {{ dbt.type_bigint() }}) as sessions,
        cast(leads as {{ dbt.type_bigint() }}) as leads,
        cast(opportunities as {{ dbt.type_bigint() }}) as opportunities,
        cast(orders as {{ dbt.type_bigint() }}) as orders,
        revenue,
        spend,
        cast(paid_impressions as {{ dbt.type_bigint() }}) as paid_impressions,
        cast(paid_clicks as {{ dbt.type_bigint() }}) as paid_clicks,
        cast(organic_posts as {{ dbt.type_bigint() }}) as organic_posts,
        cast(organic_impressions as {{ dbt.type_bigint() }}) as organic_impressions,
        cast(organic_engagements as {{ dbt.type_bigint() }}) as organic_engagements,
        cast(engagements as double precision) / nullif(impressions, 0)
            as engagements_per_impression,
        cast(clicks as double precision) / nullif(engagements, 0) as clicks_per_engagement,
        cast(sessions as double precision) / nullif(clicks, 0) as sessions_per_click,
        cast(leads as double precision) / nullif(sessions, 0) as leads_per_session,
        cast(opportunities as double precision) / nullif(leads, 0) as opportunities_per_lead,
        cast(orders as double precision) / nullif(opportunities, 0) as orders_per_opportunity,
        revenue / nullif(orders, 0) as revenue_per_order,
        cast(orders as double precision) / nullif(sessions, 0) as orders_per_session,
        spend / nullif(orders, 0) as cpa,
        revenue / nullif(spend, 0) as roas

    from stages

)

select * from final
