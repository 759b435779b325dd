-- funnel_attribution_posts spreads the same credits as funnel_attribution over posts: per model its
-- conversions and revenue add up to the credited orders and their revenue. funnel_stages counts
-- each credited order once, for its last touch: its orders and revenue add up to the same.
-- Fails on every model (or 'funnel_stages') where the totals differ.

with

credits as (

    select * from {{ ref('int_order_credits_computed') }}

),

credited as (

    select
        attribution_model,
        count(distinct order_id) as orders,
        sum(attributed_revenue) as revenue

    from credits

    group by attribution_model

),

posts as (

    select
        attribution_model,
        sum(conversions) as orders,
        sum(revenue) as revenue

    from {{ ref('funnel_attribution_posts') }}

    group by attribution_model

),

stages as (

    select
        'funnel_stages' as attribution_model,
        sum(orders) as orders,
        sum(revenue) as revenue

    from {{ ref('funnel_stages') }}

),

last_touch as (

    select
        'funnel_stages' as attribution_model,
        orders,
        revenue

    from credited

    where attribution_model = 'last_touch'

),

expected as (

    select * from credited
    union all
    select * from last_touch

),

actual as (

    select * from posts
    union all
    select * from stages

),

compared as (

    select
        coalesce(expected.attribution_model, actual.attribution_model) as attribution_model,
        coalesce(expected.orders, 0) as expected_orders,
        coalesce(actual.orders, 0) as actual_orders,
        coalesce(expected.revenue, 0) as expected_revenue,
        coalesce(actual.revenue, 0) as actual_revenue

    from expected

    full outer join actual
        on expected.attribution_model = actual.attribution_model

)

select *

from compared

where abs(expected_orders - actual_orders) > 1e-6
    or abs(expected_revenue - actual_revenue) > 1e-8 * greatest(1, abs(expected_revenue))
