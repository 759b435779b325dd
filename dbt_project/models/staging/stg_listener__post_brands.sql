with

source as (

    select * from {{ source('listener', 'post_brands') }}

),

-- a post loaded again on a later day matches again: keep the first day it matched
renamed as (

    select
        post_id,
        brand,
        matched_by,
        cast(min(day) as date) as day

    from source

    group by post_id, brand, matched_by

)

select * from renamed
