"""One pipeline run over the bad-input corpus, shared by the tests of this folder.

The raw-layer Great Expectations checks are blocking and fail on this corpus
by design (a quarter of its scores are broken), which would stop the dbt models
before anything is quarantined. ``SKIP_BLOCKING_RAW_CHECK`` decides how the
run gets past them:

- False (the default): the run executes ``nps_pipeline`` itself with
  ``CORPUS_RUN_ENVIRONMENT`` set, which raises the tolerated share of bad raw
  rows (``NPS_RAW_MAX_INVALID_SHARE``) so that the raw checks only warn. The
  share stays below 1: a share of 1 makes the tolerated expectations strict
  again, because the suite runner reads a ``mostly`` of 0 as unset.
- True: the run executes the ``nps_pipeline`` selection without the three
  blocking raw checks; everything else runs as in production.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.quality.bad_input_corpus import CorpusExpectation, write_bad_input_corpus

# See the module docstring.
SKIP_BLOCKING_RAW_CHECK = False
CORPUS_RUN_ENVIRONMENT: dict[str, str] = {"NPS_RAW_MAX_INVALID_SHARE": "0.99"}

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


def corpus_job(definitions: dg.Definitions) -> dg.JobDefinition:
    """The job the corpus runs: nps_pipeline, or its selection without the blocking raw checks."""
    if not SKIP_BLOCKING_RAW_CHECK:
        return definitions.resolve_job_def(JOB_NAME)
    raw_checks = [
        dg.AssetCheckKey(dg.AssetKey(["raw", entity]), f"great_expectations_raw_{entity}")
        for entity in RAW_CHECKED_ENTITIES
    ]
    job = dg.define_asset_job(
        name=f"{JOB_NAME}_without_raw_checks",
        selection=dg.AssetSelection.all() - dg.AssetSelection.checks(*raw_checks),
    )
    merged = dg.Definitions.merge(definitions, dg.Definitions(jobs=[job]))
    return merged.resolve_job_def(job.name)


@pytest.fixture(scope="session")
def bad_input_corpus(tmp_path_factory: pytest.TempPathFactory) -> CorpusExpectation:
    return write_bad_input_corpus(tmp_path_factory.mktemp("bad_input_portal"))


@pytest.fixture(scope="session")
def bad_input_run(
    bad_input_corpus: CorpusExpectation, tmp_path_factory: pytest.TempPathFactory
) -> CorpusRun:
    from orchestration.definitions import build_definitions

    warehouse = tmp_path_factory.mktemp("bad_input_warehouse") / "warehouse.duckdb"
    export_dir = warehouse.parent / "exports"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NPS_WAREHOUSE_PATH", str(warehouse))
        patch.setenv("NPS_EXPORT_DIR", str(export_dir))
        patch.setenv("NPS_PORTALS_CONFIG", str(bad_input_corpus.portals_config))
        patch.delenv(bad_input_corpus.url_env, raising=False)
        patch.delenv("NPS_SERVING_PG_URL", raising=False)
        for name, value in CORPUS_RUN_ENVIRONMENT.items():
            patch.setenv(name, value)
        started_at = datetime.now(UTC)
        job = corpus_job(build_definitions())
        with dg.instance_for_test(overrides={"telemetry": {"enabled": False}}) as instance:
            result = job.execute_in_process(instance=instance, raise_on_error=False)
    return CorpusRun(result, warehouse, export_dir, bad_input_corpus, started_at)
