with

source as (

    select * from {{ source('listener', 'post_brands') }}

),

renamed as (

    select
        post_id,
        brand,
        matched_by,
        cast(day as date) as day

    from source

)

select * from renamed
