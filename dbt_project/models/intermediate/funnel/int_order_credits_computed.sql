-- One row per credited order x touchpoint x attribution model, with the share of the order the
-- touchpoint is credited with. For every order and model the credits sum to 1:
--   first_touch:    1 for the earliest touchpoint, 0 for the others
--   last_touch:     1 for the latest touchpoint, 0 for the others
--   linear:         1 / number of touchpoints for each
--   time_decay:     weight 2^(-age_days / var('attribution_half_life_days')), age_days = seconds
--                   from the session start to the order / 86400, normalized over the order
--   position_based: one touch 1; two touches 1/2 each; n >= 3 touches
--                   var('attribution_position_endpoint_share') to the first and to the last, the
--                   rest split evenly over the n - 2 middle touches (40/20/40)
--   markov:         the order split over the channels (platforms) of its path in proportion to
--                   their removal shares (int_markov_removal_effects), normalized over the
--                   channels present in the path, then evenly over that channel's touches; linear
--                   if no channel of the path has a positive share
-- Touches are numbered by session start, ties broken by session_id, so the result is deterministic.

with

touchpoints as (

    select * from {{ ref('int_social_touchpoints_joined') }}

),

removal_effects as (

    select * from {{ ref('int_markov_removal_effects') }}

),

numbered as (

    select
        touchpoints.*,
        row_number() over (
            partition by touchpoints.order_id
            order by touchpoints.session_started_at, touchpoints.session_id
        ) as touch_number,
        count(*) over (partition by touchpoints.order_id) as touch_count,
        cast(
            {{ dbt.datediff('touchpoints.session_started_at', 'touchpoints.ordered_at', 'second') }}
            as double precision
        ) / 86400 as age_days,
        count(*) over (
            partition by touchpoints.order_id, touchpoints.platform
        ) as channel_touches,
        coalesce(removal_effects.removal_share, 0) as removal_share

    from touchpoints

    left join removal_effects
        on touchpoints.platform = removal_effects.channel

),

weighted as (

    select
        *,
        power(
            cast(2 as double precision),
            -1 * age_days / {{ var('attribution_half_life_days') }}
        ) as decay_weight,
        removal_share / channel_touches as markov_weight

    from numbered

),

first_touch as (

    select
        *,
        'first_touch' as attribution_model,
        cast(case when touch_number = 1 then 1 else 0 end as double precision) as credit

    from weighted

),

last_touch as (

    select
        *,
        'last_touch' as attribution_model,
        cast(case when touch_number = touch_count then 1 else 0 end as double precision) as credit

    from weighted

),

linear as (

    select
        *,
        'linear' as attribution_model,
        cast(1 as double precision) / touch_count as credit

    from weighted

),

time_decay as (

    select
        *,
        'time_decay' as attribution_model,
        decay_weight / sum(decay_weight) over (partition by order_id) as credit

    from weighted

),

-- the share is a numeric literal: 1 - 2 * share is exact before the cast (0.2, not 0.19999...)
position_based as (

    select
        *,
        'position_based' as attribution_model,
        case
            when touch_count = 1 then cast(1 as double precision)
            when touch_count = 2 then cast(0.5 as double precision)
            when touch_number = 1 or touch_number = touch_count
                then cast({{ var('attribution_position_endpoint_share') }} as double precision)
            else cast(1 - 2 * {{ var('attribution_position_endpoint_share') }} as double precision)
                / (touch_count - 2)
        end as credit

    from weighted

),

markov as (

    select
        *,
        'markov' as attribution_model,
        coalesce(
            markov_weight / nullif(sum(markov_weight) over (partition by order_id), 0),
            cast(1 as double precision) / touch_count
        ) as credit

    from weighted

),

unioned as (

    select * from first_touch
    union all
    select * from last_touch
    union all
    select * from linear
    union all
    select * from time_decay
    union all
    select * from position_based
    union all
    select * from markov

),

final as (

    select
        order_id,
        session_id,
        cast(attribution_model as {{ dbt.type_string() }}) as attribution_model,
        cast(credit as double precision) as credit,
        cast(credit * revenue as double precision) as attributed_revenue,
        touch_number,
        touch_count,
        age_days,
        visitor_id,
        ordered_at,
        day,
        revenue,
        currency,
        session_started_at,
        platform,
        campaign,
        post_id

    from unioned

)

select * from final
