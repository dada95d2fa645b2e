with

source as (

    select * from {{ source('portals', 'survey_invitations') }}

),

portals as (

    select * from {{ ref('stg_portals__portals') }}

),

parsed as (

    select
        source.*,
        portals.source_timezone,
        {{ parse_timestamp('source.sent_at') }} as sent_at_local

    from source
    left join portals on source.portal = portals.portal

),

typed as (

    select
        parsed.portal,
        parsed.invitation_id,
        parsed.customer_id,
        {{ clean_label('parsed.touchpoint') }} as touchpoint,
        {{ clean_label('parsed.channel') }} as channel,
        {{ local_to_utc_by_lookup(
            'parsed.sent_at_local', 'parsed.source_timezone', 'sent_offsets'
        ) }} as sent_at

    from parsed
    {{ join_local_hour_offsets(
        'sent_offsets', 'parsed.sent_at_local', 'parsed.source_timezone'
    ) }}

)

select * from typed
