{#
    One row per calendar day from var('time_zone_table_start') to the day
    before var('time_zone_table_end'): the time spine MetricFlow needs to
    answer metrics by day, week, month, quarter and year. Days are dates in
    the reporting time zone, like response_date and sent_date.
#}

with

day_numbers as (

    {{ number_sequence(4) }}

),

days as (

    select
        cast({{ dbt.dateadd(
            'day',
            'sequence_number',
            "cast('" ~ var('time_zone_table_start') ~ "' as date)"
        ) }} as date) as date_day

    from day_numbers

),

final as (

    select date_day
    from days
    where date_day < cast('{{ var("time_zone_table_end") }}' as date)

)

select * from final
