{#
    Comment text prepared for term matching, the same way for comments and for
    the taxonomy's terms: umlauts and sharp s spelled out (ä -> ae, ß -> ss),
    so that "verspätet" and "verspaetet" meet; lower case; every run of
    characters other than a-z and 0-9 turned into one space; one space added at
    each end, so that ' liefer' finds a word that starts with "liefer".
    Letters outside a-z (é, ø) become spaces on every engine, whatever its
    collation makes of their case.
#}
{% macro normalised_search_text(expression) -%}
    {{ return(adapter.dispatch('normalised_search_text', 'nps')(expression)) }}
{%- endmacro %}

{% macro default__normalised_search_text(expression) -%}
    {%- set spelled_out = [
        ('Ä', 'ae'), ('ä', 'ae'), ('Ö', 'oe'), ('ö', 'oe'),
        ('Ü', 'ue'), ('ü', 'ue'), ('ẞ', 'ss'), ('ß', 'ss'),
    ] -%}
    {{ search_text_from_spelled_out(spelled_out, expression) }}
{%- endmacro %}

{#
    DuckDB lower-cases every letter (Ä -> ä, ẞ -> ß) whatever the collation,
    so lowering first halves the replacements: the same result, faster.
#}
{% macro duckdb__normalised_search_text(expression) -%}
    {%- set spelled_out = [('ä', 'ae'), ('ö', 'oe'), ('ü', 'ue'), ('ß', 'ss')] -%}
    {{ search_text_from_spelled_out(spelled_out, 'lower(' ~ expression ~ ')') }}
{%- endmacro %}

{% macro search_text_from_spelled_out(spelled_out, expression) -%}
    {%- set ns = namespace(text=expression) -%}
    {%- for letter, spelling in spelled_out -%}
        {%- set ns.text = "replace(" ~ ns.text ~ ", '" ~ letter ~ "', '" ~ spelling ~ "')" -%}
    {%- endfor -%}
    (' ' || trim(regexp_replace(lower({{ ns.text }}), '[^a-z0-9]+', ' ', 'g')) || ' ')
{%- endmacro %}


{#
    Text values joined with a delimiter in byte order of order_by, on every
    engine: PostgreSQL would otherwise sort by its locale's collation, which
    can differ from DuckDB's.
#}
{% macro ordered_string_agg(expression, delimiter, order_by) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'nps')(expression, delimiter, order_by)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(expression, delimiter, order_by) -%}
    string_agg({{ expression }}, '{{ delimiter }}' order by {{ order_by }} collate "C")
{%- endmacro %}

{% macro duckdb__ordered_string_agg(expression, delimiter, order_by) -%}
    string_agg({{ expression }}, '{{ delimiter }}' order by {{ order_by }})
{%- endmacro %}


{#
    First day of the period of date_column for the theme and repeat-respondent
    marts: quarter and month truncate; 'all' is the first response date of the
    whole history, which the relation must carry as first_response_date.
#}
{% macro theme_period_start(grain, date_column) -%}
    {%- if grain == 'all' -%}
        first_response_date
    {%- else -%}
        cast({{ dbt.date_trunc(grain, date_column) }} as date)
    {%- endif -%}
{%- endmacro %}


{# One row per part of a text split at a delimiter, as a select-list expression. #}
{% macro split_to_rows(expression, delimiter) -%}
    {{ return(adapter.dispatch('split_to_rows', 'nps')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__split_to_rows(expression, delimiter) -%}
    unnest(string_to_array({{ expression }}, '{{ delimiter }}'))
{%- endmacro %}

{% macro duckdb__split_to_rows(expression, delimiter) -%}
    unnest(string_split({{ expression }}, '{{ delimiter }}'))
{%- endmacro %}
