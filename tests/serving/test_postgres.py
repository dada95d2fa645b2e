"""The PostgreSQL publication against the local server: one transaction, nothing half-done."""

from collections.abc import Iterator

import pytest

from orchestration.serving import postgres
from orchestration.serving.postgres import (
    PostgresPublicationError,
    publish_to_postgres,
    validate_schema_name,
)
from orchestration.serving.publish import publish_serving_file
from tests.ingest.servers import (
    ServerUnavailableError,
    SourceDatabase,
    create_postgres_database,
    drop_postgres_database,
)
from tests.serving.conftest import write_marts


@pytest.fixture
def database() -> Iterator[SourceDatabase]:
    try:
        created = create_postgres_database()
    except ServerUnavailableError as error:
        pytest.fail(str(error))
    try:
        yield created
    finally:
        drop_postgres_database(created)


def schemas(database: SourceDatabase) -> list[str]:
    text = database.scalar(
        "select coalesce(string_agg(nspname, ',' order by nspname), '') from pg_namespace "
        "where nspname like 'bi%'"
    )
    return text.split(",") if text else []


def test_publication_writes_every_table_and_replaces_the_previous_version(
    warehouse, tmp_path, database
):
    """The second publication replaces the first; no staging or retired schema is left."""
    serving = tmp_path / "nps.duckdb"
    publish_serving_file(warehouse, serving, run_id="run-1")
    first = publish_to_postgres(serving, database.url, "bi")
    assert first.row_counts == {
        "fct_survey_responses": 1_000,
        "nps_by_period": 6,
        "publication": 1,
        "published_tables": 2,
    }
    write_marts(warehouse, 2_000)
    publish_serving_file(warehouse, serving, run_id="run-2")
    second = publish_to_postgres(serving, database.url, "bi")

    assert second.previous_version_dropped
    assert schemas(database) == ["bi"]
    assert database.scalar("select count(*) from bi.fct_survey_responses") == "2000"
    assert database.scalar("select run_id from bi.publication") == "run-2"


def test_failure_inside_the_transaction_leaves_the_previous_version(
    warehouse, tmp_path, database, monkeypatch
):
    """A failure after the tables were written rolls all of it back: readers keep version 1."""
    serving = tmp_path / "nps.duckdb"
    publish_serving_file(warehouse, serving, run_id="run-1")
    publish_to_postgres(serving, database.url, "bi")
    write_marts(warehouse, 2_000)
    publish_serving_file(warehouse, serving, run_id="run-2")
    monkeypatch.setattr(
        postgres, "swap_statement", lambda *_: "select * from a_table_that_is_not_there"
    )

    with pytest.raises(PostgresPublicationError, match="a_table_that_is_not_there"):
        publish_to_postgres(serving, database.url, "bi")

    assert schemas(database) == ["bi"]
    assert database.scalar("select run_id from bi.publication") == "run-1"
    assert database.scalar("select count(*) from bi.fct_survey_responses") == "1000"


def test_errors_never_show_the_password(warehouse, tmp_path, free_tcp_port):
    """A server that does not answer fails with a message naming the place, not the password."""
    serving = tmp_path / "nps.duckdb"
    publish_serving_file(warehouse, serving, run_id="run-1")
    url = f"postgresql://publisher:s3cret-Pa55@127.0.0.1:{free_tcp_port}/analytics"
    with pytest.raises(PostgresPublicationError) as raised:
        publish_to_postgres(serving, url, "bi")
    assert "s3cret-Pa55" not in str(raised.value)
    assert f"'analytics' on 127.0.0.1:{free_tcp_port}" in str(raised.value)


@pytest.mark.parametrize("name", ["NPS", "nps-bi", "1nps", "nps; drop", "", "x" * 41])
def test_schema_names_outside_the_plain_pattern_are_refused(name):
    """The schema name is put into SQL, so only plain lower-case identifiers pass."""
    with pytest.raises(ValueError, match="schema name"):
        validate_schema_name(name)
