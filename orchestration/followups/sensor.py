"""The sensor that posts new detractors to a webhook (a chat channel, a CRM) as they appear."""

import dagster as dg
import duckdb

from orchestration.automation.status import sensor_default_status
from orchestration.followups.webhook import (
    WebhookCursor,
    WebhookError,
    cursor_after,
    new_detractors,
    payload,
    post,
)
from orchestration.ingest.warehouse import utc_now_naive
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import FOLLOWUP_WEBHOOK_URL_ENV, followup_webhook_url

# Enough for a busy day between two ticks; the rest follow on the next tick.
MAX_POSTS_PER_TICK = 100


@dg.sensor(
    name="detractor_webhook_sensor",
    minimum_interval_seconds=300,
    default_status=sensor_default_status(),
    description=(
        "Posts each new detractor of the follow-up queue (marts.detractor_followups) as JSON "
        f"to the URL in {FOLLOWUP_WEBHOOK_URL_ENV}; does nothing while it is unset. The "
        "cursor is the last detractor posted."
    ),
)
def detractor_webhook_sensor(
    context: dg.SensorEvaluationContext, warehouse: DuckDBWarehouse
) -> dg.SensorResult:
    url = followup_webhook_url()
    if url is None:
        context.log.info("%s is not set; no detractor is posted.", FOLLOWUP_WEBHOOK_URL_ENV)
        return dg.SensorResult(skip_reason=f"{FOLLOWUP_WEBHOOK_URL_ENV} is not set")

    cursor = WebhookCursor.from_text(context.cursor) if context.cursor else None
    try:
        with warehouse.connect(read_only=True) as connection:
            detractors = new_detractors(connection, cursor, utc_now_naive(), MAX_POSTS_PER_TICK)
    except duckdb.Error as error:
        # A run holds the warehouse for writing, or the queue is not built yet: try next tick.
        context.log.info("the follow-up queue cannot be read now: %s", type(error).__name__)
        return dg.SensorResult(skip_reason="the follow-up queue cannot be read now")

    posted = 0
    for detractor in detractors:
        try:
            post(url, payload(detractor))
        except WebhookError as error:
            context.log.warning("posting detractor %s failed: %s", detractor["response_id"], error)
            break
        cursor = cursor_after(detractor)
        posted += 1
    context.log.info("posted %d of %d new detractors to the webhook", posted, len(detractors))
    return dg.SensorResult(
        skip_reason=None if posted else "no new detractor was posted",
        cursor=cursor.to_text() if cursor else context.cursor,
    )
