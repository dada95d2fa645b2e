with

source as (

    select * from {{ source('portals', 'survey_invitations') }}

),

portals as (

    select * from {{ ref('stg_portals__portals') }}

),

typed as (

    select
        source.portal,
        source.invitation_id,
        source.customer_id,
        {{ clean_label('source.touchpoint') }} as touchpoint,
        {{ clean_label('source.channel') }} as channel,
        {{ local_to_utc(
            parse_timestamp('source.sent_at'), 'portals.source_timezone'
        ) }} as sent_at

    from source
    left join portals on source.portal = portals.portal

)

select * from typed
