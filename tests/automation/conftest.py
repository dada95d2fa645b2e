"""Fixtures for the orchestration tests: a Dagster instance whose storage is PostgreSQL.

The instance is built from deploy/dagster.yaml, the documented production
configuration, against a uniquely named database on the local PostgreSQL server
that is dropped afterwards.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from orchestration.settings import PROJECT_ROOT
from tests.ingest.servers import (
    POSTGRES_HOST,
    POSTGRES_PORT,
    POSTGRES_USER,
    ServerUnavailableError,
    SourceDatabase,
    create_postgres_database,
    drop_postgres_database,
)

PRODUCTION_INSTANCE_CONFIG = PROJECT_ROOT / "deploy" / "dagster.yaml"
LOCAL_INSTANCE_CONFIG = PROJECT_ROOT / "dagster_home" / "dagster.yaml"


def execute_run_request(
    definitions: dg.Definitions,
    instance: dg.DagsterInstance,
    request: dg.RunRequest,
    job_name: str = "nps_pipeline",
) -> dg.ExecuteInProcessResult:
    """Runs what a schedule or sensor asked for, in this process, recorded in ``instance``."""
    job = definitions.resolve_job_def(request.job_name or job_name)
    return job.execute_in_process(
        instance=instance,
        run_config=request.run_config or None,
        tags=request.tags,
        asset_selection=list(request.asset_selection) if request.asset_selection else None,
        raise_on_error=False,
    )


@pytest.fixture(scope="module")
def dagster_storage_database() -> Iterator[SourceDatabase]:
    try:
        database = create_postgres_database()
    except ServerUnavailableError as error:
        pytest.fail(str(error))
    try:
        yield database
    finally:
        drop_postgres_database(database)


@pytest.fixture(scope="module")
def postgres_instance(
    dagster_storage_database: SourceDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dg.DagsterInstance]:
    home: Path = tmp_path_factory.mktemp("dagster_home_production")
    shutil.copy(PRODUCTION_INSTANCE_CONFIG, home / "dagster.yaml")
    url = (
        f"postgresql+psycopg2://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/"
        f"{dagster_storage_database.name}"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NPS_DAGSTER_PG_URL", url)
        patch.setenv("DAGSTER_HOME", str(home))
        with dg.DagsterInstance.from_config(str(home)) as instance:
            yield instance
