with

classified as (

    select * from {{ ref('int_survey_responses_classified') }}

),

final as (

    select
        portal,
        response_id,
        invitation_id,
        customer_id,
        touchpoint,
        channel,
        customer_segment,
        plan,
        region,
        responded_at,
        response_date,
        score,
        nps_category,
        is_promoter,
        is_passive,
        is_detractor,
        nps_points,
        comment_text

    from classified

)

select * from final
