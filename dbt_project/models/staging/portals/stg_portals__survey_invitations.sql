{#
    One row per invitation id and portal. An invitation without an id cannot
    be answered and is left out; an id that occurs more than once keeps its
    latest send (then the smallest customer id, touchpoint and channel), so
    that no response is joined twice. The dbt source tests on
    raw.survey_invitations report both as warnings.

    A table, not a view: it is the largest staging model and two models read
    it, so its send times are parsed and its ids deduplicated once, and the
    planner sizes the joins that read it from its real row count.
#}

{{ config(materialized='table') }}

with

source as not materialized (

    select * from {{ source('portals', 'survey_invitations') }}

),

portals as (

    select * from {{ ref('stg_portals__portals') }}

),

parsed as not materialized (

    select
        source.*,
        portals.source_timezone,
        {{ parse_timestamp('source.sent_at') }} as sent_at_local

    from source
    left join portals on source.portal = portals.portal

),

typed as not materialized (

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
    where parsed.invitation_id is not null

),

final as (

    {{ first_row_per_key(
        'typed',
        key_columns=['portal', 'invitation_id'],
        order_by='sent_at desc nulls last, customer_id asc, touchpoint asc, channel asc',
        columns=['portal', 'invitation_id', 'customer_id', 'touchpoint', 'channel', 'sent_at'],
        keys_from='source',
    ) }}

)

select * from final
