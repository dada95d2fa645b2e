"""The backfill from the command line, run exactly as the README documents it.

The portals are loaded once, then two responses per portal are edited behind
the portal's back (their ``updated_at`` is left alone, so no incremental load
would see the change): one updated inside the README's backfill range, one
outside it. The README's ``dagster job execute ... --tags`` command then runs
as a subprocess with a throw-away DAGSTER_HOME and warehouse, and what it read
and merged is compared with the source files (tests/reference_nps.py).
"""

import json
import os
import shlex
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.ingest.backfill import BACKFILL_FROM_TAG, BACKFILL_TO_TAG
from orchestration.settings import PROJECT_ROOT
from tests.conftest import TEST_QUALITY_AS_OF
from tests.reference_nps import classify_responses, read_demo_saas, read_demo_shop

pytestmark = pytest.mark.integration

# Each portal table that maps updated_at, with its source table, key and updated_at column.
INCREMENTAL_TABLES = {
    ("demo_shop", "survey_responses"): ("nps_responses", "id", "modified_at"),
    ("demo_shop", "detractor_followups"): ("detractor_cases", "id", "modified_at"),
    ("demo_saas", "survey_responses"): ("survey_answers", "answer_uuid", "last_modified"),
    ("demo_saas", "detractor_followups"): ("followup_tasks", "task_uuid", "updated_at"),
}
READERS = {"demo_shop": read_demo_shop, "demo_saas": read_demo_saas}
CLI_TIMEOUT_SECONDS = 900


def documented_backfill_command() -> list[str]:
    """The command of the README's "Backfill a date range" paragraph, as argv."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme[readme.index("**Backfill a date range.**") :]
    block = section[section.index("```sh\n") + len("```sh\n") :]
    block = block[: block.index("```")]
    return shlex.split(block.replace("\\\n", " "))


def backfill_tags(command: list[str]) -> dict[str, str]:
    return json.loads(command[command.index("--tags") + 1])


def updated_day(value: str) -> date:
    """The calendar day of a portal's updated_at, in its own notation (local or UTC)."""
    return date.fromisoformat(value.strip()[:10])


def edit_score_quietly(path: Path, portal: str, response_id: str, score: int) -> None:
    """Changes a score and leaves updated_at alone, as a fix made in the database would."""
    table, key, _ = INCREMENTAL_TABLES[portal, "survey_responses"]
    column = {"demo_shop": "score", "demo_saas": "rating"}[portal]
    value = score if portal == "demo_shop" else str(score)
    with sqlite3.connect(path) as connection:
        changed = connection.execute(
            f"update {table} set {column} = ? where {key} = ?",
            [value, int(response_id) if portal == "demo_shop" else response_id],
        ).rowcount
    assert changed == 1


def pick_promoter(path: Path, portal: str, days: set[date]) -> tuple[str, int]:
    """A counted promoter (per the reference) updated on one of ``days``: its id and score."""
    table, key, updated = INCREMENTAL_TABLES[portal, "survey_responses"]
    with sqlite3.connect(path) as connection:
        updated_at = {
            str(k): v for k, v in connection.execute(f"select {key}, {updated} from {table}")
        }
    counted, _ = classify_responses(READERS[portal](path), datetime.now(UTC))
    for response in sorted(counted, key=lambda r: r.response_id):
        if response.score >= 9 and updated_day(updated_at[response.response_id]) in days:
            return response.response_id, response.score
    raise AssertionError(f"no counted promoter of {portal} updated on {sorted(days)}")


def source_rows_updated(path: Path, portal: str, entity: str, first: date, last: date) -> int:
    table, _, updated = INCREMENTAL_TABLES[portal, entity]
    with sqlite3.connect(path) as connection:
        values = [value for (value,) in connection.execute(f"select {updated} from {table}")]
    return sum(value is not None and first <= updated_day(value) <= last for value in values)


def ingest_state(warehouse: Path) -> dict[tuple[str, str], tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select portal, entity, watermark, mode, rows_read, rows_merged from raw._ingest_state"
        ).fetchall()
    return {(portal, entity): tuple(rest) for portal, entity, *rest in rows}


@dataclass
class Backfill:
    command: list[str]
    completed: subprocess.CompletedProcess
    home: Path
    warehouse: Path
    portals: dict[str, Path]
    first_day: date
    last_day: date
    state_before: dict[tuple[str, str], tuple]
    # portal -> (response id, score before the edit) of the edited promoters, whose rows
    # were updated within the days and on the day next to them
    edits_inside: dict[str, tuple[str, int]]
    edits_outside: dict[str, tuple[str, int]]

    def query(self, sql: str, parameters: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            return connection.execute(sql, parameters or []).fetchall()


def first_load(environment: dict[str, str]) -> None:
    """Loads every portal table once, in this process, so that the backfill has a base."""
    from orchestration.definitions import build_definitions

    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("NPS_")]:
            patch.delenv(name)
        for name, value in environment.items():
            if name.startswith("NPS_"):
                patch.setenv(name, value)
        definitions = build_definitions()
        portal_tables = [
            key
            for key in definitions.resolve_asset_graph().get_all_asset_keys()
            if key.path[0] == "raw" and "__" in key.path[-1]
        ]
        with dg.instance_for_test(overrides={"telemetry": {"enabled": False}}) as instance:
            result = definitions.resolve_job_def("nps_pipeline").execute_in_process(
                instance=instance, asset_selection=portal_tables, raise_on_error=False
            )
    assert result.success
    assert len(portal_tables) == 8


@pytest.fixture(scope="module")
def backfill(demo_portals: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Backfill:
    folder = tmp_path_factory.mktemp("backfill_cli")
    # The portals are edited below: work on copies, not the session's shared files.
    portals = {
        name: Path(shutil.copy(path, folder / path.name)) for name, path in demo_portals.items()
    }
    home = folder / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    warehouse = folder / "warehouse.duckdb"
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("NPS_")},
        "PATH": f"{PROJECT_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "DAGSTER_HOME": str(home),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
        "NPS_WAREHOUSE_PATH": str(warehouse),
        "NPS_EXPORT_DIR": str(folder / "exports"),
        "NPS_QUALITY_AS_OF": TEST_QUALITY_AS_OF,
        "NPS_PORTAL_DEMO_SHOP_URL": f"sqlite:///{portals['demo_shop']}",
        "NPS_PORTAL_DEMO_SAAS_URL": f"sqlite:///{portals['demo_saas']}",
    }
    first_load(environment)
    state_before = ingest_state(warehouse)

    command = documented_backfill_command()
    tags = backfill_tags(command)
    first_day = date.fromisoformat(tags[BACKFILL_FROM_TAG])
    last_day = date.fromisoformat(tags[BACKFILL_TO_TAG])
    inside = {first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)}
    # Just outside either end: the day before the first (SaaS) and after the last (shop).
    outside = {
        "demo_shop": last_day + timedelta(days=1),
        "demo_saas": first_day - timedelta(days=1),
    }
    edits_inside, edits_outside = {}, {}
    for portal, path in portals.items():
        edits_inside[portal] = pick_promoter(path, portal, inside)
        edits_outside[portal] = pick_promoter(path, portal, {outside[portal]})
        for response_id, _ in (edits_inside[portal], edits_outside[portal]):
            edit_score_quietly(path, portal, response_id, 0)

    assert command[0] == ".venv/bin/dagster"
    completed = subprocess.run(
        [str(PROJECT_ROOT / command[0]), *command[1:]],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )
    return Backfill(
        command,
        completed,
        home,
        warehouse,
        portals,
        first_day,
        last_day,
        state_before,
        edits_inside,
        edits_outside,
    )


def test_documented_backfill_command_runs_the_pipeline_successfully(backfill):
    """The README's command exits 0 and its run, tagged with the days, succeeded."""
    output = backfill.completed.stdout[-3000:] + backfill.completed.stderr[-3000:]
    assert backfill.completed.returncode == 0, output
    assert backfill.command[1:5] == ["job", "execute", "-m", "orchestration.definitions"]
    with dg.DagsterInstance.from_config(str(backfill.home)) as instance:
        [run] = instance.get_runs()
        assert run.job_name == "nps_pipeline"
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags[BACKFILL_FROM_TAG] == backfill.first_day.isoformat()
        assert run.tags[BACKFILL_TO_TAG] == backfill.last_day.isoformat()
        days = f"{backfill.first_day.isoformat()} to {backfill.last_day.isoformat()}"
        for portal, entity in INCREMENTAL_TABLES:
            event = instance.get_latest_materialization_event(
                dg.AssetKey(["raw", f"{portal}__{entity}"])
            )
            assert event.run_id == run.run_id
            metadata = {
                name: value.value for name, value in event.asset_materialization.metadata.items()
            }
            assert metadata["load_mode"] == "backfill", (portal, entity)
            assert days in metadata["load_reason"], (portal, entity)
        fct = instance.get_latest_materialization_event(
            dg.AssetKey(["marts", "fct_survey_responses"])
        )
        assert fct.run_id == run.run_id


def test_backfill_reads_exactly_the_rows_updated_on_the_days_and_keeps_the_watermark(backfill):
    """Per portal table: every source row updated within the days, both ends included.

    Only the edited response differs from what was stored, so it alone is merged.
    """
    state = ingest_state(backfill.warehouse)
    for (portal, entity), (watermark, mode, rows_read, rows_merged) in (
        (key, state[key]) for key in INCREMENTAL_TABLES
    ):
        expected_read = source_rows_updated(
            backfill.portals[portal], portal, entity, backfill.first_day, backfill.last_day
        )
        assert expected_read > 0, (portal, entity)
        assert (mode, rows_read) == ("backfill", expected_read), (portal, entity)
        assert rows_merged == (1 if entity == "survey_responses" else 0), (portal, entity)
        assert watermark == backfill.state_before[portal, entity][0], (portal, entity)


def test_backfill_applies_the_edit_inside_the_days_and_not_the_one_outside(backfill):
    """Every counted response with the score the source holds after the edits, except one.

    The edit whose row was updated the day before or after the range is not read,
    so that response keeps its old score in the marts.
    """
    now = datetime.now(UTC)
    expected = {}
    for portal, path in backfill.portals.items():
        for response in classify_responses(READERS[portal](path), now)[0]:
            expected[portal, response.response_id] = response.score
        inside_id, _ = backfill.edits_inside[portal]
        assert expected[portal, inside_id] == 0
        outside_id, old_score = backfill.edits_outside[portal]
        assert expected[portal, outside_id] == 0
        expected[portal, outside_id] = old_score
    rows = backfill.query("select portal, response_id, score from marts.fct_survey_responses")
    assert len(rows) == len(expected)
    assert {(portal, response_id): score for portal, response_id, score in rows} == expected
