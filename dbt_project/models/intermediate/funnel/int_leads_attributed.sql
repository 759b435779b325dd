-- One row per CRM lead with a social last touch: the visitor's latest social session that
-- started at most var('attribution_lookback_days') days before the lead was created (and not
-- after it), kept only if it started within var('attribution_conversion_window_days') days of
-- the lead: the same last-touch rule that credits orders (int_order_credits_computed,
-- last_touch). Ties on start time go to the larger session_id, as for orders. Leads without such
-- a touch are not social and do not appear. funnel_stages counts leads and their opportunities
-- by this touch's platform and campaign.
-- Incremental by visitor: a build recomputes the leads of the visitors whose funnel rows changed
-- (macros/changed_rows.sql, kind visitors).

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'visitors'}
    )
}}

with

leads as (

    select * from {{ ref('stg_crm__leads') }}

    where {{ incremental_filter('visitors') }}

),

social_sessions as (

    select * from {{ ref('int_social_sessions_filtered') }}

    where {{ incremental_filter('visitors') }}

),

touched as (

    select
        leads.lead_id,
        leads.visitor_id,
        leads.created_at,
        social_sessions.session_id,
        social_sessions.started_at,
        social_sessions.platform,
        social_sessions.campaign,
        row_number() over (
            partition by leads.lead_id
            order by social_sessions.started_at desc, social_sessions.session_id desc
        ) as recency

    from leads

    inner join social_sessions
        on leads.visitor_id = social_sessions.visitor_id
        and social_sessions.started_at <= leads.created_at
        and social_sessions.started_at >= {{
            dbt.dateadd('day', -1 * var('attribution_lookback_days'), 'leads.created_at')
        }}

),

final as (

    select
        lead_id,
        visitor_id,
        created_at,
        cast(created_at as date) as day,
        session_id as last_touch_session_id,
        started_at as last_touch_at,
        platform,
        campaign

    from touched

    where recency = 1
        and started_at >= {{
            dbt.dateadd('day', -1 * var('attribution_conversion_window_days'), 'created_at')
        }}

)

select * from final
