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
        portal,
        response_id,
        {{ normalised_search_text('comment_text') }} as search_text

    from responses

),

{#
    Most terms are single words of three letters or more, matched as a whole
    word or as the start of a word. Those are found by splitting every comment
    into its words and joining the words to the terms on their first three
    letters, so each word meets only the few terms that could match it. The
    rest (phrases, terms found inside words, very short terms) are few and are
    searched for in the whole text.
#}

word_terms as (

    select
        *,
        substring(normalised_term, 1, 3) as word_key

    from terms
    where
        match_type in ('prefix', 'word')
        and {{ dbt.position("' '", 'normalised_term') }} = 0
        and length(normalised_term) >= 3

),

text_terms as (

    select * from terms
    where not (
        match_type in ('prefix', 'word')
        and {{ dbt.position("' '", 'normalised_term') }} = 0
        and length(normalised_term) >= 3
    )

),

words as (

    select
        portal,
        response_id,
        {{ split_to_rows('trim(search_text)', ' ') }} as word

    from searchable

),

word_matches as (

    select
        words.portal,
        words.response_id,
        word_terms.theme,
        word_terms.taxonomy_version,
        word_terms.normalised_term

    from words
    inner join word_terms
        on
            substring(words.word, 1, 3) = word_terms.word_key
            and (
                words.word = word_terms.normalised_term
                or (
                    word_terms.match_type = 'prefix'
                    and substring(words.word, 1, length(word_terms.normalised_term))
                    = word_terms.normalised_term
                )
            )

),

text_matches as (

    select
        searchable.portal,
        searchable.response_id,
        text_terms.theme,
        text_terms.taxonomy_version,
        text_terms.normalised_term

    from searchable
    inner join text_terms
        on {{ dbt.position('text_terms.search_text', 'searchable.search_text') }} > 0

),

matches as (

    select
        portal,
        response_id,
        theme,
        taxonomy_version,
        count(distinct normalised_term) as count_matched_terms

    from (
        select * from word_matches
        union all
        select * from text_matches
    ) as matched_terms
    group by
        portal,
        response_id,
        theme,
        taxonomy_version

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
