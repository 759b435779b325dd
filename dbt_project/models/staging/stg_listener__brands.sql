-- A table, not a view: stg_listener__post_changes compares the brands loaded now with the ones
-- the previous build used (a changed competitive set changes every day's shares), so this is
-- rebuilt after it:
-- depends_on: {{ ref('stg_listener__post_changes') }}

{{ config(materialized='table') }}

with

source as (

    select * from {{ source('listener', 'brands') }}

),

renamed as (

    select
        brand,
        brand_name,
        is_tracked

    from source

)

select * from renamed
