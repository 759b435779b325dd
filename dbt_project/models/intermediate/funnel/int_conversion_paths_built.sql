-- One row per conversion path x touch: the social visitor journeys the Markov-chain attribution
-- model learns from (int_markov_transitions_counted). Every social session is in at least one path:
--   converting paths:     one per credited order (order_id set, is_converted true): exactly the
--                         order's touchpoints in int_social_touchpoints_joined (lookback and
--                         conversion window applied), so the Markov model sees the same touches
--                         the other attribution models credit;
--   non-converting paths: a visitor's social sessions that touch no credited order, split at each
--                         of the visitor's orders (a session belongs to the segment after the
--                         orders placed before it started), one path per visitor x segment
--                         (order_id null, is_converted false). They are journeys that ended
--                         without an order, or whose order came too late (older than the
--                         lookback, or the path lapsed past the conversion window).
-- A session can be in several converting paths when it touches several orders of one visitor.
-- Touches are numbered by start time, ties broken by session_id.
-- Incremental by visitor: a visitor's paths depend on that visitor's sessions and orders only, so a
-- build recomputes the visitors whose funnel rows changed (macros/changed_rows.sql, kind visitors).

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'visitors'}
    )
}}

with

touchpoints as (

    select * from {{ ref('int_social_touchpoints_joined') }}

    where {{ incremental_filter('visitors') }}

),

social_sessions as (

    select * from {{ ref('int_social_sessions_filtered') }}

    where {{ incremental_filter('visitors') }}

),

orders as (

    select * from {{ ref('stg_commerce__orders') }}

    where {{ incremental_filter('visitors') }}

),

converting_touches as (

    select
        {{ dbt.concat(["'order:'", 'order_id']) }} as path_id,
        visitor_id,
        order_id,
        true as is_converted,
        session_id,
        session_started_at,
        platform

    from touchpoints

),

credited_sessions as (

    select distinct session_id from touchpoints

),

uncredited_sessions as (

    select social_sessions.*

    from social_sessions

    left join credited_sessions
        on social_sessions.session_id = credited_sessions.session_id

    where credited_sessions.session_id is null

),

-- the segment of a session: how many of the visitor's orders were placed before it started
segmented as (

    select
        uncredited_sessions.session_id,
        uncredited_sessions.visitor_id,
        uncredited_sessions.started_at,
        uncredited_sessions.platform,
        count(orders.order_id) as orders_before

    from uncredited_sessions

    left join orders
        on uncredited_sessions.visitor_id = orders.visitor_id
        and orders.ordered_at < uncredited_sessions.started_at

    group by
        uncredited_sessions.session_id,
        uncredited_sessions.visitor_id,
        uncredited_sessions.started_at,
        uncredited_sessions.platform

),

non_converting_touches as (

    select
        {{ dbt.concat([
            "'visitor:'",
            'visitor_id',
            "':'",
            'cast(orders_before as ' ~ dbt.type_string() ~ ')',
        ]) }} as path_id,
        visitor_id,
        cast(null as {{ dbt.type_string() }}) as order_id,
        false as is_converted,
        session_id,
        started_at as session_started_at,
        platform

    from segmented

),

unioned as (

    select * from converting_touches
    union all
    select * from non_converting_touches

),

numbered as (

    select
        path_id,
        visitor_id,
        order_id,
        is_converted,
        row_number() over (
            partition by path_id
            order by session_started_at, session_id
        ) as touch_number,
        count(*) over (partition by path_id) as touch_count,
        session_id,
        session_started_at,
        platform as channel

    from unioned

),

-- The path's steps in the Markov chain (int_markov_transitions_counted counts them): a touch on
-- another channel than the touch before enters that channel's state from the previous state
-- ('(start)' for the first touch); a touch on the same channel stays in it (no step: a
-- self-transition changes no removal effect); the last touch leaves for '(conversion)' or '(null)'.
final as (

    select
        *,
        cast(
            case
                when touch_number = 1 then '(start)'
                when lag(channel) over (partition by path_id order by touch_number) <> channel
                    then lag(channel) over (partition by path_id order by touch_number)
            end as {{ dbt.type_string() }}
        ) as entered_from,
        cast(
            case
                when touch_number = touch_count and is_converted then '(conversion)'
                when touch_number = touch_count then '(null)'
            end as {{ dbt.type_string() }}
        ) as exited_to

    from numbered

)

select * from final
