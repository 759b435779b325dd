-- The tracked brand's work queue: triage_queue_items with each item's waiting time, priority
-- score and rank (1 = most urgent), computed when the view is read. Age is measured to the
-- warehouse's as-of time (data_as_of: the creation time of its newest post), never to the clock,
-- so a rebuild gives the same queue. Every item ages and may move each day, so storing the ages
-- and ranks would rewrite the whole queue daily; ranking ~200,000 items when read takes a
-- fraction of a second. Published as a view too, over the published items (restricted file).

{{ config(materialized='view') }}

with

items as (

    select * from {{ ref('triage_queue_items') }}

),

as_of as (

    select as_of_at from {{ ref('data_as_of') }}

),

aged as (

    select
        items.*,
        as_of.as_of_at,
        greatest({{ hours_between('items.created_at', 'as_of.as_of_at') }}, 0) as age_hours

    from items

    cross join as_of

),

-- priority_score, 0-100: the item's fixed points (up to 85) + age up to 15, which grows over
-- the first day of waiting, then stays at 15
scored as (

    select
        *,
        base_score + 15.0 * least(age_hours / 24.0, 1.0) as priority_score

    from aged

),

ranked as (

    select
        *,
        row_number() over (
            order by priority_score desc, created_at asc, post_id asc
        ) as priority_rank

    from scored

),

final as (

    select
        cast(priority_rank as {{ dbt.type_bigint() }}) as priority_rank,
        cast(
            row_number() over (
                partition by routed_team
                order by priority_rank
            ) as {{ dbt.type_bigint() }}
        ) as team_rank,
        routed_team,
        routing_reason,
        cast(priority_score as double precision) as priority_score,
        post_id,
        brand,
        platform,
        day,
        created_at,
        cast(age_hours as double precision) as age_hours,
        as_of_at,
        intent,
        sentiment,
        author_id,
        author_handle,
        author_followers,
        engagement,
        reach,
        text

    from ranked

)

select * from final
