{#-
    DuckDB's hash of one row over these columns, in this order: the same expression as
    transforms/publish.py's row_hash_sql(), so a fingerprint kept by dbt equals the one publish
    would compute.
-#}
{% macro mart_row_hash(columns) -%}
    hash({% for column in columns %}"{{ column }}"{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}
