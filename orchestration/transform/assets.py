"""dbt models, seeds and tests as Dagster assets and asset checks."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.resources import DuckDBWarehouse, dbt_project


class NpsDbtTranslator(DagsterDbtTranslator):
    """Maps dbt nodes onto the asset graph the ingest assets start.

    dbt sources become the ``raw/<entity>`` keys of the ingest assets' views,
    so lineage runs unbroken from each portal table to the marts; models are
    grouped by their layer folder (staging, intermediate, marts).
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2:
            return fqn[1]
        return super().get_group_name(dbt_resource_props)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=NpsDbtTranslator(
        settings=DagsterDbtTranslatorSettings(
            enable_asset_checks=True, enable_source_tests_as_checks=True
        )
    ),
)
def nps_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBWarehouse
):
    # profiles.yml reads the warehouse path from this variable; setting it from
    # the resource makes dbt write to the very file the ingest assets wrote.
    os.environ["NPS_WAREHOUSE_PATH"] = warehouse.path
    yield from dbt.cli(["build"], context=context).stream()
