"""Whether schedules and sensors start switched on.

Locally they start off, so that `make dev` only shows the UI and never launches
runs by itself; a deployment sets ``NPS_AUTOMATION=on`` so that a fresh instance
runs the schedule, the portal sensors, the automation and the freshness checks
without anyone clicking. The failure alert is always on.
"""

import os

import dagster as dg


def automation_enabled() -> bool:
    return (os.environ.get("NPS_AUTOMATION") or "off").strip().lower() in {"on", "true", "1"}


def sensor_default_status() -> dg.DefaultSensorStatus:
    return (
        dg.DefaultSensorStatus.RUNNING if automation_enabled() else dg.DefaultSensorStatus.STOPPED
    )


def schedule_default_status() -> dg.DefaultScheduleStatus:
    if automation_enabled():
        return dg.DefaultScheduleStatus.RUNNING
    return dg.DefaultScheduleStatus.STOPPED
