-- One row per post that has engagement snapshots: how many there are and the first one (when it
-- was read and the engagement it showed), so post_engagement can measure the engagement gained
-- between the first and the latest observation (velocity). Incremental: a build recomputes the
-- changed posts from all of their snapshots (macros/changed_rows.sql).

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'posts'}
    )
}}

with

snapshots as (

    select * from {{ ref('stg_listener__post_snapshots') }}

    where {{ incremental_raw_filter() }}

),

ranked as (

    select
        post_id,
        observed_at,
        coalesce(likes, 0) + coalesce(shares, 0) + coalesce(comments, 0) as engagement,
        row_number() over (
            partition by post_id
            order by observed_at, batch_id
        ) as snapshot_order,
        count(*) over (partition by post_id) as snapshots

    from snapshots

),

final as (

    select
        post_id,
        cast(snapshots as {{ dbt.type_bigint() }}) as snapshots,
        observed_at as first_observed_at,
        cast(engagement as {{ dbt.type_bigint() }}) as first_engagement

    from ranked

    where snapshot_order = 1

)

select * from final
