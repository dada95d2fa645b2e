{#
    Every raw response exactly once, with the reason it is not counted.
    quarantine_reason is NULL for a counted response; otherwise the first rule
    that applies, in this order:

      superseded_version    the same response id arrived again with a later
                            update; only the newest version is judged
      response_id_missing   the portal sent no id for the response
      test_account          the respondent is a test or internal account
      missing_invitation    the response names no invitation, or one that does
                            not exist in the portal
      score_missing         no score, or an empty one
      score_not_integer     the score is not a whole number ("7.5", "ten", "8,0")
      score_out_of_range    a whole number outside 0-10
      responded_at_invalid  the response time is missing or does not parse
      responded_in_future   the response time lies after the build time
      duplicate_submission  another valid response answers the same invitation
                            later: one response counts per invitation, the
                            customer's latest answer
#}

{#
    The rules of one row, in the order above; version_rank is the row's place
    among the versions of its response id.
#}
{%- set row_quarantine_reason %}
    case
        when version_rank > 1 then 'superseded_version'
        when response_id is null then 'response_id_missing'
        when is_test_account then 'test_account'
        when not has_invitation then 'missing_invitation'
        when score_text is null or trim(score_text) = '' then 'score_missing'
        when score is null then 'score_not_integer'
        when score < 0 or score > 10 then 'score_out_of_range'
        when responded_at is null then 'responded_at_invalid'
        when responded_at > {{ utc_now() }} then 'responded_in_future'
    end
{%- endset %}

with

responses as (

    select * from {{ ref('stg_portals__survey_responses') }}

),

invitations as (

    select * from {{ ref('stg_portals__survey_invitations') }}

),

customers as (

    select * from {{ ref('stg_portals__customers') }}

),

with_context as (

    select
        responses.*,
        invitations.invitation_id is not null as has_invitation,
        invitations.touchpoint,
        invitations.channel,
        invitations.sent_at,
        coalesce(invitations.customer_id, responses.customer_id) as respondent_id,
        customers.customer_segment,
        customers.plan,
        customers.region,
        coalesce(customers.is_test_account, false) as is_test_account

    from responses
    left join invitations
        on
            responses.portal = invitations.portal
            and responses.invitation_id = invitations.invitation_id
    left join customers
        on
            responses.portal = customers.portal
            and coalesce(invitations.customer_id, responses.customer_id)
            = customers.customer_id

),

{#
    Two rules compare rows with one another (superseded_version,
    duplicate_submission) and need a window function, which would sort every
    response with all its columns. Only a response that shares its id or its
    invitation with another response can rank below first; such responses are
    few, and only they go through the windows. Every other response is alone
    in both of its partitions and ranks first in each.
#}

repeated_response_ids as (

    select
        portal,
        response_id

    from responses
    where response_id is not null
    group by portal, response_id
    having count(*) > 1

),

repeated_invitation_ids as (

    select
        portal,
        invitation_id

    from responses
    group by portal, invitation_id
    having count(*) > 1

),

flagged as (

    select
        with_context.*,
        (
            repeated_response_ids.response_id is not null
            or repeated_invitation_ids.portal is not null
        ) as shares_a_partition

    from with_context
    left join repeated_response_ids
        on
            with_context.portal = repeated_response_ids.portal
            and with_context.response_id = repeated_response_ids.response_id
    left join repeated_invitation_ids
        on
            with_context.portal = repeated_invitation_ids.portal
            and with_context.invitation_id = repeated_invitation_ids.invitation_id

),

single_versions as (

    select
        *,
        case when response_id is not null then 1 end as version_rank

    from flagged
    where not shares_a_partition

),

single_checks as (

    select
        *,
        {{ row_quarantine_reason }} as row_quarantine_reason

    from single_versions

),

single_submissions as (

    select
        *,
        case when row_quarantine_reason is null then 1 end as submission_rank

    from single_checks

),

shared_versions as (

    select
        *,
        -- Rows without an id are not versions of one another.
        case
            when response_id is not null
                then row_number() over (
                    partition by portal, response_id
                    order by updated_at desc nulls last, extracted_at desc
                )
        end as version_rank

    from flagged
    where shares_a_partition

),

shared_checks as (

    select
        *,
        {{ row_quarantine_reason }} as row_quarantine_reason

    from shared_versions

),

shared_submissions as (

    select
        *,
        case
            when row_quarantine_reason is null
                then row_number() over (
                    partition by portal, invitation_id, row_quarantine_reason is null
                    order by responded_at desc, response_id desc
                )
        end as submission_rank

    from shared_checks

),

ranked_submissions as (

    select * from single_submissions
    union all
    select * from shared_submissions

),

final as (

    select
        portal,
        response_id,
        invitation_id,
        respondent_id as customer_id,
        touchpoint,
        channel,
        customer_segment,
        plan,
        region,
        score_text,
        score,
        comment_text,
        responded_at_text,
        responded_at,
        updated_at,
        sent_at,
        extracted_at,
        coalesce(
            row_quarantine_reason,
            case when submission_rank > 1 then 'duplicate_submission' end
        ) as quarantine_reason

    from ranked_submissions

)

select
    *,
    quarantine_reason is null as is_counted

from final
