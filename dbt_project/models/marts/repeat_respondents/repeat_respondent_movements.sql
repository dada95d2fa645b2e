{#
    Movements of repeat respondents between NPS categories, summarised: per
    period (the whole history 'all', quarters and months of the later
    response's date), portal, customer segment ('all' for the whole portal)
    and pair of categories (previous -> current), how many responses made that
    move and how many customers made it at least once.
#}

{%- set grains = ['all', 'quarter', 'month'] %}
{%- set breakdowns = [['portal'], ['portal', 'customer_segment']] %}

with

movements as (

    select
        response_date,
        portal,
        customer_id,
        coalesce(customer_segment, 'unknown') as customer_segment,
        previous_nps_category,
        nps_category,
        movement

    from {{ ref('customer_nps_movements') }}

),

history as (

    select min(response_date) as first_response_date

    from {{ ref('fct_survey_responses') }}

),

dated_movements as (

    select
        movements.*,
        history.first_response_date

    from movements
    cross join history

),

summarised as (

    {% for grain in grains %}
        {% for breakdown in breakdowns %}
            select
                '{{ grain }}' as period_grain,
                {{ theme_period_start(grain, 'response_date') }} as period_start,
                portal,
                {% if 'customer_segment' in breakdown -%}
                    customer_segment,
                {%- else -%}
                    'all' as customer_segment,
                {%- endif %}
                previous_nps_category,
                nps_category,
                movement,
                count(*) as count_movements,
                count(distinct customer_id) as count_customers

            from dated_movements
            group by
                {{ theme_period_start(grain, 'response_date') }},
                portal,
                {% if 'customer_segment' in breakdown %}customer_segment,{% endif %}
                previous_nps_category,
                nps_category,
                movement
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from summarised
