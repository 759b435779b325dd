with

source as (

    select * from {{ source('listener', 'post_brands') }}

),

-- a post loaded again on a later day matches again: keep the first day it matched, and the
-- relevance of its latest classification
renamed as (

    select
        post_id,
        brand,
        matched_by,
        cast(min(day) as date) as day,
        cast(max(p_relevant) as double precision) as p_relevant,
        coalesce(bool_or(is_relevant), true) as is_relevant

    from source

    group by post_id, brand, matched_by

)

select * from renamed
