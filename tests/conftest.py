"""Shared fixtures: a small demo portal pair and one pipeline run over it.

The pipeline fixture runs the real Dagster job (ingest, Great Expectations
check, dbt build) against a real DuckDB file in a temporary folder; tests then
read the warehouse and compare it with the source files.
"""

import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.demo.generator import DemoOptions, generate_demo_portals
from orchestration.resources import dbt_executable
from orchestration.settings import DBT_PROJECT_DIR

# Small enough for a quick run, large enough that every defect kind occurs.
TEST_DEMO_OPTIONS = DemoOptions(seed=20261203, responses=6_000)
# The demo data ends on 2026-11-30; its freshness and volume are judged the next morning.
TEST_QUALITY_AS_OF = "2026-12-01T06:00:00+01:00"


@dataclass(frozen=True)
class PipelineRun:
    result: dg.ExecuteInProcessResult
    warehouse: Path
    portals: dict[str, Path]
    started_at: datetime

    def query(self, sql: str, parameters: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            return connection.execute(sql, parameters or []).fetchall()


@pytest.fixture(scope="session")
def demo_portals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate_demo_portals(tmp_path_factory.mktemp("portals"), TEST_DEMO_OPTIONS)


@pytest.fixture(scope="session")
def pipeline_run(
    demo_portals: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> PipelineRun:
    from orchestration.definitions import build_definitions

    warehouse = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NPS_WAREHOUSE_PATH", str(warehouse))
        patch.setenv("NPS_EXPORT_DIR", str(warehouse.parent / "exports"))
        patch.setenv("NPS_QUALITY_AS_OF", TEST_QUALITY_AS_OF)
        patch.setenv("NPS_PORTAL_DEMO_SHOP_URL", f"sqlite:///{demo_portals['demo_shop']}")
        patch.setenv("NPS_PORTAL_DEMO_SAAS_URL", f"sqlite:///{demo_portals['demo_saas']}")
        started_at = datetime.now(UTC)
        definitions = build_definitions()
        with dg.instance_for_test(overrides={"telemetry": {"enabled": False}}) as instance:
            result = definitions.resolve_job_def("nps_pipeline").execute_in_process(
                instance=instance, raise_on_error=False
            )
    return PipelineRun(result, warehouse, demo_portals, started_at)


def run_dbt(
    arguments: list[str], warehouse: Path, target_dir: Path, **environment: str
) -> subprocess.CompletedProcess:
    """Runs the dbt CLI against ``warehouse``, writing its artifacts to ``target_dir``."""
    return subprocess.run(
        [dbt_executable(), *arguments, "--profiles-dir", "."],
        cwd=DBT_PROJECT_DIR,
        env={
            **os.environ,
            "NPS_WAREHOUSE_PATH": str(warehouse),
            "DBT_TARGET_PATH": str(target_dir),
            "DBT_LOG_PATH": str(target_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            **environment,
        },
        capture_output=True,
        text=True,
        check=False,
    )
