"""Serving while the pipeline runs, and not serving what failed its checks.

One module fixture runs the whole job twice on a copy of the session
pipeline's warehouse and serving file, with the PostgreSQL publication
switched on against a throw-away database on the local server:
1. a good run, while a separate BI-style process (tests/serving/bi_reader.py)
   opens the serving file read-only in a loop and checks every mart against
   the publication record;
2. a run in which most scores of one portal are garbage, so that the blocking
   Great Expectations check on raw/survey_responses fails.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import psycopg2
import pytest

from orchestration.serving.assets import (
    PARQUET_KEY,
    POSTGRES_KEY,
    REPORT_KEY,
    SERVING_FILE_KEY,
)
from orchestration.serving.parquet import LINK_NAME
from orchestration.serving.publish import Publication, read_serving_publication
from orchestration.settings import PROJECT_ROOT
from tests.ingest.servers import (
    ServerUnavailableError,
    SourceDatabase,
    create_postgres_database,
    drop_postgres_database,
)

pytestmark = pytest.mark.integration

SERVING_KEYS = (SERVING_FILE_KEY, POSTGRES_KEY, PARQUET_KEY, REPORT_KEY)
PG_SCHEMA = "nps_bi"
READER_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class ServingRuns:
    folder: Path
    serving: Path
    database: SourceDatabase
    good: dg.ExecuteInProcessResult
    reader: dict
    before_failure: tuple[str, Publication, list, str]
    failed: dg.ExecuteInProcessResult
    after_failure: tuple[str, Publication, list, str]


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def postgres_rows(database: SourceDatabase, sql: str) -> list[tuple]:
    with psycopg2.connect(database.url) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def published_state(serving: Path, database: SourceDatabase) -> tuple:
    """What a BI user could see: the serving file's bytes and record, PostgreSQL's, Parquet's."""
    return (
        file_digest(serving),
        read_serving_publication(serving),
        postgres_rows(database, f"select * from {PG_SCHEMA}.publication"),
        os.readlink(serving.parent.parent / "exports" / LINK_NAME),
    )


def run_job(folder: Path, portals: dict[str, Path], tags: dict | None = None):
    from orchestration.definitions import build_definitions

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NPS_PORTAL_DEMO_SHOP_URL", f"sqlite:///{portals['demo_shop']}")
        patch.setenv("NPS_PORTAL_DEMO_SAAS_URL", f"sqlite:///{portals['demo_saas']}")
        definitions = build_definitions()
        with dg.instance_for_test(overrides={"telemetry": {"enabled": False}}) as instance:
            return definitions.resolve_job_def("nps_pipeline").execute_in_process(
                instance=instance, raise_on_error=False, tags=tags
            )


def spoil_scores(portal: Path) -> None:
    """Most answers of the SaaS portal get a score no one can read: the GE check must fail."""
    with sqlite3.connect(portal) as connection:
        connection.execute("update survey_answers set rating = 'n/a' where rowid % 10 != 0")


@pytest.fixture(scope="module")
def serving_runs(pipeline_run, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("serving_runs")
    warehouse = folder / "warehouse.duckdb"
    serving = folder / "serving" / "nps.duckdb"
    shutil.copy(pipeline_run.warehouse, warehouse)
    serving.parent.mkdir()
    shutil.copy(pipeline_run.warehouse.parent / "serving" / "nps.duckdb", serving)
    try:
        database = create_postgres_database()
    except ServerUnavailableError as error:
        pytest.fail(str(error))
    result, stop = folder / "reader.json", folder / "reader.stop"
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("NPS_WAREHOUSE_PATH", str(warehouse))
            patch.setenv("NPS_EXPORT_DIR", str(folder / "exports"))
            patch.setenv("NPS_SERVING_PG_URL", database.url)
            patch.setenv("NPS_SERVING_PG_SCHEMA", PG_SCHEMA)

            reader = subprocess.Popen(
                [sys.executable, "-m", "tests.serving.bi_reader", serving, result, stop],
                cwd=PROJECT_ROOT,
            )
            try:
                time.sleep(2)  # the reader is well into its loop before the run starts
                good = run_job(folder, pipeline_run.portals)
                time.sleep(2)  # and reads the new version for a while after it
            finally:
                stop.touch()
                reader.wait(timeout=READER_TIMEOUT_SECONDS)
            before = published_state(serving, database)

            spoiled = folder / "spoiled_portals"
            shutil.copytree(pipeline_run.portals["demo_shop"].parent, spoiled)
            portals = {name: spoiled / path.name for name, path in pipeline_run.portals.items()}
            spoil_scores(portals["demo_saas"])
            failed = run_job(folder, portals, tags={"nps/full_refresh": "true"})
            after = published_state(serving, database)
        yield ServingRuns(
            folder,
            serving,
            database,
            good,
            json.loads(result.read_text()),
            before,
            failed,
            after,
        )
    finally:
        drop_postgres_database(database)


def materialized(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {event.asset_key for event in result.get_asset_materialization_events()}


def test_bi_reader_never_sees_an_error_or_a_partial_table_during_a_full_run(serving_runs):
    """A reader process querying the serving file in a loop across a whole run: no error at all.

    Every iteration found every table with the rows its publication records, and the
    reader saw the previous version and then the one the run published.
    """
    assert serving_runs.good.success
    assert set(SERVING_KEYS) <= materialized(serving_runs.good)
    reader = serving_runs.reader
    print(f"\nBI reader: {reader['iterations']} iterations in {reader['seconds']:.1f} s")
    assert reader["errors"] == []
    assert reader["iterations"] >= 50
    new = read_serving_publication(serving_runs.serving)
    assert new.run_id == serving_runs.good.run_id
    assert len(reader["publications_seen"]) == 2
    assert reader["publications_seen"][-1] == new.publication_id


def serving_table_rows(serving: Path, table: str) -> tuple[list[str], list[tuple]]:
    with duckdb.connect(str(serving), read_only=True) as connection:
        cursor = connection.execute(f"select * from {table}")
        return [column[0] for column in cursor.description], cursor.fetchall()


def test_postgres_publication_holds_the_same_rows_as_the_serving_file(serving_runs):
    """Every mart and the publication record, read back with psycopg2, equal the serving file."""
    publication = read_serving_publication(serving_runs.serving)
    database = serving_runs.database
    tables = {
        name
        for (name,) in postgres_rows(
            database,
            f"select table_name from information_schema.tables where table_schema = '{PG_SCHEMA}'",
        )
    }
    assert tables == {*publication.row_counts, "publication", "published_tables"}
    for table in publication.row_counts:
        columns, expected = serving_table_rows(serving_runs.serving, f"marts.{table}")
        quoted = ", ".join(f'"{column}"' for column in columns)
        actual = postgres_rows(database, f'select {quoted} from {PG_SCHEMA}."{table}"')
        assert len(actual) == publication.row_counts[table], table
        assert Counter(actual) == Counter(expected), table
    [(publication_id, run_id, *_)] = postgres_rows(
        database, f"select * from {PG_SCHEMA}.publication"
    )
    assert (publication_id, run_id) == (publication.publication_id, serving_runs.good.run_id)
    leftovers = postgres_rows(
        database,
        f"select nspname from pg_namespace where nspname like '{PG_SCHEMA}\\_\\_%'",
    )
    assert leftovers == []


def test_run_with_a_failing_blocking_check_leaves_the_previous_serving_version(serving_runs):
    """The blocking check fails, nothing downstream runs, and every published version stays.

    The serving file keeps its bytes and its record, PostgreSQL its publication and
    the Parquet link its version; the run never starts the dbt or serving steps.
    """
    failed = serving_runs.failed
    assert not failed.success
    [check] = [
        evaluation
        for evaluation in failed.get_asset_check_evaluations()
        if evaluation.check_name == "great_expectations_raw_survey_responses"
    ]
    assert not check.passed
    assert not set(SERVING_KEYS) & materialized(failed)
    # Dagster does not start a step whose inputs failed ("Dependencies ... failed. Not
    # executing."): neither dbt nor any serving step has a single event in the run.
    started = {event.step_key for event in failed.all_events if event.is_step_start}
    assert "raw__survey_responses" in started
    assert not {"nps_dbt_models", *(f"serving__{key.path[-1]}" for key in SERVING_KEYS)} & started
    assert serving_runs.after_failure == serving_runs.before_failure
    assert serving_runs.after_failure[1].run_id == serving_runs.good.run_id
