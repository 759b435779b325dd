-- Share of voice per day x platform x brand over the competitive set (every brand in
-- stg_listener__brands). The day total across platforms is in share_of_voice_daily.

with

brand_mentions as (

    select * from {{ ref('int_brand_mentions_aggregated') }}

),

final as (

    select
        day,
        platform,
        brand,
        brand_name,
        is_tracked,
        mentions,
        engagement,
        {{ share_of_total('mentions', ['day', 'platform']) }} as share_of_mentions,
        {{ share_of_total('engagement', ['day', 'platform']) }} as share_of_engagement,
        positive_mentions,
        {{ share_of_total('positive_mentions', ['day', 'platform']) }} as share_of_positive_voice

    from brand_mentions

)

select * from final
