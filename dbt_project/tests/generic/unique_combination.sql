{#
    Fails on every combination of `columns` that appears on more than one row (the grain test).

        data_tests:
          - unique_combination:
              arguments:
                columns: [day, platform, brand]
#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(',\n    ') }},
    count(*) as row_count

from {{ model }}

group by
    {{ columns | join(',\n    ') }}

having count(*) > 1

{% endtest %}
