"""dbt models, seeds and tests as Dagster assets and asset checks."""

import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)
from dagster_dbt.asset_utils import default_group_from_dbt_resource_props

from orchestration.automation.conditions import follows_checked_inputs
from orchestration.groups import owners_of
from orchestration.resources import DuckDBWarehouse, dbt_project
from orchestration.settings import reporting_timezone
from orchestration.transform.figures import MARTS_SCHEMA, figures_metadata, read_mart_figures


class NpsDbtTranslator(DagsterDbtTranslator):
    """Maps dbt nodes onto the asset graph the ingest assets start.

    dbt sources become the ``raw/<entity>`` keys of the ingest assets' views,
    so lineage runs unbroken from each portal table to the marts; models are
    grouped by their layer folder (staging, intermediate, marts) unless their
    YAML names a Dagster group (``config.meta.dagster.group``).
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        configured = default_group_from_dbt_resource_props(dbt_resource_props)
        if configured:
            return configured
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2:
            return fqn[1]
        return super().get_group_name(dbt_resource_props)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return owners_of(self.get_group_name(dbt_resource_props))

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> dg.AutomationCondition | None:
        # Every model follows its inputs: when a portal table is loaded outside the
        # scheduled job (a sensor run, a manual load), the models above it are rebuilt.
        if dbt_resource_props["resource_type"] in {"model", "seed"}:
            return follows_checked_inputs()
        return None


def dbt_build_arguments() -> list[str]:
    """``dbt build`` with the reporting time zone of the settings, so schedule and periods agree."""
    return ["build", "--vars", json.dumps({"reporting_timezone": reporting_timezone()})]


def with_mart_figures(
    events: list[Any], keys_by_output: Mapping[str, dg.AssetKey], warehouse_path: str
) -> Iterator[Any]:
    """The dbt events, the marts' outputs carrying their figures as metadata."""
    marts = {
        event.output_name: keys_by_output[event.output_name].path[-1]
        for event in events
        if isinstance(event, dg.Output)
        and event.output_name in keys_by_output
        and keys_by_output[event.output_name].path[0] == MARTS_SCHEMA
    }
    if not marts:
        yield from events
        return
    with duckdb.connect(warehouse_path, read_only=True) as connection:
        figures = read_mart_figures(connection, sorted(marts.values()))
    for event in events:
        if isinstance(event, dg.Output) and event.output_name in marts:
            extra = figures_metadata(figures, marts[event.output_name])
            yield event.with_metadata({**event.metadata, **extra})
        else:
            yield event


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
    # dbt holds the DuckDB file for the whole build and no other process may open
    # it meanwhile, so the events are collected and released once dbt has exited,
    # with the marts' figures added.
    events = []
    try:
        for event in dbt.cli(dbt_build_arguments(), context=context).stream():
            events.append(event)
    except Exception:
        yield from events
        raise
    yield from with_mart_figures(events, context.assets_def.keys_by_output_name, warehouse.path)
