with

invitations as (

    select * from {{ ref('int_survey_invitations_enriched') }}

),

final as (

    select
        portal,
        invitation_id,
        customer_id,
        touchpoint,
        channel,
        customer_segment,
        plan,
        region,
        is_test_account,
        sent_at,
        sent_date,
        is_answered,
        response_id,
        answered_at

    from invitations

)

select * from final
