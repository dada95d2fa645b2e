"""The dbt project builds and tests on PostgreSQL too, with the same mart contents as on DuckDB.

The raw layer of the end-to-end DuckDB run is copied into a fresh PostgreSQL
database on 127.0.0.1, `dbt build --target postgres` runs on it, and every
mart is compared row by row with the DuckDB warehouse.
"""

import datetime as dt
import json
import math
import os
import uuid
from decimal import Decimal

import duckdb
import psycopg2
import pytest
from psycopg2 import sql
from psycopg2.extras import execute_values

from tests.conftest import run_dbt

pytestmark = pytest.mark.integration

PG_HOST = os.environ.get("NPS_PG_HOST", "127.0.0.1")
PG_USER = os.environ.get("NPS_PG_USER", "postgres")
RAW_TABLES = (
    "portals",
    "customers",
    "survey_invitations",
    "survey_responses",
    "detractor_followups",
)
MARTS = (
    "fct_survey_responses",
    "fct_survey_invitations",
    "quarantined_survey_responses",
    "nps_by_period",
    "nps_rolling",
    "comment_themes",
    "nps_theme_impact",
    "detractor_followups",
    "customer_nps_movements",
    "repeat_respondent_movements",
)


def _run_admin_statement(statement: sql.Composable) -> None:
    """CREATE and DROP DATABASE need autocommit, outside psycopg2's `with` transaction."""
    connection = psycopg2.connect(host=PG_HOST, user=PG_USER, dbname="postgres")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def _copy_raw_layer(warehouse, database: str) -> None:
    with (
        duckdb.connect(str(warehouse), read_only=True) as source,
        psycopg2.connect(host=PG_HOST, user=PG_USER, dbname=database) as target,
        target.cursor() as cursor,
    ):
        cursor.execute("create schema raw")
        for table in RAW_TABLES:
            columns = source.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            definitions = sql.SQL(", ").join(
                sql.SQL("{} {}").format(
                    sql.Identifier(name),
                    sql.SQL("timestamp" if kind == "TIMESTAMP" else "text"),
                )
                for name, kind in columns
            )
            cursor.execute(
                sql.SQL("create table raw.{} ({})").format(sql.Identifier(table), definitions)
            )
            rows = source.execute(f"select * from raw.{table}").fetchall()
            execute_values(
                cursor,
                sql.SQL("insert into raw.{} values %s")
                .format(sql.Identifier(table))
                .as_string(cursor),
                rows,
                page_size=5000,
            )


def _normalise(value):
    """Values of both engines on one footing: floats rounded, Decimals as floats."""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 9)
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0)
    return value


def _sorted_rows(rows) -> list[tuple]:
    normalised = [tuple(_normalise(value) for value in row) for row in rows]
    return sorted(normalised, key=lambda row: tuple((value is None, str(value)) for value in row))


@pytest.fixture(scope="module")
def postgres_build(pipeline_run, tmp_path_factory):
    """A PostgreSQL database built by dbt from the end-to-end run's raw layer."""
    database = f"nps_test_{uuid.uuid4().hex[:12]}"
    _run_admin_statement(sql.SQL("create database {}").format(sql.Identifier(database)))
    try:
        _copy_raw_layer(pipeline_run.warehouse, database)
        target = tmp_path_factory.mktemp("dbt_postgres_target")
        completed = run_dbt(
            ["build"],
            pipeline_run.warehouse,
            target,
            NPS_DBT_TARGET="postgres",
            NPS_PG_DATABASE=database,
        )
        results = json.loads((target / "run_results.json").read_text())["results"]
        yield database, completed, results
    finally:
        _run_admin_statement(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database))
        )


def test_dbt_build_passes_on_postgres(postgres_build):
    """Every model, data test and unit test succeeds on the PostgreSQL target."""
    _, completed, results = postgres_build
    failed = [r["unique_id"] for r in results if r["status"] not in ("success", "pass")]
    assert failed == [], completed.stdout[-3000:]
    assert completed.returncode == 0
    assert any(r["unique_id"].startswith("unit_test.") for r in results)


@pytest.mark.parametrize("mart", MARTS)
def test_mart_contents_are_identical_on_duckdb_and_postgres(pipeline_run, postgres_build, mart):
    """The same rows, column by column, in both engines (floats to nine decimals)."""
    database, _, _ = postgres_build
    with duckdb.connect(str(pipeline_run.warehouse), read_only=True) as duck:
        cursor = duck.execute(f"select * from marts.{mart}")
        duck_columns = [column[0] for column in cursor.description]
        duck_rows = cursor.fetchall()
    with psycopg2.connect(host=PG_HOST, user=PG_USER, dbname=database) as pg, pg.cursor() as cur:
        cur.execute(
            sql.SQL("select {} from marts.{}").format(
                sql.SQL(", ").join(sql.Identifier(column) for column in duck_columns),
                sql.Identifier(mart),
            )
        )
        pg_rows = cur.fetchall()
    assert len(duck_rows) > 0
    assert _sorted_rows(pg_rows) == _sorted_rows(duck_rows)
