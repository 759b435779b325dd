-- one row per classifier version: how well each version scored on its held-out rows, and which
-- version each task uses now, so dashboards can show classifier quality over time

with

versions as (

    select * from {{ ref('stg_listener__model_versions') }}

),

final as (

    select
        task,
        version,
        is_current,
        method,
        trained_on,
        training_rows,
        holdout_rows,
        holdout_macro_f1,
        holdout_accuracy,
        evaluated_on,
        created_at

    from versions

)

select * from final
