"""The one Definitions object: every asset, check, job and resource of the pipeline."""

import dagster as dg

from orchestration.automation.alerts import nps_run_failure_alert
from orchestration.automation.automation import build_automation_sensor
from orchestration.automation.freshness import build_marts_freshness_checks
from orchestration.automation.jobs import nps_pipeline_job
from orchestration.automation.schedules import build_daily_schedule
from orchestration.automation.sensors import build_portal_change_sensor
from orchestration.exports.assets import monthly_nps_by_portal
from orchestration.followups.assets import detractor_followups_export
from orchestration.followups.sensor import detractor_webhook_sensor
from orchestration.ingest.assets import build_ingest_assets
from orchestration.ingest.config import load_portals
from orchestration.quality.checks import build_quality_checks
from orchestration.resources import DuckDBWarehouse, dbt_resource
from orchestration.serving.assets import build_serving_assets
from orchestration.settings import portals_config_path, warehouse_path
from orchestration.transform.assets import nps_dbt_models


def build_definitions() -> dg.Definitions:
    """Builds the definitions from the portal configuration and settings in the environment."""
    portals = load_portals(portals_config_path())
    mart_keys = [key for key in nps_dbt_models.keys if key.path[0] == "marts"]
    freshness_checks, freshness_sensor = build_marts_freshness_checks(mart_keys)
    return dg.Definitions(
        assets=[
            *build_ingest_assets(portals),
            nps_dbt_models,
            monthly_nps_by_portal,
            detractor_followups_export,
            *build_serving_assets(mart_keys),
        ],
        asset_checks=[*build_quality_checks(portals), *freshness_checks],
        jobs=[nps_pipeline_job],
        schedules=[build_daily_schedule()],
        sensors=[
            *(build_portal_change_sensor(portal) for portal in portals),
            build_automation_sensor(),
            nps_run_failure_alert,
            freshness_sensor,
            detractor_webhook_sensor,
        ],
        resources={
            "warehouse": DuckDBWarehouse(path=str(warehouse_path())),
            "dbt": dbt_resource(),
        },
        # DuckDB takes one writing process at a time: run every step in one process.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
