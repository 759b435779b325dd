-- Orders and revenue attributed to social platforms and campaigns, per attribution model and
-- conversion day, next to the social sessions each platform x campaign brought that day.

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
        day,
        platform,
        campaign,
        sum(credit) as conversions,
        sum(attributed_revenue) as revenue,
        count(distinct order_id) as orders_touched

    from credits

    group by
        attribution_model,
        day,
        platform,
        campaign

),

sessions_per_day as (

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

-- every day x platform x campaign with social sessions or credited conversions, for every model
day_platform_campaigns as (

    select day, platform, campaign from conversions
    union
    select day, platform, campaign from sessions_per_day

),

spine as (

    select
        attribution_models.attribution_model,
        day_platform_campaigns.day,
        day_platform_campaigns.platform,
        day_platform_campaigns.campaign

    from attribution_models

    cross join day_platform_campaigns

),

final as (

    select
        spine.attribution_model,
        spine.platform,
        spine.campaign,
        spine.day,
        cast(coalesce(conversions.conversions, 0) as double precision) as conversions,
        cast(coalesce(conversions.revenue, 0) as double precision) as revenue,
        cast(coalesce(conversions.orders_touched, 0) as {{ dbt.type_bigint() }}) as orders_touched,
        cast(coalesce(sessions_per_day.sessions, 0) as {{ dbt.type_bigint() }}) as sessions

    from spine

    left join conversions
        on spine.attribution_model = conversions.attribution_model
        and spine.day = conversions.day
        and spine.platform = conversions.platform
        and spine.campaign = conversions.campaign

    left join sessions_per_day
        on spine.day = sessions_per_day.day
        and spine.platform = sessions_per_day.platform
        and spine.campaign = sessions_per_day.campaign

)

select * from final
