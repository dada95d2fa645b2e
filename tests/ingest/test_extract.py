"""Extraction from a SQLite portal: text values, canonical names, clear errors."""

import sqlite3

import pytest

from orchestration.ingest.config import parse_portals
from orchestration.ingest.extract import (
    PortalExtractionError,
    build_extract_query,
    extract_entity,
    quote_identifier,
)


@pytest.fixture
def portal(tmp_path, monkeypatch):
    path = tmp_path / "portal.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "create table answers (id integer primary key, invite integer, score integer, "
            "created text, browser text)"
        )
        connection.executemany(
            "insert into answers values (?, ?, ?, ?, ?)",
            [
                (1, 10, 9, "2026-01-01 10:00:00", "firefox"),
                (2, 11, 7.5, "2026-01-01 11:00:00", "chrome"),
                (3, 12, "ten", "yesterday", None),
                (4, None, None, None, None),
            ],
        )
    monkeypatch.setenv("TEST_PORTAL_URL", f"sqlite:///{path}")
    document = {
        "version": 1,
        "portals": [
            {
                "name": "test_portal",
                "connection": {"url_env": "TEST_PORTAL_URL"},
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
    [parsed] = parse_portals(document)
    return parsed


def test_values_arrive_as_text_under_canonical_names(portal):
    """Integers, a fraction and a word in the score column all arrive as text, unchanged."""
    inspection, batches = extract_entity(portal, "survey_responses")
    rows = [row for batch in batches for row in batch.to_pylist()]
    assert [row["score"] for row in rows] == ["9", "7.5", "ten", None]
    assert [row["response_id"] for row in rows] == ["1", "2", "3", "4"]
    assert rows[2]["responded_at"] == "yesterday"
    # Optional canonical columns the portal does not map come back empty.
    assert {row["comment"] for row in rows} == {None}
    assert inspection.ignored_columns == ("browser",)


def test_small_batches_still_deliver_every_row(portal):
    """Batching bounds memory without losing rows."""
    _, batches = extract_entity(portal, "survey_responses", batch_rows=3)
    assert [batch.num_rows for batch in batches] == [3, 1]


def test_missing_mapped_column_names_portal_table_and_column(portal, tmp_path):
    """A mapped column that the table lacks stops the load with all three names."""
    portal.entities["survey_responses"].columns["score"] = "rating"
    with pytest.raises(PortalExtractionError) as error:
        extract_entity(portal, "survey_responses")
    message = str(error.value)
    assert "test_portal" in message
    assert "'answers'" in message
    assert "'rating'" in message


def test_missing_database_file_is_reported_with_the_portal_name(portal, monkeypatch, tmp_path):
    """A SQLite file that does not exist is an error naming the portal, not an empty load."""
    monkeypatch.setenv("TEST_PORTAL_URL", f"sqlite:///{tmp_path / 'absent.sqlite'}")
    with pytest.raises(PortalExtractionError, match=r"portal 'test_portal'.*does not exist"):
        extract_entity(portal, "survey_responses")


def test_identifiers_are_quoted_in_the_extraction_query(portal):
    """Even validated names are quoted, and embedded quotes are doubled."""
    assert quote_identifier('we"ird') == '"we""ird"'
    assert quote_identifier("main.answers") == '"main"."answers"'
    query = build_extract_query(portal.entities["survey_responses"])
    assert 'from "answers"' in query
    assert 'cast("score" as text) as "score"' in query
