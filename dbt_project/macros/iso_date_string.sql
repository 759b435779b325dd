{#
    A date as 'YYYY-MM-DD' text, whatever the server's display settings: PostgreSQL's
    cast(date as varchar) follows the DateStyle setting ('10/10/2026' under SQL, DMY), so it uses
    to_char; DuckDB always casts dates to ISO text. Used for alert ids and explanations.

        {{ iso_date_string('started_on') }}
#}
{% macro iso_date_string(column) -%}
    {{ return(adapter.dispatch('iso_date_string')(column)) }}
{%- endmacro %}

{% macro default__iso_date_string(column) -%}
    cast({{ column }} as varchar)
{%- endmacro %}

{% macro postgres__iso_date_string(column) -%}
    to_char({{ column }}, 'YYYY-MM-DD')
{%- endmacro %}
