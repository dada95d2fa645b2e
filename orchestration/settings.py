"""Paths and settings read from the environment, with the embedded demo defaults.

Every setting has one environment variable; nothing here is a secret. Portal
connection URLs, which may hold passwords, are read only where a connection is
opened (see ``orchestration.ingest.config``), never stored or logged.
"""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def _path_from_env(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    path = Path(value) if value else default
    return path if path.is_absolute() else (PROJECT_ROOT / path)


def warehouse_path() -> Path:
    """The DuckDB warehouse file (``NPS_WAREHOUSE_PATH``, default ``data/warehouse.duckdb``)."""
    return _path_from_env("NPS_WAREHOUSE_PATH", PROJECT_ROOT / "data" / "warehouse.duckdb")


def portals_config_path() -> Path:
    """The portal configuration file (``NPS_PORTALS_CONFIG``, default ``config/portals.yaml``)."""
    return _path_from_env("NPS_PORTALS_CONFIG", PROJECT_ROOT / "config" / "portals.yaml")


def demo_portals_dir() -> Path:
    """Where the demo portal databases live (``NPS_DEMO_DIR``, default ``data/portals``)."""
    return _path_from_env("NPS_DEMO_DIR", PROJECT_ROOT / "data" / "portals")


def _number_from_env(variable: str, default: float, minimum: float) -> float:
    value = os.environ.get(variable)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{variable}={value!r} is not a number") from None
    if number < minimum:
        raise ValueError(f"{variable}={value!r} must be at least {minimum:g}")
    return number


def reporting_timezone() -> str:
    """The zone of the daily schedule and of the reporting periods.

    ``NPS_REPORTING_TIMEZONE``, default ``Europe/Berlin``; it is passed to dbt as
    the var ``reporting_timezone`` too, so the schedule and the periods agree.
    """
    return os.environ.get("NPS_REPORTING_TIMEZONE") or "Europe/Berlin"


def daily_schedule_cron() -> str:
    """When the daily run starts, in the reporting time zone (``NPS_DAILY_SCHEDULE_CRON``)."""
    return os.environ.get("NPS_DAILY_SCHEDULE_CRON") or "0 6 * * *"


def ingest_step_retries() -> int:
    """How often a failed ingest step is run again (``NPS_INGEST_STEP_RETRIES``, default 3)."""
    return int(_number_from_env("NPS_INGEST_STEP_RETRIES", 3, 0))


def ingest_retry_delay_seconds() -> float:
    """The wait before the first retry, doubled for each further one.

    ``NPS_INGEST_RETRY_DELAY_SECONDS``, default 60: a portal database that restarts
    or fails over is usually back within a few minutes.
    """
    return _number_from_env("NPS_INGEST_RETRY_DELAY_SECONDS", 60, 0)


def marts_max_age_hours() -> float:
    """How old the marts may get before their freshness checks fail (``NPS_MARTS_MAX_AGE_HOURS``).

    Default 26: a daily run plus two hours of slack.
    """
    return _number_from_env("NPS_MARTS_MAX_AGE_HOURS", 26, 1)


def dagster_base_url() -> str:
    """The Dagster UI's address, for links in alerts (``NPS_DAGSTER_BASE_URL``)."""
    return (os.environ.get("NPS_DAGSTER_BASE_URL") or "http://127.0.0.1:3000").rstrip("/")


def export_dir() -> Path:
    """Where the export assets write their files (``NPS_EXPORT_DIR``, default ``data/exports``)."""
    return _path_from_env("NPS_EXPORT_DIR", PROJECT_ROOT / "data" / "exports")


# The webhook URL may carry a token: it is read when a post is due and never logged.
FOLLOWUP_WEBHOOK_URL_ENV = "NPS_FOLLOWUP_WEBHOOK_URL"


def followup_webhook_url() -> str | None:
    """The URL new detractors are posted to, or None when ``NPS_FOLLOWUP_WEBHOOK_URL`` is unset."""
    return os.environ.get(FOLLOWUP_WEBHOOK_URL_ENV) or None


def serving_path() -> Path:
    """The published read-only copy of the marts for BI tools (``NPS_SERVING_PATH``).

    Default ``serving/nps.duckdb`` beside the warehouse (``data/serving/nps.duckdb``), so
    a warehouse moved elsewhere takes its serving file along. Each publication
    replaces the file in one rename.
    """
    return _path_from_env("NPS_SERVING_PATH", warehouse_path().parent / "serving" / "nps.duckdb")


# The PostgreSQL URL may hold a password: read when a publication is due, never logged.
SERVING_PG_URL_ENV = "NPS_SERVING_PG_URL"


def serving_pg_url() -> str | None:
    """Where the marts are published in PostgreSQL, or None when ``NPS_SERVING_PG_URL`` is unset."""
    return os.environ.get(SERVING_PG_URL_ENV) or None


def serving_pg_schema() -> str:
    """The PostgreSQL schema the marts are published to (``NPS_SERVING_PG_SCHEMA``, default nps)."""
    return os.environ.get("NPS_SERVING_PG_SCHEMA") or "nps"


def report_path() -> Path:
    """The HTML report (``NPS_REPORT_PATH``, default ``nps_report.html`` in the export folder)."""
    return _path_from_env("NPS_REPORT_PATH", export_dir() / "nps_report.html")
