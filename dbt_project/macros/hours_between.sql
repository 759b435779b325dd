{#
    Hours from `start` to `end` as a double (negative when `end` is earlier), counted in whole
    seconds with dbt.datediff (second boundaries crossed, the same on DuckDB and PostgreSQL).

        {{ hours_between('created_at', 'observed_at') }} as hours_observed
#}
{% macro hours_between(start, end) -%}
    cast({{ dbt.datediff(start, end, 'second') }} as double precision) / 3600.0
{%- endmacro %}
