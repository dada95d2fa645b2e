{#
    How customers who answer more than once move between the NPS categories:
    one row per counted response that follows an earlier counted response of
    the same customer in the same portal, with both categories. A customer's
    first response has no row.
#}

with

responses as (

    select * from {{ ref('fct_survey_responses') }}
    where customer_id is not null

),

sequenced as (

    select
        *,
        lag(response_id) over customer_history as previous_response_id,
        lag(responded_at) over customer_history as previous_responded_at,
        lag(nps_category) over customer_history as previous_nps_category,
        lag(score) over customer_history as previous_score

    from responses
    window customer_history as (
        partition by portal, customer_id
        order by responded_at, response_id
    )

),

final as (

    select
        portal,
        customer_id,
        response_id,
        responded_at,
        response_date,
        touchpoint,
        customer_segment,
        previous_response_id,
        previous_responded_at,
        previous_score,
        score,
        previous_nps_category,
        nps_category,
        case
            when previous_nps_category = nps_category then 'unchanged'
            when
                nps_category = 'promoter'
                or (nps_category = 'passive' and previous_nps_category = 'detractor')
                then 'improved'
            else 'worsened'
        end as movement

    from sequenced
    where previous_response_id is not null

)

select * from final
