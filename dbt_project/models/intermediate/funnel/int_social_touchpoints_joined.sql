-- One row per order x social session of the same visitor that started in the attribution
-- lookback window: at most var('attribution_lookback_days') days before the order, and not after
-- it. A session can touch several orders of the same visitor; orders without such a session do not
-- appear (they are not attributed to social).

with

orders as (

    select * from {{ ref('stg_commerce__orders') }}

),

social_sessions as (

    select * from {{ ref('int_social_sessions_filtered') }}

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
        social_sessions.campaign

    from orders

    inner join social_sessions
        on orders.visitor_id = social_sessions.visitor_id
        and social_sessions.started_at <= orders.ordered_at
        and social_sessions.started_at >= {{
            dbt.dateadd('day', -1 * var('attribution_lookback_days'), 'orders.ordered_at')
        }}

)

select * from joined
