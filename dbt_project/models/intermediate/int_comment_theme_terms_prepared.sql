{#
    The theme taxonomy (seed comment_theme_terms) ready for matching: each term
    normalised like the comments and turned into the text to search for.

      prefix    a word that starts with the term ("liefer": Lieferung, Lieferzeit)
      word      the term as a whole word or phrase ("paid", "value for money")
      anywhere  the term inside any word ("versand": Expressversand)

    taxonomy_version fingerprints the whole file (an md5 of its sorted rows), so
    every edit of the taxonomy gives tag rows a new version without anyone having
    to remember to raise a number.
#}

with

terms as (

    select * from {{ ref('comment_theme_terms') }}

),

cleaned as (

    select
        {{ clean_label('theme') }} as theme,
        {{ clean_label('language') }} as term_language,
        trim(term) as term,
        {{ clean_label('match_type') }} as match_type,
        trim({{ normalised_search_text('term') }}) as normalised_term

    from terms
    where trim(term) != ''

),

fingerprint as (

    select
        substring(
            md5({{ ordered_string_agg(
                "theme || '|' || term_language || '|' || term || '|' || match_type",
                ';',
                "theme || '|' || term_language || '|' || term || '|' || match_type"
            ) }}),
            1,
            12
        ) as taxonomy_version

    from cleaned

),

final as (

    select
        cleaned.theme,
        cleaned.term_language,
        cleaned.term,
        cleaned.match_type,
        cleaned.normalised_term,
        case cleaned.match_type
            when 'word' then ' ' || cleaned.normalised_term || ' '
            when 'anywhere' then cleaned.normalised_term
            else ' ' || cleaned.normalised_term
        end as search_text,
        fingerprint.taxonomy_version

    from cleaned
    cross join fingerprint

)

select * from final
