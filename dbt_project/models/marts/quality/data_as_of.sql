-- One row: the warehouse's as-of time, the creation time of its newest post. Ages in the marts
-- (triage_queue) are measured to it, never to the clock, so a rebuild or a re-run gives the same
-- figures; a dashboard shows it as "data as of". Null while the warehouse holds no post.

with

posts as (

    select created_at from {{ ref('stg_listener__posts') }}

),

final as (

    select max(created_at) as as_of_at

    from posts

)

select * from final
