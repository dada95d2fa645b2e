{#
    The warehouse keeps every timestamp as naive UTC. These macros move between
    a portal's own zone, UTC and the reporting zone; the same "at time zone"
    pair works on DuckDB (ICU) and PostgreSQL.
#}

{# A naive timestamp written in zone source_timezone (an expression) -> naive UTC. #}
{% macro local_to_utc(timestamp_expression, source_timezone) -%}
    (({{ timestamp_expression }}) at time zone {{ source_timezone }}) at time zone 'UTC'
{%- endmacro %}


{# A naive UTC timestamp -> naive wall-clock time in the reporting zone. #}
{% macro utc_to_reporting_time(timestamp_expression) -%}
    (({{ timestamp_expression }}) at time zone 'UTC')
    at time zone '{{ var("reporting_timezone") }}'
{%- endmacro %}


{# The current time as naive UTC, comparable with the warehouse's timestamps. #}
{% macro utc_now() -%}
    (now() at time zone 'UTC')
{%- endmacro %}
