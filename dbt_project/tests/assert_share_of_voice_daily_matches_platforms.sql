-- share_of_voice_daily is the sum of share_of_voice over platforms: the same mentions, engagement
-- and positive mentions for every day x brand.

with

per_platform as (

    select
        day,
        brand,
        sum(mentions) as mentions,
        sum(engagement) as engagement,
        sum(positive_mentions) as positive_mentions

    from {{ ref('share_of_voice') }}

    group by
        day,
        brand

),

daily as (

    select * from {{ ref('share_of_voice_daily') }}

)

select
    coalesce(daily.day, per_platform.day) as day,
    coalesce(daily.brand, per_platform.brand) as brand,
    daily.mentions as daily_mentions,
    per_platform.mentions as platform_mentions

from daily

full outer join per_platform
    on daily.day = per_platform.day
    and daily.brand = per_platform.brand

where daily.mentions is null
    or per_platform.mentions is null
    or daily.mentions <> per_platform.mentions
    or daily.engagement <> per_platform.engagement
    or daily.positive_mentions <> per_platform.positive_mentions
