{#
    Every counted comment tagged with the themes of the taxonomy (seed
    comment_theme_terms) it mentions: one row per response and theme, any
    number of themes per comment. A comment that mentions no theme has no row.
    Comments are matched after masking at ingest and after the normalisation
    of normalised_search_text (umlauts spelled out, lower case, words split on
    anything but letters and digits).
#}

with

responses as (

    select * from {{ ref('fct_survey_responses') }}
    where comment_text is not null

),

terms as (

    select * from {{ ref('int_comment_theme_terms_prepared') }}

),

searchable as (

    select
        *,
        {{ normalised_search_text('comment_text') }} as search_text

    from responses

),

matches as (

    select
        searchable.portal,
        searchable.response_id,
        terms.theme,
        terms.taxonomy_version,
        count(distinct terms.normalised_term) as count_matched_terms

    from searchable
    inner join terms
        on {{ dbt.position('terms.search_text', 'searchable.search_text') }} > 0
    group by
        searchable.portal,
        searchable.response_id,
        terms.theme,
        terms.taxonomy_version

),

final as (

    select
        matches.portal,
        matches.response_id,
        matches.theme,
        responses.customer_id,
        responses.touchpoint,
        responses.channel,
        responses.customer_segment,
        responses.region,
        responses.responded_at,
        responses.response_date,
        responses.score,
        responses.nps_category,
        matches.count_matched_terms,
        matches.taxonomy_version

    from matches
    inner join responses
        on
            matches.portal = responses.portal
            and matches.response_id = responses.response_id

)

select * from final
