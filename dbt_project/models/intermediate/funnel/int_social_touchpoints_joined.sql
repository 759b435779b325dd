-- One row per credited order x social session of the same visitor in the order's attribution
-- lookback window: the session started at most var('attribution_lookback_days') days before the
-- order, and not after it. The order is credited to social only if its path has not lapsed: its
-- LAST social touch in the lookback window started at most var('attribution_conversion_window_days')
-- days before the order (the conversion window). Orders without a touch in the lookback window, or
-- whose last touch is older than the conversion window, do not appear: they are not attributed to
-- social. A session can touch several orders of the same visitor (each order looks back on its own).
-- Incremental by visitor: a build recomputes the orders of the visitors whose funnel rows changed
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

orders as (

    select * from {{ ref('stg_commerce__orders') }}

    where {{ incremental_filter('visitors') }}

),

social_sessions as (

    select * from {{ ref('int_social_sessions_filtered') }}

    where {{ incremental_filter('visitors') }}

),

joined as (

    select
        orders.order_id,
        social_sessions.session_id,
        orders.visitor_id,
        orders.ordered_at,
        cast(orders.ordered_at as date) as day,
        orders.revenue,
        orders.currency,
        social_sessions.started_at as session_started_at,
        social_sessions.platform,
        social_sessions.campaign,
        social_sessions.post_id,
        max(social_sessions.started_at) over (partition by orders.order_id) as last_touch_at

    from orders

    inner join social_sessions
        on orders.visitor_id = social_sessions.visitor_id
        and social_sessions.started_at <= orders.ordered_at
        and social_sessions.started_at >= {{
            dbt.dateadd('day', -1 * var('attribution_lookback_days'), 'orders.ordered_at')
        }}

),

-- the path lapsed when its last touch is older than the conversion window
final as (

    select
        order_id,
        session_id,
        visitor_id,
        ordered_at,
        day,
        revenue,
        currency,
        session_started_at,
        platform,
        campaign,
        post_id

    from joined

    where last_touch_at >= {{
        dbt.dateadd('day', -1 * var('attribution_conversion_window_days'), 'ordered_at')
    }}

)

select * from final
