{#
    Counted responses and invitations per reporting-zone day and finest
    segment: the additive base that nps_by_period and nps_rolling roll up.
    Responses are dated by their response date, invitations by their send
    date; an invitation counts as answered when it has a counted response.
    Comment counts (per category) let theme and comment-rate figures roll up
    from the same base.
    Invitations to test accounts and invitations without a valid send time
    are left out. A missing dimension value is 'unknown', so that it never
    mixes with the 'all' of a breakdown.
#}

with

responses as (

    select
        response_date as activity_date,
        {% for dimension in nps_dimensions() -%}
            coalesce({{ dimension }}, 'unknown') as {{ dimension }},
        {% endfor -%}
        is_promoter,
        is_passive,
        is_detractor,
        comment_text is not null as has_comment

    from {{ ref('fct_survey_responses') }}

),

invitations as (

    select
        sent_date as activity_date,
        {% for dimension in nps_dimensions() -%}
            coalesce({{ dimension }}, 'unknown') as {{ dimension }},
        {% endfor -%}
        is_answered

    from {{ ref('fct_survey_invitations') }}
    where not is_test_account and sent_date is not null

),

response_counts as (

    select
        activity_date,
        {{ nps_dimensions() | join(', ') }},
        count(*) as count_responses,
        count(case when is_promoter then 1 end) as count_promoters,
        count(case when is_passive then 1 end) as count_passives,
        count(case when is_detractor then 1 end) as count_detractors,
        count(case when has_comment then 1 end) as count_comments,
        count(case when has_comment and is_promoter then 1 end) as count_promoter_comments,
        count(case when has_comment and is_passive then 1 end) as count_passive_comments,
        count(case when has_comment and is_detractor then 1 end) as count_detractor_comments

    from responses
    group by activity_date, {{ nps_dimensions() | join(', ') }}

),

invitation_counts as (

    select
        activity_date,
        {{ nps_dimensions() | join(', ') }},
        count(*) as count_invitations,
        count(case when is_answered then 1 end) as count_answered_invitations

    from invitations
    group by activity_date, {{ nps_dimensions() | join(', ') }}

),

final as (

    select
        coalesce(response_counts.activity_date, invitation_counts.activity_date)
            as activity_date,
        {% for dimension in nps_dimensions() -%}
            coalesce(
                response_counts.{{ dimension }}, invitation_counts.{{ dimension }}
            ) as {{ dimension }},
        {% endfor -%}
        coalesce(response_counts.count_responses, 0) as count_responses,
        coalesce(response_counts.count_promoters, 0) as count_promoters,
        coalesce(response_counts.count_passives, 0) as count_passives,
        coalesce(response_counts.count_detractors, 0) as count_detractors,
        coalesce(response_counts.count_comments, 0) as count_comments,
        coalesce(response_counts.count_promoter_comments, 0) as count_promoter_comments,
        coalesce(response_counts.count_passive_comments, 0) as count_passive_comments,
        coalesce(response_counts.count_detractor_comments, 0) as count_detractor_comments,
        coalesce(invitation_counts.count_invitations, 0) as count_invitations,
        coalesce(invitation_counts.count_answered_invitations, 0)
            as count_answered_invitations

    from response_counts
    full outer join invitation_counts
        on
            response_counts.activity_date = invitation_counts.activity_date
            and {{ dimensions_match('response_counts', 'invitation_counts') }}

)

select * from final
