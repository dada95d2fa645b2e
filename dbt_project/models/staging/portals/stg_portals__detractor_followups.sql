with

source as (

    select * from {{ source('portals', 'detractor_followups') }}

),

portals as (

    select * from {{ ref('stg_portals__portals') }}

),

parsed as (

    select
        source.*,
        portals.source_timezone,
        {{ parse_timestamp('source.created_at') }} as created_at_local,
        {{ parse_timestamp('source.updated_at') }} as updated_at_local

    from source
    left join portals on source.portal = portals.portal

),

typed as (

    select
        parsed.portal,
        parsed.followup_id,
        parsed.response_id,
        {{ clean_label('parsed.status') }} as followup_status,
        {{ local_to_utc_by_lookup(
            'parsed.created_at_local', 'parsed.source_timezone', 'created_offsets'
        ) }} as created_at,
        {{ local_to_utc_by_lookup(
            'parsed.updated_at_local', 'parsed.source_timezone', 'updated_offsets'
        ) }} as updated_at

    from parsed
    {{ join_local_hour_offsets(
        'created_offsets', 'parsed.created_at_local', 'parsed.source_timezone'
    ) }}
    {{ join_local_hour_offsets(
        'updated_offsets', 'parsed.updated_at_local', 'parsed.source_timezone'
    ) }}

)

select * from typed
