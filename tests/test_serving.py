"""End to end: what the pipeline run publishes for BI users, checked against its sources.

The serving file against the warehouse it was copied from, the Parquet export
against the serving file, `mf query` against nps_by_period, and the report's
figures against tests/reference_nps.py, which computes them from the SQLite files.
"""

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.serving.parquet import LINK_NAME, MANIFEST_NAME
from orchestration.serving.publish import read_serving_publication
from orchestration.settings import DBT_PROJECT_DIR
from tests.reference_nps import classify_responses, nps_cells, read_demo_saas, read_demo_shop

pytestmark = pytest.mark.integration

# The mf installed beside this interpreter: the tests run without an activated venv.
MF = Path(sys.executable).parent / "mf"


def serving_file(pipeline_run) -> Path:
    return pipeline_run.warehouse.parent / "serving" / "nps.duckdb"


def export_dir(pipeline_run) -> Path:
    return pipeline_run.warehouse.parent / "exports"


def mart_tables(connection: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
    ]


def test_pipeline_run_publishes_every_mart_with_its_run_and_row_counts(pipeline_run):
    """The serving file holds each mart whole, and records the run that built it."""
    publication = read_serving_publication(serving_file(pipeline_run))
    assert publication is not None
    assert publication.run_id == pipeline_run.result.run_id
    assert publication.built_at >= pipeline_run.started_at.replace(tzinfo=None)
    assert publication.source_warehouse == str(pipeline_run.warehouse)
    with duckdb.connect(str(pipeline_run.warehouse), read_only=True) as warehouse:
        tables = mart_tables(warehouse)
        expected = {
            table: warehouse.execute(f"select count(*) from marts.{table}").fetchone()[0]
            for table in tables
        }
    assert {"fct_survey_responses", "nps_by_period", "nps_theme_impact"} <= set(tables)
    assert publication.row_counts == expected
    with duckdb.connect(str(serving_file(pipeline_run)), read_only=True) as serving:
        assert mart_tables(serving) == tables
        for table, rows in expected.items():
            assert serving.execute(f"select count(*) from marts.{table}").fetchone()[0] == rows


def test_parquet_export_holds_the_same_rows_as_the_serving_file(pipeline_run):
    """Every mart's Parquet folder, read back, equals the serving table row for row."""
    link = export_dir(pipeline_run) / LINK_NAME
    manifest = json.loads((link / MANIFEST_NAME).read_text())
    publication = read_serving_publication(serving_file(pipeline_run))
    assert manifest["publication_id"] == publication.publication_id
    assert manifest["run_id"] == pipeline_run.result.run_id
    assert (link / "nps_by_period" / "period_grain=month").is_dir()
    assert any((link / "fct_survey_responses").glob("response_month=2026-*"))
    with duckdb.connect(str(serving_file(pipeline_run)), read_only=True) as serving:
        assert sorted(manifest["tables"]) == mart_tables(serving)
        for table, entry in manifest["tables"].items():
            columns = ", ".join(
                column["name"]
                for column in entry["columns"]
                if column["name"] not in entry["derived_columns"]
            )
            files = f"'{link}/{entry['path']}**/*.parquet'"
            parquet = f"select {columns} from read_parquet({files}, hive_partitioning = false)"
            stored = f"select {columns} from marts.{table}"
            assert entry["rows"] == publication.row_counts[table], table
            for left, right in ((parquet, stored), (stored, parquet)):
                (missing,) = serving.execute(
                    f"select count(*) from ({left} except all {right})"
                ).fetchone()
                assert missing == 0, table
            (rows,) = serving.execute(f"select count(*) from ({parquet})").fetchone()
            assert rows == entry["rows"], table


def run_mf(arguments: list[str], pipeline_run, output: Path) -> list[dict]:
    """`mf query` against the serving file through the read-only dbt target, as CSV rows."""
    completed = subprocess.run(
        [str(MF), "query", *arguments, "--csv", str(output)],
        cwd=DBT_PROJECT_DIR,
        env={
            **os.environ,
            "NPS_DBT_TARGET": "serving",
            "NPS_SERVING_PATH": str(serving_file(pipeline_run)),
            "NPS_WAREHOUSE_PATH": str(pipeline_run.warehouse),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    with output.open() as file:
        return list(csv.DictReader(file))


def test_mf_query_nps_by_month_and_portal_equals_nps_by_period(pipeline_run, tmp_path):
    """The semantic layer's NPS, counts and response rate agree with the mart, cell by cell."""
    rows = run_mf(
        [
            "--metrics",
            "nps,count_responses,count_promoters,count_detractors",
            "--group-by",
            "metric_time__month,response__portal",
        ],
        pipeline_run,
        tmp_path / "nps.csv",
    )
    semantic = {
        (date.fromisoformat(row["metric_time__month"][:10]), row["response__portal"]): row
        for row in rows
    }
    mart = {
        (start, portal): values
        for start, portal, *values in pipeline_run.query(
            "select period_start, portal, nps, count_responses, count_promoters, "
            "count_detractors, response_rate from marts.nps_by_period "
            "where period_grain = 'month' and portal != 'all' and touchpoint = 'all' "
            "and channel = 'all' and customer_segment = 'all' and region = 'all' "
            "and count_responses > 0"
        )
    }
    assert set(semantic) == set(mart)
    assert len(mart) >= 20
    for key, (nps, responses, promoters, detractors, _) in mart.items():
        row = semantic[key]
        assert float(row["nps"]) == pytest.approx(nps, abs=1e-9), key
        assert (int(row["count_responses"]), int(row["count_promoters"])) == (responses, promoters)
        assert int(row["count_detractors"]) == detractors, key

    rates = run_mf(
        ["--metrics", "response_rate", "--group-by", "metric_time__month,invitation__portal"],
        pipeline_run,
        tmp_path / "rate.csv",
    )
    by_month = {
        (date.fromisoformat(row["metric_time__month"][:10]), row["invitation__portal"]): row
        for row in rates
    }
    for key, (*_, response_rate) in mart.items():
        assert float(by_month[key]["response_rate"]) == pytest.approx(response_rate, abs=1e-9)


def test_report_is_self_contained_and_shows_the_independent_monthly_nps(pipeline_run):
    """No URL in the file; the latest month's NPS per portal is the one computed from the source."""
    report = export_dir(pipeline_run) / "nps_report.html"
    html = report.read_text()
    assert "http" not in html
    assert "<script" not in html
    now = datetime.now(UTC)
    counted = [
        response
        for portal in (
            read_demo_shop(pipeline_run.portals["demo_shop"]),
            read_demo_saas(pipeline_run.portals["demo_saas"]),
        )
        for response in classify_responses(portal, now)[0]
    ]
    cells = nps_cells(counted, [], "month", ("portal",))
    for portal in ("demo_shop", "demo_saas"):
        month = max(key[0] for key in cells if key[1] == portal)
        cell = cells[(month, portal)]
        expected_row = (
            f"<tr><td>{portal}</td><td>{month:%B %Y}</td>"
            f"<td class='number'>{cell.count_responses:,}</td>"
            f"<td class='number'>{cell.nps:+.1f}</td>"
        )
        assert expected_row in html
