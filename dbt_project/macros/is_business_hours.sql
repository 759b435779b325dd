{#
    True when the timestamp falls in business hours: Monday to Friday, from `business_hours_start`
    (inclusive) to `business_hours_end` (exclusive) o'clock, in the timestamp's own zone (the
    warehouse stores UTC). `extract(dow ...)` is 0 = Sunday on DuckDB and PostgreSQL alike.

        {{ is_business_hours('created_at') }} as is_business_hours
#}
{% macro is_business_hours(column) -%}
    (
        extract(dow from {{ column }}) between 1 and 5
        and extract(hour from {{ column }}) >= {{ var('business_hours_start') }}
        and extract(hour from {{ column }}) < {{ var('business_hours_end') }}
    )
{%- endmacro %}
