{#
    The follow-up queue: every counted detractor response (and every passive
    one when var('followup_include_passives') is true), with what a customer
    team needs to call back: the masked comment, its themes, the touchpoint,
    the customer id as the portal knows it (no name, no e-mail address), the
    due time and the state of the portal's follow-up case.

    The case is the one the portal opened for this response; when there is
    none, a case opened for another response to the same invitation (the first
    row of a duplicate submission, which is not counted). A response without a
    case is 'open', and so is one whose case has a status other than contacted
    or resolved: a case the pipeline cannot read keeps the customer in the
    queue rather than dropping out of it. Due time: response time plus
    var('followup_sla_hours'). Overdue: still open (nobody has contacted the
    customer) after the due time, judged at build time.
#}

{%- set queued_categories = ['detractor', 'passive'] if var('followup_include_passives')
    else ['detractor'] %}

with

responses as (

    select * from {{ ref('fct_survey_responses') }}
    where nps_category in ('{{ queued_categories | join("', '") }}')

),

validated as (

    select * from {{ ref('int_survey_responses_validated') }}

),

cases as (

    select * from {{ ref('stg_portals__detractor_followups') }}

),

themes as (

    select * from {{ ref('comment_themes') }}
    where nps_category in ('{{ queued_categories | join("', '") }}')

),

{# The newest version of each response: one row per response id, so no distinct is needed. #}
answered_invitations as (

    select
        portal,
        response_id,
        invitation_id

    from validated
    where
        response_id is not null
        and (quarantine_reason is null or quarantine_reason != 'superseded_version')

),

case_invitations as (

    select
        cases.portal,
        cases.followup_id,
        cases.response_id,
        cases.followup_status,
        cases.created_at,
        cases.updated_at,
        answered.invitation_id

    from cases
    inner join answered_invitations as answered
        on
            cases.portal = answered.portal
            and cases.response_id = answered.response_id

),

ranked_cases as (

    select
        responses.portal,
        responses.response_id,
        case_invitations.followup_id,
        case_invitations.followup_status,
        case_invitations.created_at,
        case_invitations.updated_at,
        row_number() over (
            partition by responses.portal, responses.response_id
            order by
                case when case_invitations.response_id = responses.response_id then 0 else 1 end,
                case_invitations.updated_at desc,
                case_invitations.followup_id desc
        ) as case_rank

    from responses
    inner join case_invitations
        on
            responses.portal = case_invitations.portal
            and responses.invitation_id = case_invitations.invitation_id

),

response_themes as (

    select
        portal,
        response_id,
        {{ ordered_string_agg('theme', ', ', 'theme') }} as themes,
        min(taxonomy_version) as taxonomy_version

    from themes
    group by portal, response_id

),

queue as (

    select
        responses.portal,
        responses.response_id,
        responses.customer_id,
        responses.touchpoint,
        responses.channel,
        responses.customer_segment,
        responses.region,
        responses.score,
        responses.nps_category,
        responses.responded_at,
        responses.response_date,
        responses.comment_text,
        response_themes.themes,
        response_themes.taxonomy_version,
        ranked_cases.followup_id,
        ranked_cases.followup_id is not null as has_portal_case,
        case
            when ranked_cases.followup_status in ('contacted', 'resolved')
                then ranked_cases.followup_status
            else 'open'
        end as followup_status,
        ranked_cases.created_at as followup_opened_at,
        ranked_cases.updated_at as followup_updated_at,
        {{ dbt.dateadd('hour', var('followup_sla_hours'), 'responses.responded_at') }} as due_at

    from responses
    left join ranked_cases
        on
            responses.portal = ranked_cases.portal
            and responses.response_id = ranked_cases.response_id
            and ranked_cases.case_rank = 1
    left join response_themes
        on
            responses.portal = response_themes.portal
            and responses.response_id = response_themes.response_id

),

final as (

    select
        *,
        {{ var('followup_sla_hours') }} as sla_hours,
        followup_status = 'open' and due_at < {{ utc_now() }} as is_overdue

    from queue

)

select * from final
