"""An alert for every failed run, posted as JSON to a webhook.

The webhook's address comes from ``NPS_ALERT_WEBHOOK_URL`` (chat tools and
incident tools accept a JSON POST; the ``text`` field is what Slack-compatible
hooks show). Such an address usually holds a token, so it is never logged. When
it is unset the alert goes to the sensor's log only. Links point at the Dagster
UI under ``NPS_DAGSTER_BASE_URL``.
"""

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass

import dagster as dg
from dagster._utils.error import SerializableErrorInfo

from orchestration.settings import dagster_base_url

WEBHOOK_URL_VARIABLE = "NPS_ALERT_WEBHOOK_URL"
WEBHOOK_TIMEOUT_SECONDS = 10
# A failure message is capped: a stack of driver output helps nobody in a chat.
MAX_ERROR_CHARACTERS = 2_000


@dataclass(frozen=True)
class FailedStep:
    step: str
    assets: tuple[str, ...]
    error: str


def root_cause(error: SerializableErrorInfo | None) -> str:
    """The innermost error's message: the portal's own words, not Dagster's wrapper."""
    if error is None:
        return "unknown error"
    while error.cause is not None:
        error = error.cause
    message = (error.message or "").strip() or error.cls_name or "unknown error"
    return message[:MAX_ERROR_CHARACTERS]


def alert_payload(
    *, run_id: str, job_name: str, failed_steps: list[FailedStep], run_error: str, base_url: str
) -> dict:
    """The JSON body of the alert: what failed, why, and where to look."""
    run_url = f"{base_url.rstrip('/')}/runs/{run_id}"
    assets = sorted({asset for step in failed_steps for asset in step.assets})
    first_error = failed_steps[0].error if failed_steps else run_error
    headline = (
        f"Dagster run of {job_name} failed"
        + (f" at {', '.join(assets)}" if assets else "")
        + f": {first_error}"
    )
    return {
        "text": f"{headline}\n{run_url}",
        "job": job_name,
        "run_id": run_id,
        "run_url": run_url,
        "failed_assets": assets,
        "failed_steps": [
            {"step": step.step, "assets": list(step.assets), "error": step.error}
            for step in failed_steps
        ],
        "error": first_error,
    }


def post_json(url: str, payload: dict) -> int:
    """POSTs ``payload``; returns the HTTP status. Errors never quote the URL."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"the alert webhook answered HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise RuntimeError(f"the alert webhook could not be reached: {reason}") from None


def failed_steps_of_run(
    instance: dg.DagsterInstance, run_id: str, step_failures
) -> list[FailedStep]:
    """Each failed step with the assets it failed to materialize and its root cause."""
    assets_by_step: dict[str, set[str]] = {}
    planned_by_step: dict[str, set[str]] = {}
    for event_type, target in (
        (dg.DagsterEventType.ASSET_FAILED_TO_MATERIALIZE, assets_by_step),
        (dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, planned_by_step),
    ):
        records = instance.get_records_for_run(run_id, of_type=event_type, limit=10_000).records
        for record in records:
            event = record.event_log_entry.dagster_event
            if event is None or event.step_key is None or event.asset_key is None:
                continue
            target.setdefault(event.step_key, set()).add(event.asset_key.to_user_string())
    steps = []
    for failure in step_failures:
        step_key = failure.step_key or "unknown step"
        assets = assets_by_step.get(step_key) or planned_by_step.get(step_key) or set()
        steps.append(
            FailedStep(step_key, tuple(sorted(assets)), root_cause(failure.step_failure_data.error))
        )
    return steps


@dg.run_failure_sensor(
    name="nps_run_failure_alert",
    description=(
        f"Posts every failed run (failed assets, error, link) to the webhook in "
        f"{WEBHOOK_URL_VARIABLE}; logs the alert when that is unset."
    ),
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def nps_run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    failed_steps = failed_steps_of_run(
        context.instance, run.run_id, context.get_step_failure_events()
    )
    payload = alert_payload(
        run_id=run.run_id,
        job_name=run.job_name,
        failed_steps=failed_steps,
        run_error=(context.failure_event.message or "the run failed"),
        base_url=dagster_base_url(),
    )
    url = os.environ.get(WEBHOOK_URL_VARIABLE)
    if not url:
        context.log.warning(
            "%s is not set; alert not sent: %s", WEBHOOK_URL_VARIABLE, payload["text"]
        )
        return
    status = post_json(url, payload)
    context.log.info("alert for run %s posted to the webhook (HTTP %s)", run.run_id, status)
