{#
    ANALYZE for a table just built on PostgreSQL, so that the models built on
    it are planned from its real size. Other engines and views need nothing:
    the hook renders empty and dbt skips it.
#}
{% macro analyze_table_on_postgres() -%}
    {%- if target.type == 'postgres' and config.get('materialized') in ['table', 'incremental'] -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
