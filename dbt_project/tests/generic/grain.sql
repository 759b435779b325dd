{#
    The grain of a model in one test: no two rows share the `unique` columns, and none of the
    `not_null` columns holds a null. Fails with a row per duplicated key (its values, and how many
    rows have it) and per column with nulls (how many). One test node instead of two: dbt spends
    about 80 ms of its own per test node, about a third of a daily build at 10M posts
    (docs/performance.md).

        data_tests:
          - grain:
              arguments:
                unique: [post_id, brand]
                not_null: [post_id, brand, day]
#}
{% test grain(model, unique, not_null=[]) %}

with

duplicated_keys as (

    select
        {{ grain_key_text(unique) }} as detail,
        count(*) as failing_rows

    from {{ model }}

    group by
        {{ unique | join(',\n        ') }}

    having count(*) > 1

){{ ',' if not_null }}

{%- if not_null %}

null_counts as (

    select
        {%- for column in not_null %}
        sum(case when {{ column }} is null then 1 else 0 end) as nulls_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ model }}

)
{%- endif %}

select 'duplicate key ({{ unique | join(', ') }})' as failure, detail, failing_rows
from duplicated_keys
{%- for column in not_null %}

union all

select 'null {{ column }}' as failure, '{{ column }}' as detail, nulls_{{ loop.index }} as failing_rows
from null_counts
where nulls_{{ loop.index }} > 0
{%- endfor %}

{% endtest %}
