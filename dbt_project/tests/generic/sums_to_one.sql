{#
    Fails on every group (by `group_by`) whose values of a column do not sum to 1 within
    `tolerance`, with the column's name and the group's total. Groups where the column is null on
    every row (a share of a zero total) are skipped. On a column, or for several columns of a
    model at once (one query and one dbt node for all of a mart's shares):

        columns:
          - name: credit
            data_tests:
              - sums_to_one:
                  arguments:
                    group_by: [order_id, attribution_model]

        data_tests:
          - sums_to_one:
              arguments:
                columns: [share_of_mentions, share_of_engagement]
                group_by: [day, platform]
#}
{% test sums_to_one(model, group_by, column_name=none, columns=none, tolerance=1e-9) %}

{%- set checked = columns if columns else [column_name] %}

with totals as (

    select
        {{ group_by | join(',\n        ') }},
        {%- for column in checked %}
        sum({{ column }}) as total_{{ loop.index }},
        count({{ column }}) as values_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ model }}

    group by
        {{ group_by | join(',\n        ') }}

)

{% for column in checked -%}
select
    {{ group_by | join(',\n    ') }},
    '{{ column }}' as column_name,
    total_{{ loop.index }} as total

from totals

where values_{{ loop.index }} > 0
    and abs(total_{{ loop.index }} - 1) > {{ tolerance }}
{{ 'union all' if not loop.last }}
{% endfor %}

{% endtest %}
