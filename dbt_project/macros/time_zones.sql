{#
    The warehouse keeps every timestamp as naive UTC. Converting row by row
    with "at time zone" is exact but slow (ICU per row), so the models look
    the offset up per hour in stg_portals__hourly_utc_offsets and fall back to
    the row-by-row conversion only outside that table's range. Offsets change
    on whole hours in the zones portals use, so the lookup gives the same
    result as the direct conversion.
#}

{# Direct conversion: a naive timestamp in zone source_timezone -> naive UTC. #}
{% macro local_to_utc(timestamp_expression, source_timezone) -%}
    ((({{ timestamp_expression }}) at time zone {{ source_timezone }}) at time zone 'UTC')
{%- endmacro %}


{# Direct conversion: a naive UTC timestamp -> wall-clock time in the reporting zone. #}
{% macro utc_to_reporting_time(timestamp_expression) -%}
    ((({{ timestamp_expression }}) at time zone 'UTC')
    at time zone '{{ var("reporting_timezone") }}')
{%- endmacro %}


{#
    The same conversions through a joined row of stg_portals__hourly_utc_offsets
    (alias offsets_alias), joined on the timestamp's hour; see the join macros below.
#}
{% macro local_to_utc_by_lookup(timestamp_expression, source_timezone, offsets_alias) -%}
    case
        when {{ offsets_alias }}.offset_seconds is not null
            then {{ dbt.dateadd(
                'second', '-' ~ offsets_alias ~ '.offset_seconds', timestamp_expression
            ) }}
        else {{ local_to_utc(timestamp_expression, source_timezone) }}
    end
{%- endmacro %}


{% macro utc_to_reporting_time_by_lookup(timestamp_expression, offsets_alias) -%}
    case
        when {{ offsets_alias }}.offset_seconds is not null
            then {{ dbt.dateadd(
                'second', offsets_alias ~ '.offset_seconds', timestamp_expression
            ) }}
        else {{ utc_to_reporting_time(timestamp_expression) }}
    end
{%- endmacro %}


{# Join the offsets of a zone's local hours, for local_to_utc_by_lookup. #}
{% macro join_local_hour_offsets(offsets_alias, timestamp_expression, timezone_expression) -%}
    left join {{ ref('stg_portals__hourly_utc_offsets') }} as {{ offsets_alias }}
        on
            {{ offsets_alias }}.hour_kind = 'local'
            and {{ offsets_alias }}.timezone = {{ timezone_expression }}
            and {{ offsets_alias }}.hour_start = {{ dbt.date_trunc('hour', timestamp_expression) }}
{%- endmacro %}


{# Join the reporting zone's offsets of UTC hours, for utc_to_reporting_time_by_lookup. #}
{% macro join_reporting_hour_offsets(offsets_alias, timestamp_expression) -%}
    left join {{ ref('stg_portals__hourly_utc_offsets') }} as {{ offsets_alias }}
        on
            {{ offsets_alias }}.hour_kind = 'utc'
            and {{ offsets_alias }}.timezone = '{{ var("reporting_timezone") }}'
            and {{ offsets_alias }}.hour_start = {{ dbt.date_trunc('hour', timestamp_expression) }}
{%- endmacro %}


{# The current time as naive UTC, comparable with the warehouse's timestamps. #}
{% macro utc_now() -%}
    (now() at time zone 'UTC')
{%- endmacro %}
