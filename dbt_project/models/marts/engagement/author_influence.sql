-- author_influence_scores with each author's rank within the platform, computed when the view is
-- read (ranking 2M authors takes a fraction of a second; storing the rank would rewrite every
-- author whenever one moves). Published as a view too, over the published scores, so BI tools and
-- the restricted file rank the same way. Authors with the same score and engagement share a rank
-- (1, 2, 2, 4): the rank uses only published columns, so it is the same under pseudonyms.

{{ config(materialized='view') }}

with

scores as (

    select * from {{ ref('author_influence_scores') }}

),

ranked as (

    select
        *,
        cast(
            rank() over (
                partition by platform
                order by influence_score desc, total_engagement desc
            ) as {{ dbt.type_bigint() }}
        ) as influence_rank

    from scores

)

select * from ranked
