{#
    The counted responses, classified on the standard NPS scale:
    9-10 promoter, 7-8 passive, 0-6 detractor. nps_points (+100, 0, -100) lets
    any tool get the NPS as a plain average of responses.
#}

with

counted as (

    select * from {{ ref('int_survey_responses_validated') }}
    where is_counted

),

classified as (

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
        score,
        comment_text,
        responded_at,
        sent_at,
        cast({{ utc_to_reporting_time('responded_at') }} as date) as response_date,
        case
            when score >= 9 then 'promoter'
            when score >= 7 then 'passive'
            else 'detractor'
        end as nps_category

    from counted

),

final as (

    select
        *,
        nps_category = 'promoter' as is_promoter,
        nps_category = 'passive' as is_passive,
        nps_category = 'detractor' as is_detractor,
        case nps_category
            when 'promoter' then 100
            when 'detractor' then -100
            else 0
        end as nps_points

    from classified

)

select * from final
