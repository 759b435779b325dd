-- One row per web visitor x day with a web session, an order or a lead: what the funnel held of
-- each visitor on each day. The next build's stg_web__visitor_changes reads it to find the
-- visitors a re-loaded day dropped rows of. Incremental by loaded day: the loader replaces a
-- day's funnel rows whole (each row on its time column's day), so a build rewrites the rows of
-- the days loaded since the last publication (macros/changed_rows.sql, kind loaded_days) and
-- leaves the older days, whose rows cannot have changed.

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'loaded_days'}
    )
}}

with

sessions as (

    select visitor_id, cast(started_at as date) as day from {{ ref('stg_web__sessions') }}

),

orders as (

    select visitor_id, cast(ordered_at as date) as day from {{ ref('stg_commerce__orders') }}

),

leads as (

    select visitor_id, cast(created_at as date) as day from {{ ref('stg_crm__leads') }}

),

-- (filtered in each branch: DuckDB does not push the filter below the union's distinct)
unioned as (

    select * from sessions where {{ incremental_filter('loaded_days') }}
    union
    select * from orders where {{ incremental_filter('loaded_days') }}
    union
    select * from leads where {{ incremental_filter('loaded_days') }}

),

final as (

    select
        visitor_id,
        day

    from unioned

    where visitor_id is not null

)

select * from final
