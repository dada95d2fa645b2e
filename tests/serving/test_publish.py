"""The serving file: a complete, read-only copy of the marts, replaced in one rename."""

import hashlib
import stat
from pathlib import Path

import duckdb
import pytest

from orchestration.serving.publish import (
    publish_serving_file,
    read_serving_publication,
    wal_path,
)
from tests.serving.conftest import write_marts


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publication_copies_every_mart_table_and_records_its_provenance(warehouse, tmp_path):
    """Tables (not views) of marts are copied whole; the record names run, source and counts."""
    serving = tmp_path / "serving" / "nps.duckdb"
    published = publish_serving_file(warehouse, serving, run_id="run-1")

    publication = read_serving_publication(serving)
    assert publication == published.publication
    assert publication.run_id == "run-1"
    assert publication.source_warehouse == str(warehouse)
    assert publication.row_counts == {"fct_survey_responses": 1_000, "nps_by_period": 6}
    with duckdb.connect(str(serving), read_only=True) as connection:
        (rows,) = connection.execute("select count(*) from marts.fct_survey_responses").fetchone()
        views = connection.execute(
            "select count(*) from information_schema.tables where table_type = 'VIEW'"
        ).fetchone()
    assert rows == 1_000
    assert views == (0,)
    assert published.size_bytes == serving.stat().st_size


def test_serving_file_is_left_without_wal_or_temporary_files_and_read_only_on_disk(
    warehouse, tmp_path
):
    """Only the serving file remains in its folder, checkpointed, with no write permission."""
    serving = tmp_path / "serving" / "nps.duckdb"
    publish_serving_file(warehouse, serving, run_id="run-1")
    assert sorted(path.name for path in serving.parent.iterdir()) == ["nps.duckdb"]
    assert not wal_path(serving).exists()
    assert not serving.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_new_publication_replaces_the_previous_one(warehouse, tmp_path):
    """A second publication from a changed warehouse replaces the file and its record."""
    serving = tmp_path / "nps.duckdb"
    first = publish_serving_file(warehouse, serving, run_id="run-1").publication
    write_marts(warehouse, 2_000)
    second = publish_serving_file(warehouse, serving, run_id="run-2").publication

    assert read_serving_publication(serving) == second
    assert second.publication_id != first.publication_id
    assert second.row_counts["fct_survey_responses"] == 2_000


def test_reader_that_opened_the_previous_version_keeps_reading_it(warehouse, tmp_path):
    """A connection opened before a publication still sees its version; a new one the new."""
    serving = tmp_path / "nps.duckdb"
    publish_serving_file(warehouse, serving, run_id="run-1")
    with duckdb.connect(str(serving), read_only=True) as old_reader:
        write_marts(warehouse, 3_000)
        publish_serving_file(warehouse, serving, run_id="run-2")
        (old_rows,) = old_reader.execute(
            "select count(*) from marts.fct_survey_responses"
        ).fetchone()
    assert old_rows == 1_000
    assert read_serving_publication(serving).row_counts["fct_survey_responses"] == 3_000


def test_failed_publication_leaves_the_previous_version_byte_for_byte(warehouse, tmp_path):
    """A warehouse without marts fails the copy; the old file and nothing else remains."""
    serving = tmp_path / "nps.duckdb"
    publish_serving_file(warehouse, serving, run_id="run-1")
    before = digest(serving)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()

    with pytest.raises(ValueError, match="no tables in schema marts"):
        publish_serving_file(empty, serving, run_id="run-2")

    assert digest(serving) == before
    assert sorted(path.name for path in tmp_path.iterdir() if "nps" in path.name) == ["nps.duckdb"]


def test_no_publication_yet_reads_as_none(tmp_path):
    """Before the first publication there is no record, and no error."""
    assert read_serving_publication(tmp_path / "nps.duckdb") is None
