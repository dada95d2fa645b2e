{#
    Nothing is lost: per portal, the raw responses equal the counted plus the
    quarantined ones. Returns the portals where they do not. The meta attaches
    the test to quarantined_survey_responses, so that Dagster shows it as an
    asset check there.
#}

{{ config(meta={'dagster': {'ref': {'name': 'quarantined_survey_responses'}}}) }}

with

raw_counts as (

    select
        portal,
        count(*) as count_raw
    from {{ source('portals', 'survey_responses') }}
    group by portal

),

counted as (

    select
        portal,
        count(*) as count_counted
    from {{ ref('fct_survey_responses') }}
    group by portal

),

quarantined as (

    select
        portal,
        count(*) as count_quarantined
    from {{ ref('quarantined_survey_responses') }}
    group by portal

)

select
    raw_counts.portal,
    raw_counts.count_raw,
    coalesce(counted.count_counted, 0) as count_counted,
    coalesce(quarantined.count_quarantined, 0) as count_quarantined

from raw_counts
left join counted on raw_counts.portal = counted.portal
left join quarantined on raw_counts.portal = quarantined.portal
where
    raw_counts.count_raw
    != coalesce(counted.count_counted, 0) + coalesce(quarantined.count_quarantined, 0)
