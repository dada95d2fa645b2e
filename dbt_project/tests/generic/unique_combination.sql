{#
    Passes when no two rows share the same values in all of the given columns:
    the key test for tables whose key spans the portal and the portal's own id.
#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as count_rows

from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
