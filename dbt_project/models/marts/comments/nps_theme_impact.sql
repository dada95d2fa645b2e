{#
    What each theme of the taxonomy costs the NPS, per period and segment.

    Periods: the whole history ('all', from the first to the last counted
    response date), quarters and months in the reporting time zone. Segments:
    the breakdowns in var('theme_impact_breakdowns'), with 'all' in the
    dimension columns a breakdown does not split by. Every theme appears in
    every period and segment that has responses, with zeros where nobody
    mentioned it.

    nps_points_cost is the NPS the segment would have without the detractor
    responses that mention the theme (removed from the count altogether),
    minus its actual NPS: 100 * (P - (D - Dt)) / (N - Dt) - 100 * (P - D) / N,
    with N responses, P promoters, D detractors and Dt detractors mentioning
    the theme. A comment can mention several themes, so the costs of the
    themes do not add up to the points all detractors cost.
#}

{%- set grains = ['all', 'quarter', 'month'] %}

with

{#
    Both sides are rolled up from daily counts (responses from the additive
    base nps_daily_counts, mentions aggregated per day here first), so each
    period and breakdown adds up a few thousand rows instead of every response.
#}

daily_responses as (

    select * from {{ ref('nps_daily_counts') }}
    where count_responses > 0

),

mentions as (

    select * from {{ ref('comment_themes') }}

),

taxonomy as (

    select distinct
        theme,
        taxonomy_version

    from {{ ref('int_comment_theme_terms_prepared') }}

),

history as (

    select
        min(activity_date) as first_response_date,
        max(activity_date) as last_response_date

    from daily_responses

),

dated_responses as (

    select
        daily_responses.*,
        history.first_response_date,
        history.last_response_date

    from daily_responses
    cross join history

),

daily_mentions as (

    select
        response_date as activity_date,
        {% for dimension in nps_dimensions() -%}
            coalesce({{ dimension }}, 'unknown') as {{ dimension }},
        {% endfor -%}
        theme,
        count(*) as count_mentions,
        count(case when nps_category = 'promoter' then 1 end) as count_promoter_mentions,
        count(case when nps_category = 'passive' then 1 end) as count_passive_mentions,
        count(case when nps_category = 'detractor' then 1 end) as count_detractor_mentions

    from mentions
    group by
        response_date,
        {% for dimension in nps_dimensions() -%}
            coalesce({{ dimension }}, 'unknown'),
        {% endfor -%}
        theme

),

dated_mentions as (

    select
        daily_mentions.*,
        history.first_response_date

    from daily_mentions
    cross join history

),

response_counts as (

    {% for grain in grains %}
        {% for breakdown in var('theme_impact_breakdowns') %}
            select
                '{{ grain }}' as period_grain,
                {{ theme_period_start(grain, 'activity_date') }} as period_start,
                {{ breakdown_select(breakdown) }},
                cast(sum(count_responses) as bigint) as count_responses,
                cast(sum(count_promoters) as bigint) as count_promoters,
                cast(sum(count_passives) as bigint) as count_passives,
                cast(sum(count_detractors) as bigint) as count_detractors,
                cast(sum(count_comments) as bigint) as count_comments,
                cast(sum(count_promoter_comments) as bigint) as count_promoter_comments,
                cast(sum(count_passive_comments) as bigint) as count_passive_comments,
                cast(sum(count_detractor_comments) as bigint) as count_detractor_comments,
                max(last_response_date) as last_response_date

            from dated_responses
            group by
                {{ theme_period_start(grain, 'activity_date') }}
                {%- for dimension in breakdown %}, {{ dimension }}{% endfor %}
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

mention_counts as (

    {% for grain in grains %}
        {% for breakdown in var('theme_impact_breakdowns') %}
            select
                '{{ grain }}' as period_grain,
                {{ theme_period_start(grain, 'activity_date') }} as period_start,
                {{ breakdown_select(breakdown) }},
                theme,
                cast(sum(count_mentions) as bigint) as count_mentions,
                cast(sum(count_promoter_mentions) as bigint) as count_promoter_mentions,
                cast(sum(count_passive_mentions) as bigint) as count_passive_mentions,
                cast(sum(count_detractor_mentions) as bigint) as count_detractor_mentions

            from dated_mentions
            group by
                {{ theme_period_start(grain, 'activity_date') }},
                theme
                {%- for dimension in breakdown %}, {{ dimension }}{% endfor %}
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

cells as (

    select
        response_counts.*,
        taxonomy.theme,
        taxonomy.taxonomy_version,
        coalesce(mention_counts.count_mentions, 0) as count_mentions,
        coalesce(mention_counts.count_promoter_mentions, 0) as count_promoter_mentions,
        coalesce(mention_counts.count_passive_mentions, 0) as count_passive_mentions,
        coalesce(mention_counts.count_detractor_mentions, 0) as count_detractor_mentions

    from response_counts
    cross join taxonomy
    left join mention_counts
        on
            response_counts.period_grain = mention_counts.period_grain
            and response_counts.period_start = mention_counts.period_start
            and {{ dimensions_match('response_counts', 'mention_counts') }}
            and taxonomy.theme = mention_counts.theme

),

with_impact as (

    select
        *,
        {{ nps_from_counts('count_promoters', 'count_detractors', 'count_responses') }} as nps,
        {{ nps_from_counts(
            'count_promoter_mentions', 'count_detractor_mentions', 'count_mentions'
        ) }} as nps_mentioning,
        {{ nps_from_counts(
            '(count_promoters - count_promoter_mentions)',
            '(count_detractors - count_detractor_mentions)',
            '(count_responses - count_mentions)'
        ) }} as nps_not_mentioning,
        {{ nps_from_counts(
            'count_promoters',
            '(count_detractors - count_detractor_mentions)',
            '(count_responses - count_detractor_mentions)'
        ) }} as nps_without_theme_detractors

    from cells

),

final as (

    select
        period_grain,
        period_start,
        case period_grain
            when 'all' then last_response_date
            when 'quarter' then cast({{ dbt.dateadd(
                'day', -1, dbt.dateadd('month', 3, 'period_start')
            ) }} as date)
            else cast({{ dbt.dateadd(
                'day', -1, dbt.dateadd('month', 1, 'period_start')
            ) }} as date)
        end as period_end,
        {{ nps_dimensions() | join(',\n        ') }},
        theme,
        count_responses,
        count_promoters,
        count_passives,
        count_detractors,
        count_comments,
        count_mentions,
        count_promoter_mentions,
        count_passive_mentions,
        count_detractor_mentions,
        cast(count_detractor_mentions as double precision)
        / nullif(count_detractor_comments, 0) as detractor_comment_share,
        cast(count_passive_mentions as double precision)
        / nullif(count_passive_comments, 0) as passive_comment_share,
        cast(count_promoter_mentions as double precision)
        / nullif(count_promoter_comments, 0) as promoter_comment_share,
        nps,
        nps_mentioning,
        nps_not_mentioning,
        nps_without_theme_detractors,
        nps_without_theme_detractors - nps as nps_points_cost,
        rank() over (
            partition by period_grain, period_start, {{ nps_dimensions() | join(', ') }}
            order by count_detractor_mentions desc
        ) as cost_rank,
        taxonomy_version

    from with_impact

)

select * from final
