{#
    One row per customer id and portal. A customer without an id cannot be
    referred to and is left out; an id that occurs more than once keeps one
    row: a test account if any row says so (so its answers are never counted),
    then the latest sign-up, then the smallest segment, plan and region. The
    dbt source tests on raw.customers report both as warnings.
#}

with

source as not materialized (

    select * from {{ source('portals', 'customers') }}

),

portals as (

    select * from {{ ref('stg_portals__portals') }}

),

parsed as not materialized (

    select
        source.*,
        portals.source_timezone,
        {{ parse_timestamp('source.signed_up_at') }} as signed_up_at_local

    from source
    left join portals on source.portal = portals.portal

),

typed as not materialized (

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
    where parsed.customer_id is not null

),

final as (

    {{ first_row_per_key(
        'typed',
        key_columns=['portal', 'customer_id'],
        order_by='is_test_account desc, signed_up_at desc nulls last,'
            ~ ' customer_segment asc, plan asc, region asc',
        columns=[
            'portal', 'customer_id', 'customer_segment', 'plan', 'region',
            'signed_up_at', 'is_test_account',
        ],
        keys_from='source',
    ) }}

)

select * from final
