-- One row per from_state x to_state of the first-order Markov chain over conversion paths
-- (int_conversion_paths_built), with how many path steps made that transition and its
-- probability (its share of the from_state's outgoing steps). States: '(start)', one per channel
-- (platform), and the absorbing '(conversion)' and '(null)' (the path ended without an order).
-- Every path is '(start)' -> its channels in touch order -> '(conversion)' or '(null)'.
-- Consecutive touches on the same channel are one visit of that channel's state: a self-transition
-- changes no absorption probability (the chain leaves the state to the same places with the same
-- odds however often it stays), so dropping them leaves every removal effect as it is and makes the
-- iteration in int_markov_removal_effects converge faster.

with

paths as (

    select * from {{ ref('int_conversion_paths_built') }}

),

with_previous as (

    select
        path_id,
        is_converted,
        touch_number,
        channel,
        lag(channel) over (partition by path_id order by touch_number) as previous_channel

    from paths

),

channel_visits as (

    select
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
        cast('(start)' as {{ dbt.type_string() }}) as from_state,
        channel as to_state

    from channel_visits

    where visit_number = 1

    union all

    select
        channel as from_state,
        coalesce(
            lead(channel) over (partition by path_id order by visit_number),
            case when is_converted then '(conversion)' else '(null)' end
        ) as to_state

    from channel_visits

),

counted as (

    select
        from_state,
        to_state,
        count(*) as transitions

    from steps

    group by
        from_state,
        to_state

),

final as (

    select
        cast(from_state as {{ dbt.type_string() }}) as from_state,
        cast(to_state as {{ dbt.type_string() }}) as to_state,
        transitions,
        cast(transitions as double precision)
            / sum(transitions) over (partition by from_state) as probability

    from counted

)

select * from final
