-- Response performance per brand x day x platform x business hours (in or out): inbound posts
-- that needed a reply, how many the brand answered, the median and 90th percentile of the
-- response minutes (answered posts only) and the share answered within the target. Percentiles
-- do not add up across rows: compute them from response_times for longer periods.

with

response_times as (

    select * from {{ ref('response_times') }}

),

summarized as (

    select
        brand,
        brand_name,
        is_tracked,
        day,
        platform,
        is_business_hours,
        count(*) as inbound_posts,
        sum(case when responded then 1 else 0 end) as responded_posts,
        sum(case when is_within_target then 1 else 0 end) as within_target_posts,
        percentile_cont(0.5) within group (order by response_minutes) as median_response_minutes,
        percentile_cont(0.9) within group (order by response_minutes) as p90_response_minutes

    from response_times

    group by
        brand,
        brand_name,
        is_tracked,
        day,
        platform,
        is_business_hours

),

final as (

    select
        brand,
        brand_name,
        is_tracked,
        day,
        platform,
        is_business_hours,
        cast(inbound_posts as {{ dbt.type_bigint() }}) as inbound_posts,
        cast(responded_posts as {{ dbt.type_bigint() }}) as responded_posts,
        cast(responded_posts as double precision) / inbound_posts as response_rate,
        cast(median_response_minutes as double precision) as median_response_minutes,
        cast(p90_response_minutes as double precision) as p90_response_minutes,
        cast(within_target_posts as {{ dbt.type_bigint() }}) as within_target_posts,
        cast(within_target_posts as double precision) / inbound_posts as within_target_share

    from summarized

)

select * from final
