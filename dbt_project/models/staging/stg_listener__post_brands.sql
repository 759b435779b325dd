-- A table, not a view (int_brand_mentions_joined and the tests would otherwise group every raw
-- match again), incremental like stg_listener__posts: a build regroups the changed posts' matches
-- (macros/changed_rows.sql, kind raw_posts: their rows are found from the earliest raw day on).

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'raw_posts'}
    )
}}

with

source as (

    select * from {{ source('listener', 'post_brands') }}

    where {{ incremental_raw_filter() }}

),

-- a post loaded again on a later day matches again: keep the first day it matched, and the
-- relevance of its latest classification
renamed as (

    select
        post_id,
        brand,
        matched_by,
        cast(min(day) as date) as day,
        cast(max(p_relevant) as double precision) as p_relevant,
        coalesce(bool_or(is_relevant), true) as is_relevant

    from source

    group by post_id, brand, matched_by

)

select * from renamed
