"""Loading a portal table into the raw layer, against SQLite, PostgreSQL and MariaDB.

Every test here runs once per kind of portal database (the ``source_db``
fixture), on a throw-away database with a 2,000-row answers table.
"""

import duckdb
import pytest

from orchestration.ingest.config import parse_portals
from orchestration.ingest.extract import PortalExtractionError
from orchestration.ingest.load import load_portal_entity
from orchestration.ingest.sources import PortalConnectionError
from orchestration.ingest.warehouse import read_state, refresh_canonical_view
from tests.ingest.conftest import ROWS, TABLE, create_answers_table, portal_for

RAW = "raw.test_portal__survey_responses"


def snapshot(warehouse: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """Every stored row by response id, with the time it was written."""
    rows = warehouse.execute(
        f"select response_id, score, updated_at, _extracted_at from {RAW}"
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_full_load_copies_every_row_as_text_when_the_table_is_new(
    source_db, monkeypatch, warehouse
):
    """Counts match the source; a wrong score arrives as written; unmapped columns are NULL."""
    create_answers_table(source_db)
    portal = portal_for(source_db, monkeypatch)

    report = load_portal_entity(warehouse, portal, "survey_responses")

    assert report.mode == "full"
    assert report.rows_read == report.rows_merged == ROWS
    assert int(source_db.scalar(f"select count(*) from {TABLE}")) == ROWS
    row = warehouse.execute(
        f"select response_id, invitation_id, score, responded_at, comment from {RAW} "
        "where response_id = '7'"
    ).fetchone()
    assert row == ("7", "10007", "ten", "2026-03-01 08:07:00", None)
    assert report.watermark_after == "2026-03-02 17:20:00"


def test_editing_one_percent_changes_exactly_those_rows_when_re_run(
    source_db, monkeypatch, warehouse
):
    """Edited rows are replaced, nothing else is touched, and a second re-run changes nothing."""
    create_answers_table(source_db)
    portal = portal_for(source_db, monkeypatch)
    load_portal_entity(warehouse, portal, "survey_responses")
    before = snapshot(warehouse)

    edited = {str(number) for number in range(1, ROWS + 1) if number % 100 == 42}
    source_db.execute(
        f"update {TABLE} set score = '0', modified_at = '2026-03-03 09:00:00' where id % 100 = 42;"
    )
    first = load_portal_entity(warehouse, portal, "survey_responses")
    after_first = snapshot(warehouse)
    second = load_portal_entity(warehouse, portal, "survey_responses")

    assert first.mode == "incremental"
    assert first.rows_merged == len(edited) == ROWS // 100
    changed = {key for key in before if before[key] != after_first[key]}
    assert changed == edited
    assert all(after_first[key][:2] == ("0", "2026-03-03 09:00:00") for key in edited)
    assert len(after_first) == ROWS
    assert second.rows_read > 0  # the overlap window is read again ...
    assert second.rows_merged == 0  # ... and changes nothing
    assert snapshot(warehouse) == after_first
    assert (first.watermark_before, first.watermark_after) == (
        "2026-03-02 17:20:00",
        "2026-03-03 09:00:00",
    )


def test_late_and_undated_rows_are_picked_up_when_they_fall_inside_the_overlap(
    source_db, monkeypatch, warehouse
):
    """A row committed late inside the overlap and a row without updated_at are loaded;
    a row older than the overlap waits for a full refresh."""
    create_answers_table(source_db)
    portal = portal_for(source_db, monkeypatch)
    load_portal_entity(warehouse, portal, "survey_responses")

    source_db.execute(
        f"insert into {TABLE} values "
        "(5001, 1, '9', '2026-03-02 16:50:00', '2026-03-02 16:50:00', 'x'), "
        "(5002, 2, '8', '2026-03-02 17:00:00', null, 'x'), "
        "(5003, 3, '7', '2026-03-01 00:00:00', '2026-03-01 00:00:00', 'x');"
    )
    report = load_portal_entity(warehouse, portal, "survey_responses")
    loaded = set(snapshot(warehouse))
    again = load_portal_entity(warehouse, portal, "survey_responses")
    refreshed = load_portal_entity(warehouse, portal, "survey_responses", full_refresh=True)

    assert report.rows_merged == 2
    assert {"5001", "5002"} <= loaded
    assert "5003" not in loaded
    assert again.rows_merged == 0
    assert refreshed.mode == "full"
    assert refreshed.rows_read == ROWS + 3
    assert report.watermark_after == "2026-03-02 17:20:00"  # the late row does not lower it


def test_watermark_is_found_by_a_new_connection_when_the_warehouse_file_is_shared(
    source_db, monkeypatch, tmp_path
):
    """The watermark lives in the warehouse, so a re-run elsewhere continues incrementally."""
    create_answers_table(source_db)
    portal = portal_for(source_db, monkeypatch)
    path = str(tmp_path / "shared.duckdb")
    with duckdb.connect(path) as first_machine:
        load_portal_entity(first_machine, portal, "survey_responses")
    with duckdb.connect(path) as second_machine:
        state = read_state(second_machine, "test_portal", "survey_responses")
        report = load_portal_entity(second_machine, portal, "survey_responses")
    assert state.watermark == "2026-03-02 17:20:00"
    assert report.mode == "incremental"
    assert report.rows_merged == 0


def test_new_source_column_is_ignored_and_reported_when_nobody_maps_it(
    source_db, monkeypatch, warehouse
):
    """A column the portal adds does not break the load; the report names it."""
    create_answers_table(source_db)
    source_db.execute(f"alter table {TABLE} add column referrer varchar(50);")
    portal = portal_for(source_db, monkeypatch)

    report = load_portal_entity(warehouse, portal, "survey_responses")

    assert report.rows_read == ROWS
    assert report.ignored_columns == ("browser", "referrer")


def test_missing_mapped_column_fails_naming_portal_table_and_column_when_the_source_lacks_it(
    source_db, monkeypatch, warehouse
):
    """The message names all three, so the mapping can be fixed without digging."""
    create_answers_table(source_db)
    columns = {
        "response_id": "id",
        "invitation_id": "invite",
        "score": "rating",
        "responded_at": "created",
    }
    portal = portal_for(source_db, monkeypatch, columns=columns)

    with pytest.raises(PortalExtractionError) as error:
        load_portal_entity(warehouse, portal, "survey_responses")

    assert str(error.value) == (
        "portal 'test_portal': table 'nps_answers' has no column 'rating' "
        "(mapped as survey_responses.score)"
    )


def test_missing_table_fails_naming_portal_and_table_when_the_source_lacks_it(
    source_db, monkeypatch, warehouse
):
    """A mapped table that does not exist is an error, not an empty load."""
    portal = portal_for(source_db, monkeypatch, table="answers_2026")
    with pytest.raises(PortalExtractionError, match=r"portal 'test_portal': table 'answers_2026'"):
        load_portal_entity(warehouse, portal, "survey_responses")


def test_unusual_but_valid_identifiers_load_when_quoted_for_each_dialect(
    source_db, monkeypatch, warehouse
):
    """A mixed-case table name with a dollar sign is quoted correctly in every dialect,
    in the full load and in the incremental query the portal runs itself."""
    create_answers_table(source_db, table="Survey$Answers", rows=50)
    portal = portal_for(source_db, monkeypatch, table="Survey$Answers")

    full = load_portal_entity(warehouse, portal, "survey_responses")
    incremental = load_portal_entity(warehouse, portal, "survey_responses")

    assert (full.rows_read, incremental.mode, incremental.rows_merged) == (50, "incremental", 0)


def test_rows_without_a_key_are_not_duplicated_when_the_overlap_is_read_again(
    monkeypatch, warehouse, tmp_path
):
    """A keyless row cannot be matched by key; an identical stored row keeps it single."""
    from tests.ingest.servers import create_sqlite_database

    source = create_sqlite_database(tmp_path)
    source.execute(
        f"create table {TABLE} (id integer, invite integer, score text, created text, "
        "modified_at text, browser text);"
        f"insert into {TABLE} values (null, 1, '9', '2026-03-02 10:00:00', "
        "'2026-03-02 10:00:00', 'x'), (1, 2, '8', '2026-03-02 10:00:00', "
        "'2026-03-02 10:00:00', 'x');"
    )
    portal = portal_for(source, monkeypatch)
    load_portal_entity(warehouse, portal, "survey_responses")
    again = load_portal_entity(warehouse, portal, "survey_responses")
    (stored,) = warehouse.execute(f"select count(*) from {RAW}").fetchone()
    assert (again.rows_read, again.rows_merged, stored) == (2, 0, 2)


def test_canonical_view_keeps_exactly_the_contract_columns_when_tables_carry_row_hashes(
    source_db, monkeypatch, warehouse
):
    """dbt reads raw.<entity>; the bookkeeping column of the portal tables stays out of it."""
    create_answers_table(source_db, rows=10)
    portal = portal_for(source_db, monkeypatch)
    load_portal_entity(warehouse, portal, "survey_responses")
    refresh_canonical_view(warehouse, "survey_responses", [portal])
    columns = [row[0] for row in warehouse.execute("describe raw.survey_responses").fetchall()]
    assert columns == [
        "portal",
        "response_id",
        "invitation_id",
        "score",
        "responded_at",
        "customer_id",
        "comment",
        "updated_at",
        "_extracted_at",
    ]


@pytest.mark.parametrize(
    ("scheme", "port_default"), [("postgresql", 5432), ("mysql", 3306)], ids=["postgres", "mysql"]
)
def test_database_that_is_down_is_retried_then_fails_naming_portal_and_cause(
    scheme, port_default, monkeypatch, warehouse, unused_port
):
    """Backoff between attempts, then a message with the portal and the driver's cause,
    and never the password."""
    url = f"{scheme}://reader:hunter2-secret@127.0.0.1:{unused_port}/portal"
    monkeypatch.setenv("NPS_TEST_DOWN_URL", url)
    [portal] = parse_portals(
        {
            "version": 1,
            "portals": [
                {
                    "name": "down_portal",
                    "connection": {
                        "url_env": "NPS_TEST_DOWN_URL",
                        "attempts": 3,
                        "backoff_seconds": 0.5,
                    },
                    "timezone": "UTC",
                    "entities": {
                        "survey_responses": {
                            "table": "answers",
                            "columns": {
                                "response_id": "id",
                                "invitation_id": "invite",
                                "score": "score",
                                "responded_at": "created",
                            },
                        }
                    },
                }
            ],
        }
    )
    waits, logged = [], []

    with pytest.raises(PortalConnectionError) as error:
        load_portal_entity(
            warehouse, portal, "survey_responses", log=logged.append, sleep=waits.append
        )

    message = str(error.value)
    kind = "postgres" if scheme == "postgresql" else "mysql"
    assert message.startswith(
        f"portal 'down_portal': cannot connect to {kind} database 'portal' "
        f"on 127.0.0.1:{unused_port} after 3 attempts: "
    )
    assert "refused" in message.lower() or "can't connect" in message.lower()
    assert waits == [0.5, 1.0]
    assert len(logged) == 2
    assert all("hunter2" not in text for text in [message, *logged])
    assert port_default != unused_port


def test_missing_sqlite_file_fails_naming_the_portal_when_the_path_is_wrong(
    monkeypatch, warehouse, tmp_path
):
    """A SQLite file that does not exist is an error naming the portal, not an empty load."""
    from tests.ingest.servers import SourceDatabase

    absent = SourceDatabase("sqlite", "absent", f"sqlite:///{tmp_path / 'absent.sqlite'}")
    portal = portal_for(absent, monkeypatch)
    with pytest.raises(PortalConnectionError, match=r"portal 'test_portal'.*does not exist"):
        load_portal_entity(warehouse, portal, "survey_responses")


def test_number_typed_updated_at_fails_naming_the_column_when_incremental_is_impossible(
    postgres_db, monkeypatch, warehouse
):
    """An integer cannot be a watermark; the message says which column and what to do."""
    postgres_db.execute(
        "create table answers (id integer, invite integer, score integer, created timestamp, "
        "version integer);"
    )
    columns = {
        "response_id": "id",
        "invitation_id": "invite",
        "score": "score",
        "responded_at": "created",
        "updated_at": "version",
    }
    portal = portal_for(postgres_db, monkeypatch, table="answers", columns=columns)
    with pytest.raises(
        PortalExtractionError, match=r"column 'version' of table 'answers'.*INTEGER"
    ):
        load_portal_entity(warehouse, portal, "survey_responses")
