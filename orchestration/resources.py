"""Resources shared by the assets: the DuckDB warehouse and the dbt CLI."""

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, DbtProject

from orchestration.settings import DBT_PROJECT_DIR

# A new warehouse file is written in DuckDB's current storage format rather than
# the default one that DuckDB 0.10 can still read: its string compression costs
# about a third less CPU when the models write their tables. Only DuckDB 1.5 and
# newer open such a file; an existing warehouse keeps the format it was made in.
WAREHOUSE_STORAGE_VERSION = "latest"


def create_warehouse_file(path: Path) -> None:
    """Creates an empty warehouse file in the current storage format, if there is none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        config = {"storage_compatibility_version": WAREHOUSE_STORAGE_VERSION}
        duckdb.connect(str(path), config=config).close()


class DuckDBWarehouse(dg.ConfigurableResource):
    """The DuckDB file that holds the raw layer and the dbt models.

    DuckDB allows one writing process at a time, so every asset opens the file
    only for the duration of its work and the job runs in one process.
    """

    path: str

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if not read_only:
            create_warehouse_file(Path(self.path))
        connection = duckdb.connect(self.path, read_only=read_only)
        try:
            yield connection
        finally:
            connection.close()


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """The dbt installed beside this interpreter, so that no activated venv is needed."""
    beside_python = Path(sys.executable).parent / "dbt"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("dbt") or "dbt"


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
