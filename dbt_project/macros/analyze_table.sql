{#
    Fresh planner statistics for a table dbt just built. PostgreSQL plans the next models and
    tests on a new table without statistics as if it held a handful of rows and picks nested
    loops that turn minutes of work into hours; DuckDB keeps its statistics up to date itself.
    Used as a post-hook of every model (dbt_project.yml); views are left alone.
#}
{% macro analyze_table() -%}
    {{ return(adapter.dispatch('analyze_table', 'listener')()) }}
{%- endmacro %}

{% macro default__analyze_table() -%}
{%- endmacro %}

{% macro postgres__analyze_table() -%}
    {%- if config.get('materialized') in ['table', 'incremental'] -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
