-- One row per inbound customer post x brand that needs a reply from that brand, joined to the
-- brand's first reply. Inbound: a voice post (int_brand_mentions_joined: not a brand account's,
-- not spam, not a duplicate, relevant to the brand) whose intent is one of var('response_intents'),
-- about a brand that has an account in the data (it wrote at least one own post). A reply: an own
-- post of that brand's account whose in_reply_to_post_id is the inbound post_id (both are
-- `<platform>:<native id>`, so a reply is always on the post's platform), written at or after it.
-- A table that response_times, triage_queue_items and the tests read. Incremental: a build recomputes
-- the changed posts, the posts a changed reply answers (or answered), and every post about a brand
-- that gained or lost its account (macros/changed_rows.sql, kind inbound_posts).

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_changed',
        on_schema_change='fail',
        meta={'changed_rows': 'inbound_posts'}
    )
}}

with

mentions as (

    select * from {{ ref('int_brand_mentions_joined') }}

    where {{ incremental_filter('inbound_posts') }}

),

-- the mentioned posts (on an incremental build fetched by row id: macros/fetch_rows.sql), and
-- only the columns used: a materialized CTE holds every column it selects
posts as {{ fetched_materialized() }} (

    select
        post_id,
        platform,
        day,
        created_at,
        author_id,
        author_handle,
        author_followers,
        text_clean,
        text,
        intent

    from {{ ref('stg_listener__posts') }}

    where {{ fetched_rows(ref('stg_listener__posts'), 'post_id in (select post_id from mentions)') }}

),

brands as (

    select * from {{ ref('stg_listener__brands') }}

),

-- the brands' own posts (read apart from `posts`, so that neither reads every column of every
-- post: a CTE read twice is materialized whole)
own_posts as (

    select
        post_id,
        own_brand,
        in_reply_to_post_id,
        created_at

    from {{ ref('stg_listener__posts') }}

    where coalesce(is_own_post, false)
        and own_brand is not null

),

brand_accounts as (

    select distinct own_brand as brand

    from own_posts

),

replies as (

    select
        post_id as reply_post_id,
        in_reply_to_post_id,
        own_brand as brand,
        created_at as replied_at

    from own_posts

    where in_reply_to_post_id is not null

),

inbound as (

    select
        mentions.post_id,
        mentions.brand,
        brands.brand_name,
        brands.is_tracked,
        posts.platform,
        posts.day,
        posts.created_at,
        posts.author_id,
        posts.author_handle,
        posts.author_followers,
        coalesce(posts.text_clean, posts.text) as text,
        posts.intent,
        mentions.sentiment

    from mentions

    inner join posts
        on mentions.post_id = posts.post_id

    inner join brands
        on mentions.brand = brands.brand

    where mentions.brand in (select brand from brand_accounts)
        and posts.intent in ({{ sql_string_list(var('response_intents')) }})

),

ranked_replies as (

    select
        inbound.post_id,
        inbound.brand,
        replies.reply_post_id,
        replies.replied_at,
        row_number() over (
            partition by inbound.post_id, inbound.brand
            order by replies.replied_at, replies.reply_post_id
        ) as reply_order,
        count(*) over (partition by inbound.post_id, inbound.brand) as replies

    from inbound

    inner join replies
        on inbound.post_id = replies.in_reply_to_post_id
        and inbound.brand = replies.brand
        and replies.replied_at >= inbound.created_at

),

first_replies as (

    select * from ranked_replies where reply_order = 1

),

joined as (

    select
        inbound.post_id,
        inbound.brand,
        inbound.brand_name,
        inbound.is_tracked,
        inbound.platform,
        inbound.day,
        inbound.created_at,
        inbound.author_id,
        inbound.author_handle,
        inbound.author_followers,
        inbound.text,
        inbound.intent,
        inbound.sentiment,
        first_replies.reply_post_id as first_reply_post_id,
        first_replies.replied_at as first_replied_at,
        cast(coalesce(first_replies.replies, 0) as {{ dbt.type_bigint() }}) as replies

    from inbound

    left join first_replies
        on inbound.post_id = first_replies.post_id
        and inbound.brand = first_replies.brand

)

select * from joined
