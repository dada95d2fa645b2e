"""Ingest assets, generated from the portal configuration.

For each portal and mapped entity one asset copies the portal table into
``raw.<portal>__<entity>``; for each canonical entity one asset keeps the view
``raw.<entity>`` that stacks the portals and that dbt reads as its source.
"""

import time

import dagster as dg

from orchestration.ingest.config import Portal
from orchestration.ingest.contract import ENTITIES
from orchestration.ingest.extract import extract_entity
from orchestration.ingest.warehouse import (
    RAW_SCHEMA,
    portal_table_name,
    refresh_canonical_view,
    replace_portal_table,
    write_portals_table,
)
from orchestration.resources import DuckDBWarehouse

INGEST_GROUP = "ingest"


def portal_asset_key(portal: str, entity: str) -> dg.AssetKey:
    return dg.AssetKey([RAW_SCHEMA, portal_table_name(portal, entity)])


def canonical_asset_key(entity: str) -> dg.AssetKey:
    return dg.AssetKey([RAW_SCHEMA, entity])


def _portal_entity_asset(portal: Portal, entity: str) -> dg.AssetsDefinition:
    mapping = portal.entities[entity]

    @dg.asset(
        key=portal_asset_key(portal.name, entity),
        group_name=INGEST_GROUP,
        kinds={"sqlite", "duckdb"},
        description=(
            f"{ENTITIES[entity].description} Copied as text from table "
            f"'{mapping.table}' of portal '{portal.name}'."
        ),
        tags={"portal": portal.name},
    )
    def load_portal_entity(
        context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse
    ) -> dg.MaterializeResult:
        started = time.perf_counter()
        inspection, batches = extract_entity(portal, entity)
        with warehouse.connect() as connection:
            result = replace_portal_table(connection, portal.name, entity, batches)
        if inspection.ignored_columns:
            context.log.info(
                "portal %s, table %s: columns not mapped and not loaded: %s",
                portal.name,
                mapping.table,
                ", ".join(inspection.ignored_columns),
            )
        return dg.MaterializeResult(
            metadata={
                "rows_read": result.rows_written,
                "source_table": mapping.table,
                "ignored_source_columns": ", ".join(inspection.ignored_columns) or "none",
                "seconds": round(time.perf_counter() - started, 3),
            }
        )

    return load_portal_entity


def _canonical_view_asset(entity: str, portals: list[Portal]) -> dg.AssetsDefinition:
    feeding = [portal for portal in portals if entity in portal.entities]

    @dg.asset(
        key=canonical_asset_key(entity),
        group_name=INGEST_GROUP,
        kinds={"duckdb"},
        deps=[portal_asset_key(portal.name, entity) for portal in feeding],
        description=(
            f"{ENTITIES[entity].description} All portals stacked under the canonical "
            "names; the dbt source of this entity."
        ),
    )
    def canonical_view(warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
        with warehouse.connect() as connection:
            included = refresh_canonical_view(connection, entity, feeding)
            (rows,) = connection.execute(f"select count(*) from {RAW_SCHEMA}.{entity}").fetchone()
        return dg.MaterializeResult(
            metadata={"rows": rows, "portals": ", ".join(included) or "none"}
        )

    return canonical_view


def _portals_table_asset(portals: list[Portal]) -> dg.AssetsDefinition:
    @dg.asset(
        key=canonical_asset_key("portals"),
        group_name=INGEST_GROUP,
        kinds={"duckdb"},
        description="The configured portals and the time zone of their timestamps.",
    )
    def portals_table(warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
        with warehouse.connect() as connection:
            rows = write_portals_table(connection, portals)
        return dg.MaterializeResult(metadata={"portals": rows})

    return portals_table


def build_ingest_assets(portals: list[Portal]) -> list[dg.AssetsDefinition]:
    """Every ingest asset for the configured portals."""
    per_portal = [
        _portal_entity_asset(portal, entity) for portal in portals for entity in portal.entities
    ]
    canonical = [_canonical_view_asset(entity, portals) for entity in ENTITIES]
    return [*per_portal, *canonical, _portals_table_asset(portals)]
