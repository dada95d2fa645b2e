{#
    The rolling calendar covers every day from the first to the last response
    day. It is built from a fixed number of day offsets; a history longer than
    that would otherwise end the table early without a word. Returns a row when
    the last day of nps_rolling is not the last day with a response. The meta
    shows it as an asset check of nps_rolling.
#}

{{ config(meta={'dagster': {'ref': {'name': 'nps_rolling'}}}) }}

with

daily_counts as (

    select * from {{ ref('nps_daily_counts') }}
    where count_responses > 0

),

rolling as (

    select * from {{ ref('nps_rolling') }}

),

bounds as (

    select max(activity_date) as last_response_day
    from daily_counts

),

rolling_bounds as (

    select max(date_day) as last_rolling_day
    from rolling

)

select
    bounds.last_response_day,
    rolling_bounds.last_rolling_day

from bounds
cross join rolling_bounds
where
    bounds.last_response_day is not null
    and (
        rolling_bounds.last_rolling_day is null
        or rolling_bounds.last_rolling_day != bounds.last_response_day
    )
