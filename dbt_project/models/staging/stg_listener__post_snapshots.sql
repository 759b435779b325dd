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
