{#
    Reading a few scattered rows of a wide table (the texts of stg_listener__posts) on an
    incremental build. A plain filter or join makes DuckDB decompress every vector that holds
    one matching row, and with ~50,000 posts spread over 10M rows that is nearly all of them
    (int_inbound_posts_joined spent ~1 s reading post texts it then dropped). Finding the
    matching row ids from the key column alone, then fetching just those rows by id, costs
    ~0.2 s. The CTE that holds the fetched rows must be `materialized`
    (fetched_materialized()), otherwise DuckDB folds the fetch back into the join it feeds.

        posts as {{ fetched_materialized() }} (
            select * from {{ ref('stg_listener__posts') }}
            where {{ fetched_rows(ref('stg_listener__posts'), 'post_id in (select post_id from mentions)') }}
        ),

    On a full build, every row is read anyway: the predicate is `1 = 1` and the CTE is left to
    the optimizer, unless `every_build` is set (a table model that reads a few posts of all of
    them on every build, like funnel_attribution_posts and stg_listener__post_changes). Other
    warehouses (PostgreSQL) get the plain predicate.
#}

{% macro fetched_rows(relation, predicate, every_build=false) -%}
    {%- if this is not none and (every_build or is_incremental()) -%}
        {{ adapter.dispatch('fetched_rows', 'listener')(relation, predicate) }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{% macro default__fetched_rows(relation, predicate) -%}
    {{ predicate }}
{%- endmacro %}

{% macro duckdb__fetched_rows(relation, predicate) -%}
    rowid in (select rowid from {{ relation }} where {{ predicate }})
{%- endmacro %}


{% macro fetched_materialized(every_build=false) -%}
    {%- if this is not none and (every_build or is_incremental()) -%} materialized {%- endif -%}
{%- endmacro %}
