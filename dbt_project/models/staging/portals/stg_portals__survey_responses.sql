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

typed as (

    select
        source.portal,
        source.response_id,
        source.invitation_id,
        source.customer_id,
        source.score as score_text,
        {{ parse_whole_number('source.score') }} as score,
        nullif(trim(source.comment), '') as comment_text,
        source.responded_at as responded_at_text,
        {{ local_to_utc(
            parse_timestamp('source.responded_at'), 'portals.source_timezone'
        ) }} as responded_at,
        {{ local_to_utc(
            parse_timestamp('source.updated_at'), 'portals.source_timezone'
        ) }} as updated_at,
        source._extracted_at as extracted_at

    from source
    left join portals on source.portal = portals.portal

)

select * from typed
