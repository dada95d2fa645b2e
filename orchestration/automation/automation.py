"""Declarative automation: the views, models and exports follow their inputs."""

import dagster as dg

from orchestration.automation.jobs import WAREHOUSE_WRITER_TAGS
from orchestration.automation.status import sensor_default_status


def build_automation_sensor() -> dg.AutomationConditionSensorDefinition:
    """Evaluates the assets' automation conditions (``eager``: rebuild after an input changed).

    Its runs write the warehouse like every other run and carry the writer tag,
    so the instance queues them behind any running load instead of letting two
    processes open the DuckDB file.
    """
    return dg.AutomationConditionSensorDefinition(
        "nps_automation",
        target=dg.AssetSelection.all(),
        run_tags=WAREHOUSE_WRITER_TAGS,
        default_status=sensor_default_status(),
        minimum_interval_seconds=60,
    )
