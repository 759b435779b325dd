-- One row per channel (platform) of the Markov-chain attribution model: the probability that a
-- path starting at '(start)' ends in '(conversion)' on the full transition graph
-- (int_markov_transitions_counted) and with the channel removed, the removal effect
-- 1 - P(conversion without the channel) / P(conversion), and its share of all removal effects.
-- Removing a channel sends every transition into it to '(null)'.
-- The absorption probabilities are computed by pushing probability mass through the graph one
-- step at a time, for var('attribution_markov_steps') steps, for the full graph and for every
-- removed channel at once (one recursive CTE; window sums instead of group by, which PostgreSQL
-- does not allow in a recursive term). The mass still in transient states after the last step is
-- kept as unabsorbed_mass (tested to be negligible). A table: int_order_credits_computed and the
-- marts read it several times.

{{ config(materialized='table') }}

with recursive

transitions as (

    select * from {{ ref('int_markov_transitions_counted') }}

),

channels as (

    select
        to_state as channel,
        sum(transitions) as visits

    from transitions

    where to_state not in ('(conversion)', '(null)')

    group by to_state

),

-- '(none)': the full graph; otherwise the channel removed
scenarios as (

    select cast('(none)' as {{ dbt.type_string() }}) as removed_channel

    union all

    select cast(channel as {{ dbt.type_string() }}) as removed_channel from channels

),

mass (removed_channel, step, state, probability) as (

    select
        removed_channel,
        0,
        cast('(start)' as {{ dbt.type_string() }}),
        cast(1 as double precision)

    from scenarios

    union all

    select distinct
        mass.removed_channel,
        mass.step + 1,
        cast(
            case
                when transitions.to_state = mass.removed_channel then '(null)'
                else transitions.to_state
            end as {{ dbt.type_string() }}
        ),
        sum(mass.probability * transitions.probability) over (
            partition by
                mass.removed_channel,
                case
                    when transitions.to_state = mass.removed_channel then '(null)'
                    else transitions.to_state
                end
        )

    from mass

    inner join transitions
        on mass.state = transitions.from_state

    where mass.step < {{ var('attribution_markov_steps') }}

),

absorbed as (

    select
        removed_channel,
        sum(case when state = '(conversion)' then probability else 0 end) as conversion_probability,
        sum(
            case
                when step = {{ var('attribution_markov_steps') }}
                    and state not in ('(conversion)', '(null)')
                    then probability
                else 0
            end
        ) as unabsorbed_mass

    from mass

    group by removed_channel

),

full_graph as (

    select * from absorbed where removed_channel = '(none)'

),

effects as (

    select
        channels.channel,
        channels.visits,
        full_graph.conversion_probability,
        removed.conversion_probability as conversion_probability_without,
        -- removing a channel can only lower P(conversion): a negative value is rounding noise
        greatest(
            1 - removed.conversion_probability / nullif(full_graph.conversion_probability, 0),
            0
        ) as removal_effect,
        greatest(full_graph.unabsorbed_mass, removed.unabsorbed_mass) as unabsorbed_mass

    from channels

    inner join absorbed as removed
        on channels.channel = removed.removed_channel

    cross join full_graph

),

final as (

    select
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(visits as {{ dbt.type_bigint() }}) as visits,
        cast(conversion_probability as double precision) as conversion_probability,
        cast(conversion_probability_without as double precision) as conversion_probability_without,
        cast(removal_effect as double precision) as removal_effect,
        cast(removal_effect / nullif(sum(removal_effect) over (), 0) as double precision)
            as removal_share,
        cast(unabsorbed_mass as double precision) as unabsorbed_mass

    from effects

)

select * from final
