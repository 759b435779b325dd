with

source as (

    select * from {{ source('listener', 'web_sessions') }}

),

renamed as (

    select
        session_id,
        visitor_id,
        click_id,
        landing_page,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_content,
        cast(started_at as timestamp) as started_at

    from source

)

select * from renamed
