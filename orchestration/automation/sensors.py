"""Sensors that start runs: one per portal, when the portal has new or edited rows."""

import dagster as dg

from orchestration.automation.jobs import WAREHOUSE_WRITER_TAGS, nps_pipeline_job
from orchestration.automation.status import sensor_default_status
from orchestration.ingest.assets import portal_asset_key
from orchestration.ingest.changes import (
    changed_entities,
    decode_cursor,
    encode_cursor,
    newest_updated_at,
)
from orchestration.ingest.config import Portal

PORTAL_TAG = "nps/portal"
TRIGGER_TAG = "nps/trigger"
# A portal's newest updated_at is one cheap query; every five minutes keeps the
# warehouse close behind the portal without a steady stream of tiny runs.
PORTAL_SENSOR_INTERVAL_SECONDS = 300


def portal_selection(portal: Portal) -> dg.AssetSelection:
    """The portal's tables and everything downstream of them, up to the marts."""
    keys = [portal_asset_key(portal.name, entity) for entity in portal.entities]
    return dg.AssetSelection.assets(*keys).downstream()


def build_portal_change_sensor(portal: Portal) -> dg.SensorDefinition:
    """Starts an incremental run of one portal when its newest ``updated_at`` moved.

    The cursor, kept by Dagster, holds the newest ``updated_at`` per entity seen
    at the last tick. Every entity of the portal is loaded (those without an
    ``updated_at`` in full, as always), so new responses find their invitations.
    """

    @dg.sensor(
        name=f"{portal.name}_changes",
        job=nps_pipeline_job,
        minimum_interval_seconds=PORTAL_SENSOR_INTERVAL_SECONDS,
        default_status=sensor_default_status(),
        description=(
            f"Asks portal '{portal.name}' for its newest updated_at and starts an incremental "
            "run of its tables and everything downstream when that moved."
        ),
    )
    def portal_changes(context: dg.SensorEvaluationContext):
        previous = decode_cursor(context.cursor)
        current = newest_updated_at(portal)
        changed = changed_entities(previous, current)
        if not changed:
            return dg.SkipReason(f"portal {portal.name}: no row updated since the last tick")
        context.update_cursor(encode_cursor(current))
        summary = ", ".join(f"{entity} -> {current[entity]}" for entity in changed)
        context.log.info("portal %s changed: %s", portal.name, summary)
        return dg.RunRequest(
            run_key=f"{portal.name}:{encode_cursor(current)}",
            asset_selection=sorted(portal_selection(portal).resolve(_asset_graph(context))),
            tags={**WAREHOUSE_WRITER_TAGS, PORTAL_TAG: portal.name, TRIGGER_TAG: "sensor"},
        )

    return portal_changes


def _asset_graph(context: dg.SensorEvaluationContext):
    if context.repository_def is None:
        raise RuntimeError("the portal sensor needs its definitions to select the portal's assets")
    return context.repository_def.asset_graph
