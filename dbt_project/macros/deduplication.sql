{#
    The rows of `rows` (a CTE) with one row per key: of the rows that share a
    key, the first by `order_by`. Use it as the body of a CTE; it returns
    `columns`.

    Only the rows of keys that occur more than once go through the window;
    they are found by a grouping on the key alone, and every other row is its
    key's only row and is kept as it is. A filter on a window's row number
    over all rows would make PostgreSQL expect a tiny result and plan the
    joins that follow as nested loops (minutes on the demo data).

    `keys_from` names a cheaper relation with the same key columns and at
    least the same keys to count them in, such as the raw source that `rows`
    parses: counting keys then reads two columns instead of computing every
    column of `rows`. `rows` is read twice (the single keys, then the repeated
    ones), so declare it `as not materialized`: the engine then filters it for
    each branch instead of storing all of its rows first. Keys with a NULL
    column never match a repeated key and are kept as they are; a key that
    `keys_from` counts more often than `rows` holds it is ranked, which gives
    the same row.
#}
{% macro first_row_per_key(rows, key_columns, order_by, columns, keys_from=none) -%}
    with repeated_keys as (

        select {{ key_columns | join(', ') }}
        from {{ keys_from or rows }}
        group by {{ key_columns | join(', ') }}
        having count(*) > 1

    ),

    flagged as not materialized (

        select
            {{ rows }}.*,
            repeated_keys.{{ key_columns[0] }} is not null as key_is_repeated

        from {{ rows }}
        left join repeated_keys
            on
            {%- for key in key_columns %}
                {% if not loop.first %}and {% endif -%}
                {{ rows }}.{{ key }} = repeated_keys.{{ key }}
            {%- endfor %}

    ),

    ranked_repeats as (

        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ order_by }}
            ) as key_rank

        from flagged
        where key_is_repeated

    )

    select {{ columns | join(', ') }}
    from flagged
    where not key_is_repeated

    union all

    select {{ columns | join(', ') }}
    from ranked_repeats
    where key_rank = 1
{%- endmacro %}
