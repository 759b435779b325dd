-- The tracked brand's open work items: one row per inbound customer post about the tracked brand
-- (int_inbound_posts_joined: a voice post whose intent is in var('response_intents')) that the
-- brand's account has not answered, however old, with the parts of its priority that do not
-- change while it waits (intent, sentiment, reach) and the team it is routed to. triage_queue
-- adds the waiting time and ranks the items when it is read, so a new day rewrites only the
-- items that changed, not every item's age and rank. Restricted: the post text and the author's
-- handle are for the people who answer.
-- Incremental like int_inbound_posts_joined (macros/changed_rows.sql, kind inbound_posts): its
-- changed posts, the posts a changed reply answers, the brands that gained or lost an account.

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'inbound_posts'}
    )
}}

with

inbound as (

    select * from {{ ref('int_inbound_posts_joined') }}

    where {{ incremental_filter('inbound_posts') }}

),

post_engagement as (

    select * from {{ ref('post_engagement') }}

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
        post_engagement.reach

    from inbound

    left join post_engagement
        on inbound.post_id = post_engagement.post_id

    where inbound.is_tracked
        and inbound.first_reply_post_id is null

),

-- the priority's fixed part, 0-85: intent up to 40 points, sentiment up to 20, reach up to 25
-- (triage_queue adds up to 15 for the waiting time)
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
        ) as reach_points

    from unanswered

),

routed as (

    select
        *,
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

final as (

    select
        case
            when routing_reason in ('negative_high_reach', 'negative_viral') then 'communications'
            when intent = 'purchase_intent' then 'sales'
            else 'support'
        end as routed_team,
        routing_reason,
        cast(intent_points + sentiment_points + reach_points as double precision) as base_score,
        post_id,
        brand,
        platform,
        day,
        created_at,
        intent,
        sentiment,
        author_id,
        author_handle,
        cast(author_followers as {{ dbt.type_bigint() }}) as author_followers,
        cast(engagement as {{ dbt.type_bigint() }}) as engagement,
        cast(reach as {{ dbt.type_bigint() }}) as reach,
        text

    from routed

)

select * from final
