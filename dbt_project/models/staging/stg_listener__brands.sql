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
