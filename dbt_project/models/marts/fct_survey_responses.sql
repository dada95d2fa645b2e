{#
    One row per counted response, classified on the standard NPS scale:
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
        counted.portal,
        counted.response_id,
        counted.invitation_id,
        counted.customer_id,
        counted.touchpoint,
        counted.channel,
        counted.customer_segment,
        counted.plan,
        counted.region,
        counted.responded_at,
        cast(
            {{ utc_to_reporting_time_by_lookup('counted.responded_at', 'reporting_offsets') }}
            as date
        ) as response_date,
        counted.score,
        case
            when counted.score >= 9 then 'promoter'
            when counted.score >= 7 then 'passive'
            else 'detractor'
        end as nps_category,
        counted.comment_text

    from counted
    {{ join_reporting_hour_offsets('reporting_offsets', 'counted.responded_at') }}

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
        nps_category = 'promoter' as is_promoter,
        nps_category = 'passive' as is_passive,
        nps_category = 'detractor' as is_detractor,
        case nps_category
            when 'promoter' then 100
            when 'detractor' then -100
            else 0
        end as nps_points,
        comment_text

    from classified

)

select * from final
