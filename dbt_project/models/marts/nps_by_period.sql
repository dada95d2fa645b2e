{#
    NPS per period and segment. Periods are calendar days, ISO weeks (starting
    Monday), months and quarters in the reporting time zone. Counts are
    additive: to combine rows, add the counts and recompute the NPS; never
    average nps values.
#}

{%- set grains = {
    'day': ('day', 1),
    'week': ('day', 7),
    'month': ('month', 1),
    'quarter': ('month', 3),
} %}

with

responses as (

    select * from {{ ref('fct_survey_responses') }}

),

{% for grain in grains %}
    by_{{ grain }} as (

        select
            '{{ grain }}' as period_grain,
            cast({{ dbt.date_trunc(grain, 'response_date') }} as date) as period_start,
            portal,
            touchpoint,
            count(*) as count_responses,
            count(case when is_promoter then 1 end) as count_promoters,
            count(case when is_passive then 1 end) as count_passives,
            count(case when is_detractor then 1 end) as count_detractors

        from responses
        group by 1, 2, 3, 4

    ),

{% endfor %}

stacked as (

    {% for grain in grains %}
        select * from by_{{ grain }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        period_grain,
        period_start,
        case period_grain
            {% for grain, (datepart, amount) in grains.items() %}
                when '{{ grain }}' then cast({{ dbt.dateadd(
                    'day', -1, dbt.dateadd(datepart, amount, 'period_start')
                ) }} as date)
            {% endfor %}
        end as period_end,
        portal,
        touchpoint,
        count_responses,
        count_promoters,
        count_passives,
        count_detractors,
        100 * cast(count_promoters - count_detractors as double precision)
        / count_responses as nps

    from stacked

)

select * from final
