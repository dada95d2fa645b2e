"""Ingest assets, generated from the portal configuration.

For each portal and mapped entity one asset loads the portal table into
``raw.<portal>__<entity>`` (incrementally once it has a watermark); for each
canonical entity one asset keeps the view ``raw.<entity>`` that stacks the
portals and that dbt reads as its source.
"""

import dagster as dg
from pydantic import Field

from orchestration.automation.conditions import follows_checked_inputs
from orchestration.groups import INGEST, owners_of
from orchestration.ingest.backfill import (
    BACKFILL_FROM_TAG,
    BACKFILL_TO_TAG,
    BackfillRangeError,
    UpdatedRange,
    parse_updated_range,
)
from orchestration.ingest.config import Portal, PortalConfigError
from orchestration.ingest.contract import ENTITIES
from orchestration.ingest.load import LoadReport, load_portal_entity
from orchestration.ingest.warehouse import (
    RAW_SCHEMA,
    portal_table_name,
    refresh_canonical_view,
    write_portals_table,
)
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import ingest_retry_delay_seconds, ingest_step_retries

INGEST_GROUP = INGEST
# A run tag that makes every ingest asset of the run reload its table in full.
FULL_REFRESH_TAG = "nps/full_refresh"


class PortalLoadConfig(dg.Config):
    full_refresh: bool = Field(
        default=False,
        description=(
            "Reload the whole table instead of the rows changed since the stored watermark. "
            f"The run tag {FULL_REFRESH_TAG}=true does the same for every portal table."
        ),
    )
    backfill_from: str = Field(
        default="",
        description=(
            "First day (YYYY-MM-DD) of a backfill: the rows updated from this day to "
            f"backfill_to are read again. The run tags {BACKFILL_FROM_TAG} and "
            f"{BACKFILL_TO_TAG} set both for every portal table of the run."
        ),
    )
    backfill_to: str = Field(
        default="", description="Last day (YYYY-MM-DD, included) of a backfill."
    )


def requested_range(config: PortalLoadConfig, tags: dict[str, str]) -> UpdatedRange | None:
    """The backfill days from the asset's config, else from the run's tags."""
    if config.backfill_from or config.backfill_to:
        return parse_updated_range(config.backfill_from, config.backfill_to)
    return parse_updated_range(tags.get(BACKFILL_FROM_TAG), tags.get(BACKFILL_TO_TAG))


def portal_pool(portal: str) -> str:
    """The concurrency pool of a portal's database: its loads queue behind each other.

    The instance's ``concurrency.pools.default_limit`` (dagster.yaml) sets how many
    loads may read one portal database at once.
    """
    return f"portal_{portal}"


def ingest_retry_policy() -> dg.RetryPolicy:
    """Step retries with exponential backoff, on top of the connection attempts of a load.

    The connection attempts ride out a blip of seconds; the step retries a portal
    database that restarts or fails over within minutes.
    """
    return dg.RetryPolicy(
        max_retries=ingest_step_retries(),
        delay=ingest_retry_delay_seconds(),
        backoff=dg.Backoff.EXPONENTIAL,
    )


def portal_asset_key(portal: str, entity: str) -> dg.AssetKey:
    return dg.AssetKey([RAW_SCHEMA, portal_table_name(portal, entity)])


def canonical_asset_key(entity: str) -> dg.AssetKey:
    return dg.AssetKey([RAW_SCHEMA, entity])


def report_metadata(report: LoadReport) -> dict[str, dg.MetadataValue]:
    """The load's figures as materialization metadata, so their history shows in the UI."""
    return {
        "rows_read": dg.MetadataValue.int(report.rows_read),
        "rows_merged": dg.MetadataValue.int(report.rows_merged),
        "watermark_before": dg.MetadataValue.text(report.watermark_before or "none"),
        "watermark_after": dg.MetadataValue.text(report.watermark_after or "none"),
        "seconds": dg.MetadataValue.float(report.seconds),
        "load_mode": dg.MetadataValue.text(report.mode),
        "load_reason": dg.MetadataValue.text(report.reason),
        "source_table": dg.MetadataValue.text(report.source_table),
        "ignored_source_columns": dg.MetadataValue.text(
            ", ".join(report.ignored_columns) or "none"
        ),
        "repaired_text_values": dg.MetadataValue.int(report.repaired_text_values),
    }


def _source_kind(portal: Portal) -> set[str]:
    """The portal's database kind for the UI, when its URL is known at load time."""
    try:
        return {portal.source_location().dialect.value}
    except PortalConfigError:
        return set()


def _portal_entity_asset(portal: Portal, entity: str) -> dg.AssetsDefinition:
    mapping = portal.entities[entity]

    @dg.asset(
        key=portal_asset_key(portal.name, entity),
        group_name=INGEST_GROUP,
        kinds={*_source_kind(portal), "duckdb"},
        description=(
            f"{ENTITIES[entity].description} Loaded as text from table "
            f"'{mapping.table}' of portal '{portal.name}'."
        ),
        tags={"portal": portal.name},
        owners=owners_of(INGEST_GROUP),
        pool=portal_pool(portal.name),
        retry_policy=ingest_retry_policy(),
    )
    def load_portal_entity_asset(
        context: dg.AssetExecutionContext, config: PortalLoadConfig, warehouse: DuckDBWarehouse
    ) -> dg.MaterializeResult:
        full_refresh = config.full_refresh or context.run.tags.get(FULL_REFRESH_TAG) == "true"
        try:
            updated_range = requested_range(config, context.run.tags)
            with warehouse.connect() as connection:
                report = load_portal_entity(
                    connection,
                    portal,
                    entity,
                    full_refresh=full_refresh,
                    updated_range=updated_range,
                    log=context.log.warning,
                )
        except (BackfillRangeError, PortalConfigError) as error:
            # A wrong setting stays wrong: fail at once instead of retrying it.
            raise dg.Failure(description=str(error), allow_retries=False) from None
        if report.ignored_columns:
            context.log.info(
                "portal %s, table %s: columns not mapped and not loaded: %s",
                portal.name,
                mapping.table,
                ", ".join(report.ignored_columns),
            )
        return dg.MaterializeResult(metadata=report_metadata(report))

    return load_portal_entity_asset


def _canonical_view_asset(entity: str, portals: list[Portal]) -> dg.AssetsDefinition:
    feeding = [portal for portal in portals if entity in portal.entities]

    @dg.asset(
        key=canonical_asset_key(entity),
        group_name=INGEST_GROUP,
        kinds={"duckdb"},
        deps=[portal_asset_key(portal.name, entity) for portal in feeding],
        owners=owners_of(INGEST_GROUP),
        # The view follows its portal tables whenever one of them is loaded.
        automation_condition=follows_checked_inputs(),
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
        owners=owners_of(INGEST_GROUP),
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
