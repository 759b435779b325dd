with

source as (

    select * from {{ source('listener', 'orders') }}

),

renamed as (

    select
        order_id,
        visitor_id,
        revenue,
        currency,
        cast(ordered_at as timestamp) as ordered_at

    from source

)

select * from renamed
