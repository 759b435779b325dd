{#
    One bound of the Wilson score interval for a proportion p = successes / total (95% by
    default, z = 1.96): the interval that stays inside [0, 1] and behaves on small counts, where
    the normal approximation p +- z * sqrt(p(1 - p) / n) would give bounds below 0 or above 1.

        centre     = (p + z^2 / 2n) / (1 + z^2 / n)
        half_width = z * sqrt(p(1 - p) / n + z^2 / 4n^2) / (1 + z^2 / n)
        bound      = centre -+ half_width

    Null when total = 0. The lower bound is clamped to [0, p] and the upper one to [p, 1], which
    the exact bounds always are: floating-point rounding must not put a bound a hair outside (at
    p = 0 the formula gives about 3e-17 instead of 0). Only casts, sqrt, greatest/least and nullif:
    the same SQL runs on DuckDB and PostgreSQL.

        {{ wilson_interval_bound('positive', 'positive + negative', 'lower') }}
#}
{% macro wilson_interval_bound(successes, total, bound, z=1.96) -%}
    {%- if bound not in ('lower', 'upper') -%}
        {{ exceptions.raise_compiler_error("wilson_interval_bound: bound must be 'lower' or 'upper', got " ~ bound) }}
    {%- endif -%}
    {%- set n = 'cast(nullif(' ~ total ~ ', 0) as double precision)' -%}
    {%- set p = '(cast(' ~ successes ~ ' as double precision) / ' ~ n ~ ')' -%}
    {%- set z2 = ((z * z) | round(10)) | string -%}
    {#- greatest/least skip nulls (DuckDB and PostgreSQL): without the case, total = 0 gave 0 / 1 -#}
    (case when {{ n }} is null then null else
    {%- if bound == 'lower' %}
        greatest(0.0, least({{ p }},
    {%- else %}
        least(1.0, greatest({{ p }},
    {%- endif %}
        ({{ p }} + {{ z2 }} / (2 * {{ n }})
            {{ '-' if bound == 'lower' else '+' }} {{ z }} * sqrt({{ p }} * (1 - {{ p }}) / {{ n }} + {{ z2 }} / (4 * {{ n }} * {{ n }})))
        / (1 + {{ z2 }} / {{ n }})
    )) end)
{%- endmacro %}
