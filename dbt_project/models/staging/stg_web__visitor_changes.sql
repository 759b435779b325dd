-- One row per web visitor whose funnel rows this build recomputes (macros/changed_rows.sql, kind
-- visitors): every visitor with a web session, an order or a lead on a day loaded since the marts
-- were last published (raw.pending_days), and every visitor who had one on such a day at the last
-- build (int_visitor_days_listed as that build left it): a re-loaded day may have dropped rows.
-- A visitor's touchpoints, paths and lead touches depend on that visitor's rows alone, so
-- recomputing these visitors brings them up to date. The loader keeps every funnel row
-- on its file's day (transforms/funnel_files.py), the day it is deleted and reloaded by.
-- Built first: it reads int_visitor_days_listed without ref(), which would make it run after it.
-- Without it (a new warehouse) every visitor counts as changed; a full refresh lists nothing.

{{ config(materialized='table') }}

{%- set previous = none -%}
{%- if execute and not flags.FULL_REFRESH -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.int_visitor_days_listed') -%}
    {%- set previous = adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.alias
    ) -%}
{%- endif %}

with

pending_days as (

    select distinct cast(day as date) as day from {{ source('listener', 'pending_days') }}

),

{% if flags.FULL_REFRESH %}

found as (

    select visitor_id from {{ ref('stg_web__sessions') }} where 1 = 0

),

{% else %}

-- (each table is read in its own branch, so each scan keeps its filter)
found as (

    select visitor_id from {{ ref('stg_web__sessions') }}
    {%- if previous is not none %}
    where cast(started_at as date) in (select day from pending_days)
    {%- endif %}

    union all

    select visitor_id from {{ ref('stg_commerce__orders') }}
    {%- if previous is not none %}
    where cast(ordered_at as date) in (select day from pending_days)
    {%- endif %}

    union all

    select visitor_id from {{ ref('stg_crm__leads') }}
    {%- if previous is not none %}
    where cast(created_at as date) in (select day from pending_days)
    {%- endif %}

    {%- if previous is not none %}

    union all

    select visitor_id from {{ previous }}
    where day in (select day from pending_days)
    {%- endif %}

),

{% endif %}

final as (

    select distinct visitor_id

    from found

    where visitor_id is not null

)

select * from final
