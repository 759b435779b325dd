-- Web sessions that came from social (utm_medium = 'social'), with the platform (utm_source) and
-- campaign (utm_campaign) they came from; a missing value becomes '(not set)' so it can be grouped.

with

sessions as (

    select * from {{ ref('stg_web__sessions') }}

),

social_sessions as (

    select
        session_id,
        visitor_id,
        started_at,
        cast(started_at as date) as day,
        coalesce(nullif(utm_source, ''), '(not set)') as platform,
        coalesce(nullif(utm_campaign, ''), '(not set)') as campaign,
        utm_content as post_native_id

    from sessions

    where lower(utm_medium) = 'social'

)

select * from social_sessions
