{#
    One row per survey invitation, with the invited customer's attributes and,
    where it was answered, the counted response.
#}

with

invitations as (

    select * from {{ ref('stg_portals__survey_invitations') }}

),

customers as (

    select * from {{ ref('stg_portals__customers') }}

),

counted_responses as (

    select * from {{ ref('fct_survey_responses') }}

),

final as (

    select
        invitations.portal,
        invitations.invitation_id,
        invitations.customer_id,
        invitations.touchpoint,
        invitations.channel,
        customers.customer_segment,
        customers.plan,
        customers.region,
        coalesce(customers.is_test_account, false) as is_test_account,
        invitations.sent_at,
        cast(
            {{ utc_to_reporting_time_by_lookup('invitations.sent_at', 'reporting_offsets') }}
            as date
        ) as sent_date,
        counted_responses.response_id is not null as is_answered,
        counted_responses.response_id,
        counted_responses.responded_at as answered_at

    from invitations
    left join customers
        on
            invitations.portal = customers.portal
            and invitations.customer_id = customers.customer_id
    left join counted_responses
        on
            invitations.portal = counted_responses.portal
            and invitations.invitation_id = counted_responses.invitation_id
    {{ join_reporting_hour_offsets('reporting_offsets', 'invitations.sent_at') }}

)

select * from final
