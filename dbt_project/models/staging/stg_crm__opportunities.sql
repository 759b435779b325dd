with

source as (

    select * from {{ source('listener', 'opportunities') }}

),

renamed as (

    select
        opportunity_id,
        lead_id,
        stage,
        amount,
        cast(created_at as timestamp) as created_at

    from source

)

select * from renamed
