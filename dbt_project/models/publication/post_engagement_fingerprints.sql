-- One row per day of post_engagement: its rows and the sum of a hash of each row, the day's
-- fingerprint as publish takes it (transforms/publish.py, fingerprints()) to find the days it
-- must publish again. Hashing every row of the largest mart (one row per post: 10M rows, 27
-- columns) took publish 1.3 s a day at 10M posts; kept here, incremental by day like
-- share_of_voice_daily, a build hashes only the days it rewrote (macros/changed_rows.sql). The
-- hash is DuckDB's, over the mart's columns in their order (hashed_columns: publish uses a row
-- only when the mart still has exactly these columns, and computes the fingerprints itself
-- otherwise), so the model exists on DuckDB only, where publish reads it.

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'days'},
        enabled=(target.type == 'duckdb')
    )
}}

{%- set columns = adapter.get_columns_in_relation(ref('post_engagement')) | map(attribute='name') | list if execute else ['day'] %}

with

engagement as (

    select * from {{ ref('post_engagement') }}

    where {{ incremental_filter('days') }}

),

fingerprinted as (

    select
        day,
        count(*) as row_count,
        sum(cast({{ mart_row_hash(columns) }} as hugeint)) as row_hash

    from engagement

    group by day

),

final as (

    select
        cast(day as date) as day,
        cast(row_count as bigint) as row_count,
        cast(row_hash as hugeint) as row_hash,
        cast('{{ columns | join(",") }}' as varchar) as hashed_columns

    from fingerprinted

)

select * from final
