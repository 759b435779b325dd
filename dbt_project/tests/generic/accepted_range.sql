{#
    Fails on every row whose value is outside [min_value, max_value] (either bound optional).
    Nulls pass: test them with not_null. On a column, or on several columns of a model with the
    same bounds (one query and one dbt node for all of them):

        data_tests:
          - accepted_range:
              arguments:
                columns: [removal_effect, removal_share]
                min_value: 0
                max_value: 1
#}
{% test accepted_range(model, column_name=none, columns=none, min_value=none, max_value=none) %}

{%- set checked = columns if columns else [column_name] %}

select *

from {{ model }}

where
    {%- for column in checked %}
    {{ 'or ' if not loop.first }}(
        {%- if min_value is not none %}
        {{ column }} < {{ min_value }}
        {%- endif %}
        {%- if min_value is not none and max_value is not none %}
        or
        {%- endif %}
        {%- if max_value is not none %}
        {{ column }} > {{ max_value }}
        {%- endif %}
    )
    {%- endfor %}

{% endtest %}
