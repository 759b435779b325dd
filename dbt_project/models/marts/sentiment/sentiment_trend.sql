-- Sentiment of the voice about each brand per day, all platforms together.

with

brand_mentions as (

    select * from {{ ref('int_brand_mentions_aggregated') }}

),

daily as (

    select
        day,
        brand,
        brand_name,
        is_tracked,
        sum(mentions) as mentions,
        sum(positive_mentions) as positive,
        sum(neutral_mentions) as neutral,
        sum(negative_mentions) as negative,
        sum(unknown_mentions) as unknown

    from brand_mentions

    group by
        day,
        brand,
        brand_name,
        is_tracked

),

final as (

    select
        day,
        brand,
        brand_name,
        is_tracked,
        cast(mentions as {{ dbt.type_bigint() }}) as mentions,
        cast(positive as {{ dbt.type_bigint() }}) as positive,
        cast(neutral as {{ dbt.type_bigint() }}) as neutral,
        cast(negative as {{ dbt.type_bigint() }}) as negative,
        cast(unknown as {{ dbt.type_bigint() }}) as unknown,
        -- (P - N) / (P + N): the balance of opinionated mentions, in [-1, 1]
        cast(positive - negative as double precision)
            / nullif(positive + negative, 0) as net_sentiment,
        cast(negative as double precision) / nullif(mentions, 0) as negative_share

    from daily

)

select * from final
