{#
    UTC offsets per hour, for converting timestamps by lookup instead of row
    by row. Two kinds of rows per zone:
      local  hour_start is a wall-clock hour in the zone; utc = local - offset
             (the portals' zones, for their naive timestamps)
      utc    hour_start is a UTC hour; local = utc + offset
             (the reporting zone, for period boundaries)
    Hours cover var('time_zone_table_start') to var('time_zone_table_end');
    timestamps outside fall back to the direct conversion.
#}

{{ config(materialized='table') }}

with

portals as (

    select * from {{ ref('stg_portals__portals') }}

),

hour_numbers as (

    {{ number_sequence(6) }}

),

hours as (

    select
        {{ dbt.dateadd(
            'hour',
            'sequence_number',
            "cast('" ~ var('time_zone_table_start') ~ "' as timestamp)"
        ) }} as hour_start

    from hour_numbers

),

bounded_hours as (

    select hour_start
    from hours
    where hour_start < cast('{{ var("time_zone_table_end") }}' as timestamp)

),

portal_zones as (

    select distinct source_timezone as timezone
    from portals

),

local_offsets as (

    select
        'local' as hour_kind,
        portal_zones.timezone,
        bounded_hours.hour_start,
        {{ dbt.datediff(
            local_to_utc('bounded_hours.hour_start', 'portal_zones.timezone'),
            'bounded_hours.hour_start',
            'second'
        ) }} as offset_seconds

    from portal_zones
    cross join bounded_hours

),

reporting_offsets as (

    select
        'utc' as hour_kind,
        '{{ var("reporting_timezone") }}' as timezone,
        hour_start,
        {{ dbt.datediff(
            'hour_start', utc_to_reporting_time('hour_start'), 'second'
        ) }} as offset_seconds

    from bounded_hours

),

final as (

    select * from local_offsets
    union all
    select * from reporting_offsets

)

select * from final
