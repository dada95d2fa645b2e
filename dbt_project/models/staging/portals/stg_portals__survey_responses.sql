{#
    One row per raw response, typed. The raw text of the score and the
    response time stays beside the parsed value, so a quarantined row still
    shows what the portal sent.
#}

with

source as (

    select * from {{ source('portals', 'survey_responses') }}

),

portals as (

    select * from {{ ref('stg_portals__portals') }}

),

parsed as (

    select
        source.*,
        portals.source_timezone,
        {{ parse_timestamp('source.responded_at') }} as responded_at_local,
        {{ parse_timestamp('source.updated_at') }} as updated_at_local

    from source
    left join portals on source.portal = portals.portal

),

typed as (

    select
        parsed.portal,
        parsed.response_id,
        parsed.invitation_id,
        parsed.customer_id,
        parsed.score as score_text,
        {{ parse_whole_number('parsed.score') }} as score,
        nullif(trim(parsed.comment), '') as comment_text,
        parsed.responded_at as responded_at_text,
        {{ local_to_utc_by_lookup(
            'parsed.responded_at_local', 'parsed.source_timezone', 'responded_offsets'
        ) }} as responded_at,
        {{ local_to_utc_by_lookup(
            'parsed.updated_at_local', 'parsed.source_timezone', 'updated_offsets'
        ) }} as updated_at,
        parsed._extracted_at as extracted_at

    from parsed
    {{ join_local_hour_offsets(
        'responded_offsets', 'parsed.responded_at_local', 'parsed.source_timezone'
    ) }}
    {{ join_local_hour_offsets(
        'updated_offsets', 'parsed.updated_at_local', 'parsed.source_timezone'
    ) }}

)

select * from typed
