-- Response time per inbound customer post x brand: one row per voice post about a brand with an
-- account whose intent needs a reply (var('response_intents'); int_inbound_posts_joined), with the
-- brand's first reply, the minutes it took, whether it met var('response_target_minutes') and
-- whether the post came in during business hours (UTC, Monday-Friday,
-- var('business_hours_start') to var('business_hours_end')). Incremental like
-- int_inbound_posts_joined (macros/changed_rows.sql, kind inbound_posts).

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

final as (

    select
        post_id,
        brand,
        brand_name,
        is_tracked,
        platform,
        day,
        created_at,
        intent,
        sentiment,
        {{ is_business_hours('created_at') }} as is_business_hours,
        first_reply_post_id is not null as responded,
        first_reply_post_id,
        first_replied_at,
        replies,
        case
            when first_reply_post_id is not null
                then cast({{ dbt.datediff('created_at', 'first_replied_at', 'second') }} as double precision) / 60.0
        end as response_minutes,
        first_reply_post_id is not null
            and {{ dbt.datediff('created_at', 'first_replied_at', 'second') }}
                <= 60 * {{ var('response_target_minutes') }} as is_within_target

    from inbound

)

select * from final
