{#
    Parsing portal values that arrive as text. Each macro returns NULL for a
    value that does not parse instead of failing the build, so that staging
    can flag the row and the intermediate layer can quarantine it.
#}

{% macro regexp_full_match(value, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'nps')(value, pattern)) }}
{%- endmacro %}

{% macro default__regexp_full_match(value, pattern) -%}
    ({{ value }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regexp_full_match(value, pattern) -%}
    regexp_full_match({{ value }}, '{{ pattern }}')
{%- endmacro %}


{#
    A whole number in text form ("8", " 8 ", "+8", "8.0"). Fractions, words
    and numbers with a decimal comma are not whole numbers. At most nine digits
    keep the cast inside an integer.
#}
{% macro parse_whole_number(value) -%}
    case
        when {{ regexp_full_match('trim(' ~ value ~ ')', '[+-]?[0-9]{1,9}([.]0+)?') }}
            then cast(cast(trim({{ value }}) as decimal(18, 6)) as integer)
    end
{%- endmacro %}


{% macro parse_timestamp(value) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'nps')(value)) }}
{%- endmacro %}

{# Engines without a try_cast: accept ISO 8601 dates and date-times only. #}
{% macro default__parse_timestamp(value) -%}
    case
        when {{ regexp_full_match(
            'trim(' ~ value ~ ')',
            '[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?'
        ) }}
            then cast(trim({{ value }}) as timestamp)
    end
{%- endmacro %}

{% macro duckdb__parse_timestamp(value) -%}
    try_cast(trim({{ value }}) as timestamp)
{%- endmacro %}


{# Text flags as portals write them: 1/0, true/false, yes/no, Y/N. #}
{% macro parse_flag(value) -%}
    case
        when lower(trim({{ value }})) in ('1', 'true', 't', 'yes', 'y') then true
        when lower(trim({{ value }})) in ('0', 'false', 'f', 'no', 'n', '') then false
    end
{%- endmacro %}


{# Lower-case, trimmed text, with an empty string read as missing. #}
{% macro clean_label(value) -%}
    nullif(lower(trim({{ value }})), '')
{%- endmacro %}
