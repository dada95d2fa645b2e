with

validated as (

    select * from {{ ref('int_survey_responses_validated') }}

),

final as (

    select
        portal,
        response_id,
        quarantine_reason,
        invitation_id,
        customer_id,
        score_text,
        responded_at_text,
        responded_at,
        updated_at,
        extracted_at

    from validated
    where not is_counted

)

select * from final
