{#
    The rows a build rewrites. A load changes a known set of posts (stg_listener__post_changes:
    the posts with raw rows on the days loaded since the marts were last published, and the posts
    a re-loaded day dropped); every incremental model deletes the rows those posts can reach and
    inserts them again, recomputed (the `replace_changed` strategy below); the funnel's models do
    the same for a set of web visitors (stg_web__visitor_changes). Which rows a post
    reaches depends on the model's grain, named by `meta: {changed_rows: <kind>}` in its config:

        posts          rows of the changed posts (post_id)
        dated_posts    the same rows of a model by post with the post's `day` (the day it
                       counts on): none is before the changed posts' earliest day, now or
                       before, so older days are skipped
        staged_posts   the same rows of stg_listener__posts, for it and the models that read it
                       (first seen no earlier than their earliest raw row: older days skipped)
        raw_posts      the same rows of a table of raw rows by load day (day), and of
                       stg_listener__post_brands (the first day a match was loaded): none is
                       before the changed posts' earliest raw day, so older days are skipped
        days           rows of every day a changed post counts on now or counted on before (day)
        inbound_posts  rows of the changed posts and of the posts a changed reply answers or
                       answered (post_id), and every row of a brand that gained or lost its
                       account (brand): the grain of int_inbound_posts_joined
        authors        rows of every platform x author who wrote a changed post, now or before
        visitors       rows of the web visitors with funnel rows (sessions, orders, leads) on a
                       loaded day, now or before (visitor_id): stg_web__visitor_changes
        loaded_days    rows of the days loaded since the last publication (day), for a model
                       of raw rows by the day they are loaded and replaced by

    changed_rows(kind, relation) is the predicate on `relation`'s columns (`relation` is only
    read by `inbound_posts`, for the brands it holds). Models filter their input with
    incremental_filter(kind), which is `1 = 1` when the model is built from scratch and, so that
    dbt sees the dependency, always refers to the change tables.
#}

{% macro changed_rows(kind, relation=none) -%}
    {#- stg_listener__posts itself reads only the post list (the joined changes come after it) -#}
    {%- set changes = _change_table('int_post_changes_joined')
        if kind not in ('posts', 'staged_posts', 'raw_posts', 'visitors', 'loaded_days') else none -%}
    {%- if kind == 'posts' -%}
        post_id in (select post_id from {{ _change_table('stg_listener__post_changes') }})
    {%- elif kind == 'dated_posts' -%}
        post_id in (select post_id from {{ _change_table('stg_listener__post_changes') }})
        and day >= {{ earliest_changed_day(changes) }}
    {%- elif kind == 'staged_posts' -%}
        {#- the changed posts' rows of stg_listener__posts: first seen on or after the earliest day
            of their raw rows, so older days' row groups are skipped -#}
        {%- set posts = _change_table('stg_listener__post_changes') -%}
        post_id in (select post_id from {{ posts }})
        and first_seen_day >= {{ earliest_raw_day() }}
    {%- elif kind == 'raw_posts' -%}
        post_id in (select post_id from {{ _change_table('stg_listener__post_changes') }})
        and day >= {{ earliest_raw_day() }}
    {%- elif kind == 'days' -%}
        day in (
            select previous_day from {{ changes }} where previous_day is not null
            union
            select day from {{ changes }} where day is not null
        )
    {%- elif kind == 'inbound_posts' -%}
        (
            post_id in (
                select post_id from {{ changes }}
                union
                select previous_in_reply_to_post_id from {{ changes }}
                where previous_in_reply_to_post_id is not null
                union
                select in_reply_to_post_id from {{ changes }}
                where in_reply_to_post_id is not null
            )
            or brand in (
                select brand from (
                    (
                        {{ _brands_with_account() }}
                        except
                        select brand from {{ relation }}
                    )
                    union
                    (
                        select brand from {{ relation }}
                        except
                        {{ _brands_with_account() }}
                    )
                ) as account_changes
            )
        )
    {%- elif kind == 'authors' -%}
        (platform, coalesce(author_id, '')) in (
            select previous_platform, coalesce(previous_author_id, '') from {{ changes }}
            where previous_platform is not null
            union
            select platform, coalesce(author_id, '') from {{ changes }}
            where platform is not null
        )
    {%- elif kind == 'loaded_days' -%}
        day in (select cast(day as date) from {{ source('listener', 'pending_days') }})
    {%- elif kind == 'visitors' -%}
        visitor_id in (select visitor_id from {{ _change_table('stg_web__visitor_changes') }})
    {%- else -%}
        {{ exceptions.raise_compiler_error("changed_rows: unknown kind '" ~ kind ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{#-
    Input filter of an incremental model: only the changed rows on an incremental run. In a dbt
    unit test there is no relation (`this` is none) and no change table: the model is built as
    on a full refresh.
-#}
{% macro incremental_filter(kind, relation=none) -%}
    {%- if this is none -%}
        1 = 1
    {%- else -%}
        {%- set predicate = changed_rows(kind, relation if relation is not none else this) -%}
        {%- if is_incremental() -%}
            {{ predicate }}
        {%- else -%}
            1 = 1
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#-
    The same on a model that reads raw rows (with their load `day`): only the changed posts' rows,
    and none from before the earliest day stg_listener__post_changes found for them, so the scan
    skips the older days' row groups (raw tables are appended a day at a time).
-#}
{% macro incremental_raw_filter() -%}
    {{ incremental_filter('raw_posts') }}
{%- endmacro %}


{#-
    The earliest raw day of the changed posts (stg_listener__post_changes), as a literal when the
    build runs: DuckDB skips the older row groups of a table appended a day at a time only for a
    constant bound, not for the same bound as a subquery (intent_posts: 0.45 -> 0.10 s at 10M
    posts). When parsing, or before the change table exists, it is the subquery.
-#}
{% macro earliest_raw_day() -%}
    {%- set changes = _change_table('stg_listener__post_changes') -%}
    {%- set subquery = '(select min(earliest_raw_day) from ' ~ changes ~ ')' -%}
    {%- if execute and adapter.get_relation(changes.database, changes.schema, changes.identifier) -%}
        {%- set day = run_query('select min(earliest_raw_day) from ' ~ changes).columns[0].values()[0] -%}
        {{ return("cast('" ~ day ~ "' as date)" if day is not none else subquery) }}
    {%- else -%}
        {{ return(subquery) }}
    {%- endif -%}
{%- endmacro %}


{#-
    The earliest day (the day a post counts on) of the changed posts, before this build or after
    (int_post_changes_joined), as a literal when the build runs, for the same reason as
    earliest_raw_day: a post_engagement of 10M posts is then read from the changed days' row
    groups only (its delete 0.13 -> 0.02 s). When parsing, before the change table exists, or when
    no changed post has a day, it is the subquery (null when nothing changed: no row matches).
-#}
{% macro earliest_changed_day(changes) -%}
    {%- set subquery -%}
        (select min(least(coalesce(day, previous_day), coalesce(previous_day, day))) from {{ changes }})
    {%- endset -%}
    {%- if execute and adapter.get_relation(changes.database, changes.schema, changes.identifier) -%}
        {%- set day = run_query('select ' ~ subquery).columns[0].values()[0] -%}
        {{ return("cast('" ~ day ~ "' as date)" if day is not none else subquery) }}
    {%- else -%}
        {{ return(subquery) }}
    {%- endif -%}
{%- endmacro %}


{#- Brands with an account in the data: at least one own post (int_inbound_posts_joined). -#}
{% macro _brands_with_account() -%}
    select own_brand as brand
    from {{ _change_table('stg_listener__posts') }}
    where coalesce(is_own_post, false) and own_brand is not null
{%- endmacro %}


{#-
    A relation the predicates read. Models ref() it, so dbt orders them after it; a data test
    filtered by get_where_subquery reads it by name (tests run after the model they test, which
    itself depends on it), so tests do not all gain a dependency on the change tables.
-#}
{% macro _change_table(name) -%}
    {%- if model is defined and model.resource_type == 'test' -%}
        {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ name) -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- else -%}
        {{ return(ref(name)) }}
    {%- endif -%}
{%- endmacro %}


{#-
    incremental_strategy='replace_changed': delete the target's changed rows, insert the model's
    rows (which are exactly the changed rows, recomputed). Unlike delete+insert on a unique key,
    a changed key that has no row any more (a post a re-load dropped, a post that stopped being
    voice, a day left without posts) loses its old rows too.
-#}
{% macro get_incremental_replace_changed_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set kind = (config.get('meta') or {}).get('changed_rows') -%}
    {%- if not kind -%}
        {{ exceptions.raise_compiler_error(
            "replace_changed needs meta: {changed_rows: posts | dated_posts | staged_posts | raw_posts | days | inbound_posts | authors | visitors | loaded_days} on " ~ target
        ) }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ changed_rows(kind, target) }};

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}


{#-
    Data tests see every row, except in a `dbt build` that is not a full refresh: there a test of an
    incremental model (or of a view over changed inputs) with meta `changed_rows` checks only the
    rows this build rewrote (changed_rows), on top of the test's own `where`. The other rows were
    checked when they were written, and a full refresh or a `dbt test` checks them all again.
    Overrides dbt's macro of the same name.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set kind = _changed_rows_kind_of_tested_model() -%}
    {%- if kind -%}
        {%- do conditions.append(changed_rows(kind, relation)) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}


{% macro _changed_rows_kind_of_tested_model() -%}
    {%- if not execute or flags.FULL_REFRESH or flags.WHICH != 'build' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- if tested is none or tested.config.materialized not in ('incremental', 'view') -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return((tested.config.get('meta') or {}).get('changed_rows')) }}
{%- endmacro %}
