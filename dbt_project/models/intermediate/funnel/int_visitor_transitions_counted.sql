-- One row per web visitor x from_state x to_state of the first-order Markov chain over conversion
-- paths (int_conversion_paths_built): how many steps of the visitor's paths made that transition.
-- int_markov_transitions_counted sums them over visitors. States: '(start)', one per channel
-- (platform), and the absorbing '(conversion)' and '(null)' (the path ended without an order).
-- Every path is '(start)' -> its channels in touch order -> '(conversion)' or '(null)'.
-- Consecutive touches on the same channel are one visit of that channel's state: a self-transition
-- changes no absorption probability (the chain leaves the state to the same places with the same
-- odds however often it stays), so dropping them leaves every removal effect as it is and makes the
-- iteration in int_markov_removal_effects converge faster.
-- Incremental by visitor (a path is one visitor's), so a day recounts only the visitors whose
-- funnel rows changed (macros/changed_rows.sql, kind visitors), not every path.

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'visitors'}
    )
}}

with

paths as (

    select * from {{ ref('int_conversion_paths_built') }}

    where {{ incremental_filter('visitors') }}

),

with_previous as (

    select
        visitor_id,
        path_id,
        is_converted,
        touch_number,
        channel,
        lag(channel) over (partition by path_id order by touch_number) as previous_channel

    from paths

),

channel_visits as (

    select
        visitor_id,
        path_id,
        is_converted,
        channel,
        row_number() over (partition by path_id order by touch_number) as visit_number

    from with_previous

    where previous_channel is null
        or previous_channel <> channel

),

steps as (

    select
        visitor_id,
        cast('(start)' as {{ dbt.type_string() }}) as from_state,
        channel as to_state

    from channel_visits

    where visit_number = 1

    union all

    select
        visitor_id,
        channel as from_state,
        coalesce(
            lead(channel) over (partition by path_id order by visit_number),
            case when is_converted then '(conversion)' else '(null)' end
        ) as to_state

    from channel_visits

),

final as (

    select
        visitor_id,
        cast(from_state as {{ dbt.type_string() }}) as from_state,
        cast(to_state as {{ dbt.type_string() }}) as to_state,
        count(*) as transitions

    from steps

    group by
        visitor_id,
        from_state,
        to_state

)

select * from final
