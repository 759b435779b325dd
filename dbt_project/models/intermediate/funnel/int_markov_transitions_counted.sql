-- One row per from_state x to_state of the first-order Markov chain over all conversion paths:
-- how many path steps made that transition (the visitors' counts of int_visitor_transitions_counted
-- summed) and its probability (its share of the from_state's outgoing steps).

with

visitor_transitions as (

    select * from {{ ref('int_visitor_transitions_counted') }}

),

counted as (

    select
        from_state,
        to_state,
        sum(transitions) as transitions

    from visitor_transitions

    group by
        from_state,
        to_state

),

final as (

    select
        cast(from_state as {{ dbt.type_string() }}) as from_state,
        cast(to_state as {{ dbt.type_string() }}) as to_state,
        cast(transitions as {{ dbt.type_bigint() }}) as transitions,
        cast(transitions as double precision)
            / sum(transitions) over (partition by from_state) as probability

    from counted

)

select * from final
