{#
    Trailing 30- and 90-day NPS for every day and segment (the breakdowns in
    var('nps_breakdowns')). A row's window ends on date_day and includes it.
    Every day from the first to the last response date has a row per segment,
    even when the window holds no response, so that a chart has no gaps.
    The previous window is the one that ends window_days before date_day.
    Counts are summed from the daily counts first and windowed after, which
    keeps the window functions off the raw responses.
#}

{%- set windows = [30, 90] %}

with

daily_counts as (

    select * from {{ ref('nps_daily_counts') }}

),

bounds as (

    select
        min(activity_date) as first_day,
        max(activity_date) as last_day

    from daily_counts
    where count_responses > 0

),

{#
    Five digits: 100,000 days (about 270 years), so that a response a portal
    stamped 1970-01-01 does not cut the calendar short before today; the test
    assert_nps_rolling_reaches_the_last_response_day fails if it still does.
#}
day_offsets as (

    {{ number_sequence(5) }}

),

calendar as (

    select
        cast({{ dbt.dateadd('day', 'day_offsets.sequence_number', 'bounds.first_day') }} as date)
            as date_day

    from day_offsets
    cross join bounds
    where
        day_offsets.sequence_number
        <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}

),

segment_days as (

    {% for breakdown in var('nps_breakdowns') %}
        select
            activity_date,
            {{ breakdown_select(breakdown) }},
            sum(count_responses) as count_responses,
            sum(count_promoters) as count_promoters,
            sum(count_passives) as count_passives,
            sum(count_detractors) as count_detractors,
            sum(count_invitations) as count_invitations,
            sum(count_answered_invitations) as count_answered_invitations

        from daily_counts
        group by {{ (['activity_date'] + breakdown) | join(', ') }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

segments as (

    select distinct {{ nps_dimensions() | join(', ') }}
    from segment_days

),

dense_days as (

    select
        calendar.date_day,
        {% for dimension in nps_dimensions() -%}
            segments.{{ dimension }},
        {% endfor -%}
        coalesce(segment_days.count_responses, 0) as count_responses,
        coalesce(segment_days.count_promoters, 0) as count_promoters,
        coalesce(segment_days.count_passives, 0) as count_passives,
        coalesce(segment_days.count_detractors, 0) as count_detractors,
        coalesce(segment_days.count_invitations, 0) as count_invitations,
        coalesce(segment_days.count_answered_invitations, 0) as count_answered_invitations

    from calendar
    cross join segments
    left join segment_days
        on
            calendar.date_day = segment_days.activity_date
            and {{ dimensions_match('segments', 'segment_days') }}

),

windowed as (

    {% for window_days in windows %}
        select
            date_day,
            {{ window_days }} as window_days,
            {{ nps_dimensions() | join(', ') }},
            {% for measure in [
                'count_responses', 'count_promoters', 'count_passives',
                'count_detractors', 'count_invitations', 'count_answered_invitations'
            ] -%}
                cast(sum({{ measure }}) over (
                    partition by {{ nps_dimensions() | join(', ') }}
                    order by date_day
                    rows between {{ window_days - 1 }} preceding and current row
                ) as bigint) as {{ measure }}{% if not loop.last %},{% endif %}
            {% endfor %}

        from dense_days
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

with_previous as (

    {% for window_days in windows %}
        select
            *,
            {% for measure in ['count_responses', 'count_promoters', 'count_detractors'] -%}
                lag({{ measure }}, {{ window_days }}) over (
                    partition by {{ nps_dimensions() | join(', ') }}
                    order by date_day
                ) as previous_{{ measure }}{% if not loop.last %},{% endif %}
            {% endfor %}

        from windowed
        where window_days = {{ window_days }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

{{ nps_statistics_ctes('with_previous') }},

final as (

    select
        date_day,
        window_days,
        cast({{ dbt.dateadd('day', '1 - window_days', 'date_day') }} as date) as window_start,
        {{ nps_dimensions() | join(',\n        ') }},
        {{ nps_statistics_output_columns() }}

    from with_nps_statistics

)

select * from final
