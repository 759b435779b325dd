-- The competitive set has exactly one tracked brand (config/listener.yml `brands.tracked`).

select count(*) as tracked_brands

from {{ ref('stg_listener__brands') }}

where is_tracked

having count(*) <> 1
