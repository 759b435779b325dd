-- A view; its data tests in a `dbt build` check the changed posts' rows (meta changed_rows,
-- macros/changed_rows.sql), so it is built after the list of changed posts:
-- depends_on: {{ ref('stg_listener__post_changes') }}

{{ config(meta={'changed_rows': 'raw_posts'}) }}

with

source as (

    select * from {{ source('listener', 'post_snapshots') }}

),

renamed as (

    select
        post_id,
        source as source_name,
        batch_id,
        likes,
        shares,
        comments,
        impressions,
        author_followers,
        cast(observed_at as timestamp) as observed_at,
        cast(day as date) as day

    from source

)

select * from renamed
