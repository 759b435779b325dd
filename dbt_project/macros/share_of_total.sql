{#
    A row's share of the total of `column` over the rows that share the `partition_by` columns,
    as a double; null when that total is 0 (a share of nothing is unknown, not 0).

        {{ share_of_total('mentions', ['day', 'platform']) }}
#}
{% macro share_of_total(column, partition_by) -%}
    cast({{ column }} as double precision)
        / nullif(sum({{ column }}) over (partition by {{ partition_by | join(', ') }}), 0)
{%- endmacro %}
