{#
    NPS statistics from category counts, written as plain arithmetic so that
    every engine computes the same figures.

    Standard error and 95 % interval follow the adjusted-Wald method of
    Rocks (2016, The American Statistician 70(4)): add 3 to the responses and
    3/4 to the promoters and to the detractors, then use the variance of a
    difference of two proportions, (p + d - (p - d)^2) / n. The interval is
    centred on the adjusted NPS, so for very small samples it can exclude the
    raw NPS; is_small_sample marks those rows.
#}

{# 100 * (promoters - detractors) / responses; NULL for no responses. #}
{% macro nps_from_counts(promoters, detractors, responses) -%}
    (100 * cast({{ promoters }} - {{ detractors }} as double precision)
    / nullif({{ responses }}, 0))
{%- endmacro %}


{% macro adjusted_share(count_column, responses_column) -%}
    ((cast({{ count_column }} as double precision) + 0.75) / ({{ responses_column }} + 3.0))
{%- endmacro %}


{% macro adjusted_nps(promoters, detractors, responses) -%}
    (100 * (
        {{ adjusted_share(promoters, responses) }}
        - {{ adjusted_share(detractors, responses) }}
    ))
{%- endmacro %}


{% macro nps_standard_error(promoters, detractors, responses) -%}
    {%- set p = adjusted_share(promoters, responses) -%}
    {%- set d = adjusted_share(detractors, responses) -%}
    (100 * sqrt(
        ({{ p }} + {{ d }} - ({{ p }} - {{ d }}) * ({{ p }} - {{ d }}))
        / ({{ responses }} + 3.0)
    ))
{%- endmacro %}


{#
    Two-sided p-value of a standard normal z statistic: erfc(|z| / sqrt(2)).
    Neither DuckDB nor PostgreSQL 15 has erf, so erfc uses the Chebyshev
    fit known from Numerical Recipes (relative error below 1.2e-7).
#}
{% macro two_sided_normal_p_value(z) -%}
    {%- set x = '(abs(' ~ z ~ ') / sqrt(2.0))' -%}
    {%- set t = '(1.0 / (1.0 + 0.5 * ' ~ x ~ '))' -%}
    ({{ t }} * exp(
        -{{ x }} * {{ x }} - 1.26551223 + {{ t }} * (1.00002368 + {{ t }} * (0.37409196
        + {{ t }} * (0.09678418 + {{ t }} * (-0.18628806 + {{ t }} * (0.27886807
        + {{ t }} * (-1.13520398 + {{ t }} * (1.48851587 + {{ t }} * (-0.82215223
        + {{ t }} * 0.17087277))))))))
    ))
{%- endmacro %}


{#
    Two CTEs that add the statistics to a CTE (source_cte) holding
    count_responses, count_promoters, count_detractors and the same counts of
    the previous period or window as previous_count_*:
    nps, nps_standard_error, nps_ci_lower, nps_ci_upper (95 %, clipped to
    -100..100), nps_previous, nps_change, nps_change_p_value (two-sample z
    test with the adjusted-Wald standard errors), is_significant_change and
    is_small_sample. The last CTE is named with_nps_statistics.
#}
{% macro nps_statistics_ctes(source_cte) -%}
with_nps_estimates as (

    select
        *,
        {{ nps_from_counts('count_promoters', 'count_detractors', 'count_responses') }} as nps,
        {{ nps_from_counts(
            'previous_count_promoters', 'previous_count_detractors', 'previous_count_responses'
        ) }} as nps_previous,
        case
            when count_responses > 0
                then {{ nps_standard_error(
                    'count_promoters', 'count_detractors', 'count_responses'
                ) }}
        end as nps_standard_error,
        case
            when previous_count_responses > 0
                then {{ nps_standard_error(
                    'previous_count_promoters',
                    'previous_count_detractors',
                    'previous_count_responses'
                ) }}
        end as previous_nps_standard_error,
        case
            when count_responses > 0
                then {{ adjusted_nps('count_promoters', 'count_detractors', 'count_responses') }}
        end as nps_adjusted

    from {{ source_cte }}

),

with_nps_intervals as (

    select
        *,
        greatest(-100.0, nps_adjusted - 1.959963984540054 * nps_standard_error) as nps_ci_lower,
        least(100.0, nps_adjusted + 1.959963984540054 * nps_standard_error) as nps_ci_upper,
        nps - nps_previous as nps_change,
        (nps - nps_previous) / sqrt(
            nps_standard_error * nps_standard_error
            + previous_nps_standard_error * previous_nps_standard_error
        ) as nps_change_z

    from with_nps_estimates

),

with_nps_statistics as (

    select
        *,
        {{ two_sided_normal_p_value('nps_change_z') }} as nps_change_p_value,
        coalesce(
            {{ two_sided_normal_p_value('nps_change_z') }} < {{ var('significance_level') }},
            false
        ) as is_significant_change,
        count_responses < {{ var('small_sample_threshold') }} as is_small_sample

    from with_nps_intervals

)
{%- endmacro %}


{# The measure and statistics columns both NPS marts publish, in their order. #}
{% macro nps_statistics_output_columns() -%}
    count_responses,
    count_promoters,
    count_passives,
    count_detractors,
    nps,
    nps_standard_error,
    nps_ci_lower,
    nps_ci_upper,
    count_invitations,
    count_answered_invitations,
    cast(count_answered_invitations as double precision)
    / nullif(count_invitations, 0) as response_rate,
    nps_previous,
    nps_change,
    nps_change_p_value,
    is_significant_change,
    is_small_sample
{%- endmacro %}
