"""The pipeline as it runs in production: a scheduled tick, a sensor, a backfill.

One warehouse and one Dagster instance with PostgreSQL storage (built from
deploy/dagster.yaml) go through a day in order: the schedule's tick loads the
portals for the first time, a portal edits a response and its sensor starts an
incremental run, and a backfill re-reads the days of an edit that an incremental
load cannot see. Each step's figures are compared with an independent
computation from the SQLite files (tests/reference_nps.py).
"""

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from orchestration.automation.jobs import WAREHOUSE_WRITER_TAG
from orchestration.automation.schedules import SCHEDULED_DATE_TAG
from orchestration.ingest.backfill import BACKFILL_FROM_TAG, BACKFILL_TO_TAG
from tests.automation.conftest import execute_run_request
from tests.ingest.servers import POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, SourceDatabase
from tests.reference_nps import classify_responses, read_demo_saas, read_demo_shop

SHOP_RESPONSES = "raw/demo_shop__survey_responses"


@dataclass
class Scenario:
    definitions: dg.Definitions
    instance: dg.DagsterInstance
    warehouse: Path
    portals: dict[str, Path]
    run_ids: list[str]

    def query(self, sql: str, parameters: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            return connection.execute(sql, parameters or []).fetchall()

    def execute(self, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
        result = execute_run_request(self.definitions, self.instance, request)
        self.run_ids.append(result.run_id)
        return result


@pytest.fixture(scope="module")
def scenario(
    demo_portals: dict[str, Path],
    postgres_instance: dg.DagsterInstance,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Scenario]:
    from orchestration.definitions import build_definitions

    folder = tmp_path_factory.mktemp("production_day")
    # The portals are edited below: work on copies, not the session's shared files.
    portals = {
        name: Path(shutil.copy(path, folder / path.name)) for name, path in demo_portals.items()
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NPS_WAREHOUSE_PATH", str(folder / "warehouse.duckdb"))
        patch.setenv("NPS_EXPORT_DIR", str(folder / "exports"))
        patch.setenv("NPS_PORTAL_DEMO_SHOP_URL", f"sqlite:///{portals['demo_shop']}")
        patch.setenv("NPS_PORTAL_DEMO_SAAS_URL", f"sqlite:///{portals['demo_saas']}")
        yield Scenario(
            build_definitions(), postgres_instance, folder / "warehouse.duckdb", portals, []
        )


def reference_overall(portals: dict[str, Path]) -> tuple[float, float]:
    """Overall NPS and quarantine share over both portals, from the SQLite files."""
    now = datetime.now(UTC)
    counted, quarantined = [], 0
    for portal in (read_demo_shop(portals["demo_shop"]), read_demo_saas(portals["demo_saas"])):
        portal_counted, reasons = classify_responses(portal, now)
        counted += portal_counted
        quarantined += sum(reasons.values())
    promoters = sum(response.score >= 9 for response in counted)
    detractors = sum(response.score <= 6 for response in counted)
    nps = 100 * (promoters - detractors) / len(counted)
    return nps, quarantined / (len(counted) + quarantined)


def materialization(result: dg.ExecuteInProcessResult, key: str) -> dict:
    [event] = [
        event
        for event in result.get_asset_materialization_events()
        if event.asset_key.to_user_string() == key
    ]
    return {name: value.value for name, value in event.materialization.metadata.items()}


def counted_response_with_score(portals: dict[str, Path], score: int, skip: set[str]) -> str:
    """A shop response that counts (per the reference rules) with this score."""
    counted, _ = classify_responses(read_demo_shop(portals["demo_shop"]), datetime.now(UTC))
    return next(r.response_id for r in counted if r.score == score and r.response_id not in skip)


def test_scheduled_tick_runs_the_whole_pipeline_in_the_reporting_time_zone(scenario):
    schedule = scenario.definitions.resolve_schedule_def("nps_daily")
    assert schedule.execution_timezone == "Europe/Berlin"
    tick_time = datetime(2026, 12, 3, 6, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    context = dg.build_schedule_context(
        instance=scenario.instance, scheduled_execution_time=tick_time
    )
    [request] = schedule.evaluate_tick(context).run_requests

    result = scenario.execute(request)

    assert result.success
    run = scenario.instance.get_run_by_id(result.run_id)
    assert run.tags[SCHEDULED_DATE_TAG] == "2026-12-03"
    assert run.tags[WAREHOUSE_WRITER_TAG] == "duckdb"
    assert materialization(result, SHOP_RESPONSES)["load_mode"] == "full"
    nps, share_quarantined = reference_overall(scenario.portals)
    figures = materialization(result, "marts/fct_survey_responses")
    assert figures["overall_nps"] == pytest.approx(nps, abs=1e-3)
    assert figures["share_quarantined"] == pytest.approx(share_quarantined, abs=1e-5)
    (counted,) = scenario.query("select count(*) from marts.fct_survey_responses")[0]
    assert figures["dagster/row_count"] == counted
    export = materialization(result, "exports/monthly_nps_by_portal")
    assert Path(export["csv"]).exists()


def test_portal_sensor_starts_an_incremental_run_when_a_response_is_edited(scenario):
    sensor = scenario.definitions.resolve_sensor_def("demo_shop_changes")

    def tick(cursor: str | None):
        context = dg.build_sensor_context(
            instance=scenario.instance, cursor=cursor, definitions=scenario.definitions
        )
        return sensor.evaluate_tick(context)

    first = tick(None)  # no cursor yet: the sensor records what it sees
    assert first.cursor
    quiet = tick(first.cursor)
    assert not quiet.run_requests
    assert quiet.skip_message

    response_id = counted_response_with_score(scenario.portals, 10, skip=set())
    edited_at = datetime.now(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M:%S")
    with sqlite3.connect(scenario.portals["demo_shop"]) as connection:
        connection.execute(
            "update nps_responses set score = 2, modified_at = ? where id = ?",
            [edited_at, int(response_id)],
        )
    moved = tick(quiet.cursor or first.cursor)
    [request] = moved.run_requests
    selected = {key.to_user_string() for key in request.asset_selection}
    assert SHOP_RESPONSES in selected
    assert "marts/nps_by_period" in selected
    assert not any(key.startswith("raw/demo_saas__") for key in selected)

    result = scenario.execute(request)

    assert result.success
    load = materialization(result, SHOP_RESPONSES)
    assert load["load_mode"] == "incremental"
    # The overlap window re-reads the last hour before the old watermark; far fewer
    # rows than the table holds, and the edited row among them.
    (source_rows,) = (
        sqlite3.connect(scenario.portals["demo_shop"])
        .execute("select count(*) from nps_responses")
        .fetchone()
    )
    assert 1 <= load["rows_read"] < source_rows / 10
    assert scenario.query(
        "select score from marts.fct_survey_responses where portal = 'demo_shop' "
        "and response_id = ?",
        [response_id],
    ) == [(2,)]
    nps, _ = reference_overall(scenario.portals)
    assert materialization(result, "marts/fct_survey_responses")["overall_nps"] == pytest.approx(
        nps, abs=1e-3
    )


def test_backfill_rereads_the_rows_updated_in_a_date_range(scenario):
    # An edit that keeps its old updated_at (a portal that writes late, or a fix made
    # directly in its database): no incremental load reads it again.
    response_id = counted_response_with_score(scenario.portals, 9, skip=set())
    with sqlite3.connect(scenario.portals["demo_shop"]) as connection:
        (modified_at,) = connection.execute(
            "select modified_at from nps_responses where id = ?", [int(response_id)]
        ).fetchone()
        connection.execute("update nps_responses set score = 0 where id = ?", [int(response_id)])
        day = modified_at[:10]
        (rows_that_day,) = connection.execute(
            "select count(*) from nps_responses where substr(modified_at, 1, 10) = ?", [day]
        ).fetchone()
    watermark_before = scenario.query(
        "select watermark from raw._ingest_state where portal = 'demo_shop' "
        "and entity = 'survey_responses'"
    )

    # What `dagster job execute ... --tags '{"nps/backfill_from": ..., "nps/backfill_to": ...}'`
    # and the launchpad's tags do.
    result = scenario.execute(dg.RunRequest(tags={BACKFILL_FROM_TAG: day, BACKFILL_TO_TAG: day}))

    assert result.success
    load = materialization(result, SHOP_RESPONSES)
    assert load["load_mode"] == "backfill"
    assert load["rows_read"] == rows_that_day
    assert load["rows_merged"] == 1  # only the edited row differs from what was stored
    assert (
        scenario.query(
            "select watermark from raw._ingest_state where portal = 'demo_shop' "
            "and entity = 'survey_responses'"
        )
        == watermark_before
    )
    assert scenario.query(
        "select score from marts.fct_survey_responses where portal = 'demo_shop' "
        "and response_id = ?",
        [response_id],
    ) == [(0,)]
    nps, _ = reference_overall(scenario.portals)
    assert materialization(result, "marts/nps_by_period")["overall_nps"] == pytest.approx(
        nps, abs=1e-3
    )


def test_marts_freshness_checks_pass_after_the_runs(scenario):
    graph = scenario.definitions.resolve_asset_graph()
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    checks = [
        key
        for key in graph.asset_check_keys
        if key.asset_key.path[0] == "marts" and "freshness" in key.name
    ]
    assert {check.asset_key for check in checks} == marts
    job = scenario.definitions.resolve_implicit_global_asset_job_def().get_subset(
        asset_selection=set(), asset_check_selection=set(checks)
    )
    result = job.execute_in_process(instance=scenario.instance)
    scenario.run_ids.append(result.run_id)
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == len(checks)
    assert all(evaluation.passed for evaluation in evaluations)


def test_runs_are_stored_in_postgresql(scenario, dagster_storage_database: SourceDatabase):
    """The same definitions ran with the production instance: its history is in PostgreSQL."""
    assert scenario.run_ids, "the scenario's runs came first"
    psql = [
        "psql", "-h", POSTGRES_HOST, "-p", str(POSTGRES_PORT), "-U", POSTGRES_USER,
        "-d", dagster_storage_database.name, "-A", "-t", "-F", ",",
    ]  # fmt: skip
    stored = subprocess.run(
        [*psql, "-c", "select run_id, status from runs"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert sorted(stored) == sorted(f"{run_id},SUCCESS" for run_id in scenario.run_ids)
    materializations = subprocess.run(
        [*psql, "-c", "select count(*) from event_logs where dagster_event_type = "
         "'ASSET_MATERIALIZATION' and asset_key like '%fct_survey_responses%'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert int(materializations) == 3  # the schedule's, the sensor's and the backfill's run
    assert type(scenario.instance.run_storage).__name__ == "PostgresRunStorage"
    # The portal loads claimed slots of their portal's pool, limited to one by the file.
    for portal in ("demo_shop", "demo_saas"):
        pool = scenario.instance.event_log_storage.get_concurrency_info(f"portal_{portal}")
        assert pool.slot_count == 1
