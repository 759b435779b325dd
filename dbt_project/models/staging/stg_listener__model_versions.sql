with

source as (

    select * from {{ source('listener', 'model_versions') }}

),

renamed as (

    select
        task,
        version,
        is_current,
        method,
        trained_on,
        training_rows,
        training_data_sha256,
        holdout_rows,
        holdout_macro_f1,
        holdout_accuracy,
        evaluated_on,
        cast(nullif(created_at, '') as timestamp) as created_at

    from source

)

select * from renamed
