"""Pipeline runs over the bad-input corpus, shared by the tests of this folder.

The corpus holds far more bad raw rows than the tolerated share, so with the
default settings the blocking raw checks fail and stop the dbt models:
``bad_input_blocked_run`` is that run. ``bad_input_run`` tolerates every share
(``NPS_RAW_MAX_INVALID_SHARE=1``), so the raw checks only warn and the run goes
through to the marts, where every bad row must be quarantined with its reason.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.quality.bad_input_corpus import CorpusExpectation, write_bad_input_corpus

# The corpus's responses end in July 2026; judge freshness and volume on 1 August.
CORPUS_QUALITY_AS_OF = "2026-08-01T06:00:00+00:00"
TOLERANT_ENVIRONMENT: dict[str, str] = {"NPS_RAW_MAX_INVALID_SHARE": "1"}

RAW_CHECK_NAME = "great_expectations_raw_survey_responses"
# The canonical raw tables whose Great Expectations check blocks the models.
RAW_CHECKED_ENTITIES = ("survey_responses", "survey_invitations", "customers")
JOB_NAME = "nps_pipeline"


@dataclass(frozen=True)
class CorpusRun:
    result: dg.ExecuteInProcessResult
    warehouse: Path
    export_dir: Path
    expectation: CorpusExpectation
    started_at: datetime

    def query(self, sql: str, parameters: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            return connection.execute(sql, parameters or []).fetchall()


@pytest.fixture(scope="session")
def bad_input_corpus(tmp_path_factory: pytest.TempPathFactory) -> CorpusExpectation:
    return write_bad_input_corpus(tmp_path_factory.mktemp("bad_input_portal"))


def run_corpus(corpus: CorpusExpectation, folder: Path, environment: dict[str, str]) -> CorpusRun:
    from orchestration.definitions import build_definitions

    warehouse = folder / "warehouse.duckdb"
    export_dir = folder / "exports"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NPS_WAREHOUSE_PATH", str(warehouse))
        patch.setenv("NPS_EXPORT_DIR", str(export_dir))
        patch.setenv("NPS_PORTALS_CONFIG", str(corpus.portals_config))
        patch.setenv("NPS_QUALITY_AS_OF", CORPUS_QUALITY_AS_OF)
        patch.delenv(corpus.url_env, raising=False)
        patch.delenv("NPS_SERVING_PG_URL", raising=False)
        patch.delenv("NPS_RAW_MAX_INVALID_SHARE", raising=False)
        for name, value in environment.items():
            patch.setenv(name, value)
        started_at = datetime.now(UTC)
        job = build_definitions().resolve_job_def(JOB_NAME)
        with dg.instance_for_test(overrides={"telemetry": {"enabled": False}}) as instance:
            result = job.execute_in_process(instance=instance, raise_on_error=False)
    return CorpusRun(result, warehouse, export_dir, corpus, started_at)


@pytest.fixture(scope="session")
def bad_input_run(
    bad_input_corpus: CorpusExpectation, tmp_path_factory: pytest.TempPathFactory
) -> CorpusRun:
    """The corpus with every share of bad raw rows tolerated: the run reaches the marts."""
    return run_corpus(
        bad_input_corpus, tmp_path_factory.mktemp("bad_input_tolerant"), TOLERANT_ENVIRONMENT
    )


@pytest.fixture(scope="session")
def bad_input_blocked_run(
    bad_input_corpus: CorpusExpectation, tmp_path_factory: pytest.TempPathFactory
) -> CorpusRun:
    """The corpus with the default settings: the blocking raw checks fail."""
    return run_corpus(bad_input_corpus, tmp_path_factory.mktemp("bad_input_default"), {})
