{#
    A list of strings as a SQL `in` list: ['complaint', 'question'] -> 'complaint', 'question'.
    For values from vars (e.g. response_intents); quotes inside a value are doubled.

        where intent in ({{ sql_string_list(var('response_intents')) }})
#}
{% macro sql_string_list(values) -%}
    {%- for value in values -%}
        '{{ value | replace("'", "''") }}'{% if not loop.last %}, {% endif %}
    {%- endfor -%}
{%- endmacro %}
