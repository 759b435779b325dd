{#
    Fails once for each of `columns` that holds a null, with the number of null rows. One scan of
    the model checks all its required columns: a not_null test per column costs a query and dbt's
    own overhead per node (tens of milliseconds each, most of a daily build's fixed cost). Columns
    of contracted marts are constraints instead (enforced as rows are written).

        data_tests:
          - not_null_columns:
              arguments:
                columns: [post_id, day, platform]
#}
{% test not_null_columns(model, columns) %}

with null_counts as (

    select
        {%- for column in columns %}
        sum(case when {{ column }} is null then 1 else 0 end) as nulls_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}

)

{% for column in columns -%}
select '{{ column }}' as column_name, nulls_{{ loop.index }} as null_rows
from null_counts
where nulls_{{ loop.index }} > 0
{{ 'union all' if not loop.last }}
{% endfor %}

{% endtest %}
