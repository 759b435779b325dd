{#
    Fails on every group (by `group_by`) whose values of the column do not sum to 1 within
    `tolerance`. Groups where the column is null on every row (a share of a zero total) are skipped.

        columns:
          - name: share_of_mentions
            data_tests:
              - sums_to_one:
                  arguments:
                    group_by: [day, platform]
#}
{% test sums_to_one(model, column_name, group_by, tolerance=1e-9) %}

select
    {{ group_by | join(',\n    ') }},
    sum({{ column_name }}) as total

from {{ model }}

group by
    {{ group_by | join(',\n    ') }}

having count({{ column_name }}) > 0
    and abs(sum({{ column_name }}) - 1) > {{ tolerance }}

{% endtest %}
