{#
    NPS per period and segment. Periods are calendar days, ISO weeks (from
    Monday), months and quarters in the reporting time zone; the segments are
    the breakdowns in var('nps_breakdowns'). Counts are additive: combine rows
    by adding counts and recomputing, never by averaging nps.

    Responses fall into the period of their response date; invitations (for
    the response rate) into the period they were sent. The previous period is
    the one just before, in the same segment.
#}

{%- set grains = {
    'day': ('day', 1),
    'week': ('day', 7),
    'month': ('month', 1),
    'quarter': ('month', 3),
} %}

with

daily_counts as (

    select * from {{ ref('nps_daily_counts') }}

),

counts_by_period as (

    {% for grain in grains %}
        {% for breakdown in var('nps_breakdowns') %}
            select
                '{{ grain }}' as period_grain,
                cast({{ dbt.date_trunc(grain, 'activity_date') }} as date) as period_start,
                {{ breakdown_select(breakdown) }},
                cast(sum(count_responses) as bigint) as count_responses,
                cast(sum(count_promoters) as bigint) as count_promoters,
                cast(sum(count_passives) as bigint) as count_passives,
                cast(sum(count_detractors) as bigint) as count_detractors,
                cast(sum(count_invitations) as bigint) as count_invitations,
                cast(sum(count_answered_invitations) as bigint) as count_answered_invitations

            from daily_counts
            group by
                {{ dbt.date_trunc(grain, 'activity_date') }}
                {%- for dimension in breakdown %}, {{ dimension }}{% endfor %}
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

with_period_bounds as (

    select
        *,
        case period_grain
            {% for grain, (datepart, amount) in grains.items() %}
                when '{{ grain }}' then cast({{ dbt.dateadd(
                    datepart, -amount, 'period_start'
                ) }} as date)
            {% endfor %}
        end as previous_period_start,
        case period_grain
            {% for grain, (datepart, amount) in grains.items() %}
                when '{{ grain }}' then cast({{ dbt.dateadd(
                    'day', -1, dbt.dateadd(datepart, amount, 'period_start')
                ) }} as date)
            {% endfor %}
        end as period_end

    from counts_by_period

),

with_previous as (

    select
        current_period.*,
        previous_period.count_responses as previous_count_responses,
        previous_period.count_promoters as previous_count_promoters,
        previous_period.count_detractors as previous_count_detractors

    from with_period_bounds as current_period
    left join counts_by_period as previous_period
        on
            current_period.period_grain = previous_period.period_grain
            and current_period.previous_period_start = previous_period.period_start
            and {{ dimensions_match('current_period', 'previous_period') }}

),

{{ nps_statistics_ctes('with_previous') }},

final as (

    select
        period_grain,
        period_start,
        period_end,
        {{ nps_dimensions() | join(',\n        ') }},
        {{ nps_statistics_output_columns() }}

    from with_nps_statistics

)

select * from final
