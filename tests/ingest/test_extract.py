"""The SQL built from a mapping: text casts under canonical names, quoted per dialect."""

from orchestration.ingest.extract import (
    SourceInspection,
    full_extract_query,
    incremental_extract_query,
    native_incremental_query,
    text_select_list,
)
from orchestration.ingest.sources import Dialect
from orchestration.ingest.watermark import WatermarkKind

COLUMNS = {
    "response_id": "id",
    "invitation_id": "invite",
    "score": "Score",
    "responded_at": "created",
    "updated_at": "modified_at",
}


def inspection(native_table: str) -> SourceInspection:
    return SourceInspection(
        table_ref='"portal_x"."shop"."answers"',
        native_table=native_table,
        columns=COLUMNS,
        ignored_columns=(),
        watermark_kind=WatermarkKind.TIMESTAMP,
    )


def test_every_canonical_column_is_selected_as_text_when_some_are_unmapped():
    """Mapped columns are cast to text; optional ones the portal lacks come back as NULL."""
    select_list = text_select_list(inspection('"answers"'), "survey_responses")
    assert 'cast("Score" as varchar) as "score"' in select_list
    assert 'cast(null as varchar) as "comment"' in select_list
    assert select_list.index('as "response_id"') < select_list.index('as "updated_at"')


def test_full_load_reads_the_attached_table_when_no_watermark_applies():
    """The full load goes through DuckDB's attached table, which PostgreSQL serves in parallel."""
    sql, parameters = full_extract_query(inspection('"answers"'), "survey_responses")
    assert sql.endswith('from "portal_x"."shop"."answers"')
    assert parameters == []


def test_incremental_query_quotes_with_backticks_when_the_portal_is_mysql():
    """MariaDB/MySQL get backticks, and undated rows are included beside the changed ones."""
    native = native_incremental_query(
        inspection("`shop`.`answers`"), Dialect.MYSQL, "2026-03-02 16:20:00"
    )
    assert native == (
        "select `id`, `invite`, `Score`, `created`, `modified_at` from `shop`.`answers` "
        "where `modified_at` >= '2026-03-02 16:20:00' or `modified_at` is null"
    )


def test_incremental_query_runs_in_postgres_itself_when_the_portal_is_postgres():
    """The portal runs the filter, so its index on updated_at serves it."""
    sql, parameters = incremental_extract_query(
        inspection('"shop"."answers"'),
        "survey_responses",
        alias="portal_x",
        dialect=Dialect.POSTGRES,
        bound="2026-03-02 16:20:00",
    )
    assert "from postgres_query(?, ?)" in sql
    assert parameters[0] == "portal_x"
    assert parameters[1].startswith('select "id", "invite", "Score"')
    assert parameters[1].endswith(
        '"modified_at" >= \'2026-03-02 16:20:00\' or "modified_at" is null'
    )


def test_incremental_filter_is_a_bound_parameter_when_the_portal_is_sqlite():
    """SQLite is read through DuckDB; the bound travels as a parameter, not as SQL text."""
    sql, parameters = incremental_extract_query(
        inspection('"answers"'),
        "survey_responses",
        alias="portal_x",
        dialect=Dialect.SQLITE,
        bound="2026-03-02 16:20:00",
    )
    assert sql.endswith('where "modified_at" >= ? or "modified_at" is null')
    assert parameters == ["2026-03-02 16:20:00"]
