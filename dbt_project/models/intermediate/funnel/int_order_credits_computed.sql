-- One row per order x touchpoint x attribution model, with the share of the order the touchpoint
-- is credited with. For every order and model the credits sum to 1:
--   first_touch: 1 for the earliest touchpoint, 0 for the others
--   last_touch:  1 for the latest touchpoint, 0 for the others
--   linear:      1 / number of touchpoints for each
-- Ties on the session start are broken by session_id, so the result is deterministic.

with

touchpoints as (

    select * from {{ ref('int_social_touchpoints_joined') }}

),

numbered as (

    select
        *,
        row_number() over (
            partition by order_id
            order by session_started_at, session_id
        ) as touch_number,
        count(*) over (partition by order_id) as touch_count

    from touchpoints

),

first_touch as (

    select
        *,
        'first_touch' as attribution_model,
        cast(case when touch_number = 1 then 1 else 0 end as double precision) as credit

    from numbered

),

last_touch as (

    select
        *,
        'last_touch' as attribution_model,
        cast(case when touch_number = touch_count then 1 else 0 end as double precision) as credit

    from numbered

),

linear as (

    select
        *,
        'linear' as attribution_model,
        cast(1 as double precision) / touch_count as credit

    from numbered

),

unioned as (

    select * from first_touch
    union all
    select * from last_touch
    union all
    select * from linear

),

final as (

    select
        order_id,
        session_id,
        cast(attribution_model as varchar) as attribution_model,
        credit,
        credit * revenue as attributed_revenue,
        touch_number,
        touch_count,
        visitor_id,
        ordered_at,
        day,
        revenue,
        currency,
        session_started_at,
        platform,
        campaign

    from unioned

)

select * from final
