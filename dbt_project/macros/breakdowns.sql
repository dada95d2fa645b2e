{#
    Segment breakdowns for the NPS marts. nps_dimensions lists every dimension
    column a mart carries; var('nps_breakdowns') says which combinations are
    computed. A dimension that is not part of a row's breakdown holds 'all'.
#}

{% macro nps_dimensions() -%}
    {{ return(['portal', 'touchpoint', 'channel', 'customer_segment', 'region']) }}
{%- endmacro %}


{# The select list of a breakdown: its own dimensions, 'all' for the rest. #}
{% macro breakdown_select(breakdown) -%}
    {%- for dimension in nps_dimensions() -%}
        {%- if dimension in breakdown -%}
            {{ dimension }}
        {%- else -%}
            'all' as {{ dimension }}
        {%- endif -%}
        {%- if not loop.last %}, {% endif -%}
    {%- endfor -%}
{%- endmacro %}


{# The join condition on every dimension column between two relations. #}
{% macro dimensions_match(left, right) -%}
    {%- for dimension in nps_dimensions() -%}
        {{ left }}.{{ dimension }} = {{ right }}.{{ dimension }}
        {%- if not loop.last %} and {% endif -%}
    {%- endfor -%}
{%- endmacro %}
