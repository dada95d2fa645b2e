"""Fixtures for the serving tests: a small warehouse with a marts schema, built by hand."""

from pathlib import Path

import duckdb
import pytest


def write_marts(path: Path, responses: int) -> None:
    """A warehouse whose marts hold ``responses`` responses and their monthly NPS by portal."""
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema if not exists marts")
        connection.execute(
            "create or replace table marts.fct_survey_responses as "
            "select 'p' || (range % 2) as portal, 'r' || range as response_id, "
            "cast(date '2026-01-01' + cast(range % 90 as integer) as date) as response_date, "
            "cast(range % 11 as integer) as score "
            f"from range({responses})"
        )
        connection.execute(
            "create or replace table marts.nps_by_period as "
            "select 'month' as period_grain, cast(date_trunc('month', response_date) as date) "
            "as period_start, portal, count(*) as count_responses, "
            "100.0 * (count(*) filter (where score >= 9) - count(*) filter (where score <= 6)) "
            "/ count(*) as nps from marts.fct_survey_responses group by all"
        )
        connection.execute("create or replace view marts.a_view as select 1 as one")


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    write_marts(path, 1_000)
    return path
