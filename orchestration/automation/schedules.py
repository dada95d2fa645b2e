"""The daily run of the whole pipeline, in the reporting time zone."""

import dagster as dg

from orchestration.automation.jobs import nps_pipeline_job
from orchestration.automation.status import schedule_default_status
from orchestration.settings import daily_schedule_cron, reporting_timezone

SCHEDULED_DATE_TAG = "nps/scheduled_date"


def build_daily_schedule() -> dg.ScheduleDefinition:
    """Runs ``nps_pipeline`` every day at ``NPS_DAILY_SCHEDULE_CRON`` (default 06:00).

    The cron is read in the reporting time zone, so the run keeps its local hour
    across daylight-saving changes and yesterday's figures are in before the
    working day starts where the reports are read.
    """
    timezone = reporting_timezone()

    @dg.schedule(
        name="nps_daily",
        job=nps_pipeline_job,
        cron_schedule=daily_schedule_cron(),
        execution_timezone=timezone,
        default_status=schedule_default_status(),
        description=(
            f"Incremental run of the whole pipeline, daily at '{daily_schedule_cron()}' "
            f"({timezone})."
        ),
    )
    def nps_daily(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        day = context.scheduled_execution_time.date().isoformat()
        # One run per scheduled day, even if the daemon evaluates the tick twice.
        return dg.RunRequest(run_key=f"nps_daily:{day}", tags={SCHEDULED_DATE_TAG: day})

    return nps_daily
