with

source as (

    select * from {{ source('listener', 'model_versions') }}

),

renamed as (

    select
        task,
        version,
        is_current,
        trained_on,
        training_rows,
        training_data_sha256,
        holdout_macro_f1,
        holdout_accuracy,
        cast(nullif(created_at, '') as timestamp) as created_at

    from source

)

select * from renamed
