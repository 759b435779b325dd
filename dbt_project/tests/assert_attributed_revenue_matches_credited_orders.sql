-- For every attribution model, the revenue funnel_attribution spreads over platforms, campaigns
-- and days must add up to the revenue of the orders that were credited (each order counted once).
-- Fails on every model where the two differ by more than a cent per million.

with

attributed as (

    select
        attribution_model,
        sum(revenue) as attributed_revenue

    from {{ ref('funnel_attribution') }}

    group by attribution_model

),

credited_orders as (

    select distinct
        attribution_model,
        order_id

    from {{ ref('int_order_credits_computed') }}

),

orders as (

    select * from {{ ref('stg_commerce__orders') }}

),

credited_revenue as (

    select
        credited_orders.attribution_model,
        sum(orders.revenue) as credited_revenue

    from credited_orders

    inner join orders
        on credited_orders.order_id = orders.order_id

    group by credited_orders.attribution_model

),

compared as (

    select
        coalesce(attributed.attribution_model, credited_revenue.attribution_model)
            as attribution_model,
        coalesce(attributed.attributed_revenue, 0) as attributed_revenue,
        coalesce(credited_revenue.credited_revenue, 0) as credited_revenue

    from attributed

    full outer join credited_revenue
        on attributed.attribution_model = credited_revenue.attribution_model

)

select *

from compared

where abs(attributed_revenue - credited_revenue)
    > 1e-8 * greatest(1, abs(credited_revenue))
