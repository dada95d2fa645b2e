"""The one Definitions object: every asset, check, job and resource of the pipeline."""

import dagster as dg

from orchestration.automation.jobs import nps_pipeline_job
from orchestration.automation.sensors import detractor_webhook_sensor
from orchestration.followups.assets import detractor_followups_export
from orchestration.ingest.assets import build_ingest_assets
from orchestration.ingest.config import load_portals
from orchestration.quality.checks import check_raw_survey_responses
from orchestration.resources import DuckDBWarehouse, dbt_resource
from orchestration.settings import portals_config_path, warehouse_path
from orchestration.transform.assets import nps_dbt_models


def build_definitions() -> dg.Definitions:
    """Builds the definitions from the portal configuration and settings in the environment."""
    portals = load_portals(portals_config_path())
    return dg.Definitions(
        assets=[*build_ingest_assets(portals), nps_dbt_models, detractor_followups_export],
        asset_checks=[check_raw_survey_responses],
        jobs=[nps_pipeline_job],
        sensors=[detractor_webhook_sensor],
        resources={
            "warehouse": DuckDBWarehouse(path=str(warehouse_path())),
            "dbt": dbt_resource(),
        },
        # DuckDB takes one writing process at a time: run every step in one process.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
