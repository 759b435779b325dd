{#
    The rows an incremental model rebuilds: everything on a full refresh, and on an incremental run
    the days from `incremental_lookback_days` before the newest day the model already holds, or
    before the oldest day the pipeline loaded since the marts were last published
    (raw.pending_days: a backfill, a re-run of an old day, a new snapshot of an old post),
    whichever is earlier. Used
    with incremental_strategy='delete+insert' and unique_key = the day column, so every rebuilt
    day replaces the old one as a whole (late posts and newer engagement counts land in it).

        where {{ incremental_lookback('day') }}

    In a dbt unit test there is no relation to look at (`this` is none): the model is then built
    as on a full refresh.
#}
{% macro incremental_lookback(column='day') -%}
    {%- if this is not none and is_incremental() -%}
        {{ column }} >= (
            select {{ dbt.dateadd('day', -1 * var('incremental_lookback_days'), 'min(from_day)') }}
            from (
                select max({{ column }}) as from_day from {{ this }}
                union all
                select min(oldest_first_seen_day) as from_day
                from {{ source('listener', 'pending_days') }}
            ) as rebuild_from
        )
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}
