{#
    Whole numbers 0 .. 10^digits - 1 as a column named sequence_number, built
    by cross-joining the digits: portable, where generate_series differs
    between engines. Use it as the body of a CTE.
#}
{% macro number_sequence(digits) -%}
    with decimal_digits as (
        {% for digit in range(10) -%}
            select {{ digit }} as digit
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
    )

    select
        {% for position in range(digits) -%}
            {{ 10 ** position }} * d{{ position }}.digit
            {%- if not loop.last %} + {% endif %}
        {%- endfor %} as sequence_number

    from decimal_digits as d0
    {% for position in range(1, digits) -%}
        cross join decimal_digits as d{{ position }}
    {% endfor %}
{%- endmacro %}
