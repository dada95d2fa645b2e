with

source as (

    select * from {{ source('portals', 'customers') }}

),

portals as (

    select * from {{ ref('stg_portals__portals') }}

),

typed as (

    select
        source.portal,
        source.customer_id,
        {{ clean_label('source.customer_segment') }} as customer_segment,
        {{ clean_label('source.plan') }} as plan,
        nullif(trim(source.region), '') as region,
        {{ local_to_utc(
            parse_timestamp('source.signed_up_at'), 'portals.source_timezone'
        ) }} as signed_up_at,
        coalesce({{ parse_flag('source.is_test_account') }}, false) as is_test_account

    from source
    left join portals on source.portal = portals.portal

)

select * from typed
