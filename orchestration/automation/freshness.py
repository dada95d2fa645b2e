"""Freshness checks on the marts: BI users must see when the figures are stale."""

import warnings
from datetime import timedelta

import dagster as dg

from orchestration.automation.status import sensor_default_status
from orchestration.settings import marts_max_age_hours, reporting_timezone

FRESHNESS_SENSOR_INTERVAL_SECONDS = 600


def build_marts_freshness_checks(
    mart_keys: list[dg.AssetKey],
) -> tuple[list[dg.AssetChecksDefinition], dg.SensorDefinition]:
    """One check per mart that fails when its last update is older than the allowed age.

    The checks are asset checks, shown beside the other checks of each mart; a
    sensor evaluates them every ten minutes. (Dagster 1.13 marks this factory as
    superseded by freshness policies, which are not asset checks and so do not
    appear with the other checks; it still works and is kept for that reason.)
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        checks = list(
            dg.build_last_update_freshness_checks(
                assets=mart_keys,
                lower_bound_delta=timedelta(hours=marts_max_age_hours()),
                timezone=reporting_timezone(),
            )
        )
        sensor = dg.build_sensor_for_freshness_checks(
            freshness_checks=checks,
            name="marts_freshness",
            minimum_interval_seconds=FRESHNESS_SENSOR_INTERVAL_SECONDS,
            default_status=sensor_default_status(),
        )
    return checks, sensor
