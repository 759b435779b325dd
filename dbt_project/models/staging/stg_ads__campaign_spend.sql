with

source as (

    select * from {{ source('listener', 'campaign_spend') }}

),

renamed as (

    select
        platform,
        campaign,
        spend,
        impressions,
        clicks,
        cast(day as date) as day

    from source

)

select * from renamed
