with

source as (

    select * from {{ source('portals', 'customers') }}

),

portals as (

    select * from {{ ref('stg_portals__portals') }}

),

parsed as (

    select
        source.*,
        portals.source_timezone,
        {{ parse_timestamp('source.signed_up_at') }} as signed_up_at_local

    from source
    left join portals on source.portal = portals.portal

),

typed as (

    select
        parsed.portal,
        parsed.customer_id,
        {{ clean_label('parsed.customer_segment') }} as customer_segment,
        {{ clean_label('parsed.plan') }} as plan,
        nullif(trim(parsed.region), '') as region,
        {{ local_to_utc_by_lookup(
            'parsed.signed_up_at_local', 'parsed.source_timezone', 'signed_up_offsets'
        ) }} as signed_up_at,
        coalesce({{ parse_flag('parsed.is_test_account') }}, false) as is_test_account

    from parsed
    {{ join_local_hour_offsets(
        'signed_up_offsets', 'parsed.signed_up_at_local', 'parsed.source_timezone'
    ) }}

)

select * from typed
