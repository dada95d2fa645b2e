with

source as (

    select * from {{ source('portals', 'detractor_followups') }}

),

portals as (

    select * from {{ ref('stg_portals__portals') }}

),

typed as (

    select
        source.portal,
        source.followup_id,
        source.response_id,
        {{ clean_label('source.status') }} as followup_status,
        {{ local_to_utc(
            parse_timestamp('source.created_at'), 'portals.source_timezone'
        ) }} as created_at,
        {{ local_to_utc(
            parse_timestamp('source.updated_at'), 'portals.source_timezone'
        ) }} as updated_at

    from source
    left join portals on source.portal = portals.portal

)

select * from typed
