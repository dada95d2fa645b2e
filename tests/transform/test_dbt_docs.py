"""`dbt docs generate` works on the built warehouse and documents every mart column."""

import json

import pytest

from tests.conftest import run_dbt

pytestmark = pytest.mark.integration


def test_docs_generate_writes_a_catalog_of_the_marts(pipeline_run, tmp_path):
    """The catalog lists the marts with their columns, and every column has a description."""
    completed = run_dbt(["docs", "generate"], pipeline_run.warehouse, tmp_path)
    assert completed.returncode == 0, completed.stdout[-3000:]
    catalog = json.loads((tmp_path / "catalog.json").read_text())
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    marts = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    assert {"fct_survey_responses", "nps_by_period", "nps_rolling"} <= set(marts)
    for name, node in marts.items():
        built = catalog["nodes"][node["unique_id"]]["columns"]
        documented = {column: spec["description"] for column, spec in node["columns"].items()}
        assert set(built) == set(documented), name
        assert all(documented.values()), name
