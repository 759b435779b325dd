with

source as (

    select * from {{ source('listener', 'leads') }}

),

renamed as (

    select
        lead_id,
        visitor_id,
        cast(created_at as timestamp) as created_at

    from source

)

select * from renamed
