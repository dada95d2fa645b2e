"""Fixtures for the ingest tests: one portal table in SQLite, PostgreSQL and MariaDB.

The same survey-answers table is created in each kind of database, with the
column types that kind would use (text timestamps in SQLite, ``timestamp`` in
PostgreSQL, ``datetime`` in MariaDB) and a text score column, so that a wrong
value such as ``'ten'`` can exist at the source.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.config import Portal, parse_portals
from tests.ingest.servers import (
    ServerUnavailableError,
    SourceDatabase,
    create_mariadb_database,
    create_postgres_database,
    create_sqlite_database,
    drop_mariadb_database,
    drop_postgres_database,
)

TABLE = "nps_answers"
FIRST_MODIFIED = datetime(2026, 3, 1, 8, 0, 0)
ROWS = 2_000

DDL = {
    "sqlite": (
        "create table {table} (id integer primary key, invite integer, score text, "
        "created text, modified_at text, browser text);"
    ),
    "postgres": (
        "create table {table} (id integer primary key, invite integer, score text, "
        "created timestamp, modified_at timestamp, browser text); "
        "create index on {table} (modified_at);"
    ),
    "mysql": (
        "create table {table} (id integer primary key, invite integer, score varchar(20), "
        "created datetime, modified_at datetime, browser text, index (modified_at));"
    ),
}


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def answer_row(number: int) -> tuple:
    """Row ``number`` of the test table: one row a minute, a few with a wrong score."""
    modified = FIRST_MODIFIED + timedelta(minutes=number)
    score = "ten" if number % 500 == 7 else str(number % 11)
    return (number, 10_000 + number, score, stamp(modified), stamp(modified), "firefox")


def insert_sql(table: str, rows: list[tuple]) -> str:
    def literal(value) -> str:
        return "null" if value is None else f"'{value}'" if isinstance(value, str) else str(value)

    values = ", ".join("(" + ", ".join(literal(value) for value in row) + ")" for row in rows)
    return f"insert into {table} values {values};"


def create_answers_table(database: SourceDatabase, table: str = TABLE, rows: int = ROWS) -> None:
    quoted = f"`{table}`" if database.dialect == "mysql" else f'"{table}"'
    database.execute(DDL[database.dialect].format(table=quoted))
    database.execute(insert_sql(quoted, [answer_row(number) for number in range(1, rows + 1)]))


def portal_for(
    database: SourceDatabase,
    monkeypatch: pytest.MonkeyPatch,
    *,
    name: str = "test_portal",
    table: str = TABLE,
    columns: dict | None = None,
    connection: dict | None = None,
) -> Portal:
    """A one-entity portal over the answers table, its URL in an environment variable."""
    variable = f"NPS_TEST_{name.upper()}_URL"
    monkeypatch.setenv(variable, database.url)
    document = {
        "version": 1,
        "portals": [
            {
                "name": name,
                "connection": {"url_env": variable, "attempts": 2, "backoff_seconds": 0.01}
                | (connection or {}),
                "timezone": "Europe/Berlin",
                "incremental": {"overlap_minutes": 60},
                "entities": {
                    "survey_responses": {
                        "table": table,
                        "columns": columns
                        or {
                            "response_id": "id",
                            "invitation_id": "invite",
                            "score": "score",
                            "responded_at": "created",
                            "updated_at": "modified_at",
                        },
                    }
                },
            }
        ],
    }
    [portal] = parse_portals(document)
    return portal


def _server_database(create, drop) -> Iterator[SourceDatabase]:
    try:
        database = create()
    except ServerUnavailableError as error:
        pytest.fail(str(error))
    try:
        yield database
    finally:
        drop(database)


@pytest.fixture
def postgres_db() -> Iterator[SourceDatabase]:
    yield from _server_database(create_postgres_database, drop_postgres_database)


@pytest.fixture
def mariadb_db() -> Iterator[SourceDatabase]:
    yield from _server_database(create_mariadb_database, drop_mariadb_database)


@pytest.fixture(params=["sqlite", "postgres", "mysql"])
def source_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SourceDatabase]:
    """The same tests against each kind of portal database."""
    if request.param == "sqlite":
        yield create_sqlite_database(tmp_path)
    elif request.param == "postgres":
        yield from _server_database(create_postgres_database, drop_postgres_database)
    else:
        yield from _server_database(create_mariadb_database, drop_mariadb_database)


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture
def unused_port() -> int:
    """A local TCP port nothing listens on: a database server that is down."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
