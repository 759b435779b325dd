-- The tracked brand's work queue: one row per inbound customer post about the tracked brand
-- (int_inbound_posts_joined: a voice post whose intent is in var('response_intents')) that the
-- brand's account has not answered, however old, with a priority score and rank (1 = most
-- urgent) and the team it is routed to. Age is measured to the warehouse's as-of time (the
-- creation time of its newest post), never to the clock, so a rebuild gives the same queue.
-- Restricted mart: it carries the post text and the author's handle for the people who answer.

with

inbound as (

    select * from {{ ref('int_inbound_posts_joined') }}

),

post_engagement as (

    select * from {{ ref('post_engagement') }}

),

posts as (

    select * from {{ ref('stg_listener__posts') }}

),

as_of as (

    select max(created_at) as as_of_at from posts

),

unanswered as (

    select
        inbound.post_id,
        inbound.brand,
        inbound.platform,
        inbound.day,
        inbound.created_at,
        inbound.author_id,
        inbound.author_handle,
        inbound.author_followers,
        inbound.text,
        inbound.intent,
        inbound.sentiment,
        coalesce(post_engagement.engagement, 0) as engagement,
        post_engagement.reach,
        as_of.as_of_at,
        greatest({{ hours_between('inbound.created_at', 'as_of.as_of_at') }}, 0) as age_hours

    from inbound

    cross join as_of

    left join post_engagement
        on inbound.post_id = post_engagement.post_id

    where inbound.is_tracked
        and inbound.first_reply_post_id is null

),

-- priority_score, 0-100: intent up to 40 points, sentiment up to 20, reach up to 25, age up to 15
weighted as (

    select
        *,
        case intent
            when 'complaint' then 40
            when 'purchase_intent' then 32
            when 'question' then 20
            else 12
        end as intent_points,
        case sentiment
            when 'negative' then 20
            when 'positive' then 5
            else 10
        end as sentiment_points,
        -- log scale: reach 0 = 0 points, a million or more = 25
        25.0 * least(
            ln(1.0 + cast(coalesce(reach, 0) as double precision)) / ln(cast(1000000 as double precision)), 1.0
        ) as reach_points,
        -- grows over the first day of waiting, then stays at 15
        15.0 * least(age_hours / 24.0, 1.0) as age_points

    from unanswered

),

routed as (

    select
        *,
        intent_points + sentiment_points + reach_points + age_points as priority_score,
        case
            when sentiment = 'negative'
                and coalesce(author_followers, 0) >= {{ var('triage_high_reach_followers') }}
                then 'negative_high_reach'
            when sentiment = 'negative'
                and engagement >= {{ var('triage_viral_engagement') }}
                then 'negative_viral'
            else intent
        end as routing_reason

    from weighted

),

ranked as (

    select
        *,
        case
            when routing_reason in ('negative_high_reach', 'negative_viral') then 'communications'
            when intent = 'purchase_intent' then 'sales'
            else 'support'
        end as routed_team,
        row_number() over (
            order by priority_score desc, created_at asc, post_id asc
        ) as priority_rank

    from routed

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
        cast(author_followers as {{ dbt.type_bigint() }}) as author_followers,
        cast(engagement as {{ dbt.type_bigint() }}) as engagement,
        cast(reach as {{ dbt.type_bigint() }}) as reach,
        text

    from ranked

)

select * from final
