"""Paths and settings read from the environment, with the embedded demo defaults.

Every setting has one environment variable; nothing here is a secret. Portal
connection URLs, which may hold passwords, are read only where a connection is
opened (see ``orchestration.ingest.config``), never stored or logged.
"""

import os
from datetime import UTC, datetime
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


def quality_dir() -> Path:
    """The Great Expectations project with the Data Docs site (``NPS_QUALITY_DIR``).

    Default ``quality/`` beside the warehouse; the site is
    ``gx/uncommitted/data_docs/local_site/index.html`` inside it.
    """
    return _path_from_env("NPS_QUALITY_DIR", warehouse_path().parent / "quality")


def raw_max_invalid_share() -> float:
    """The share of bad raw rows above which a raw check fails and blocks the models.

    ``NPS_RAW_MAX_INVALID_SHARE``, default 0.05. Below it, bad rows only warn:
    the models quarantine them.
    """
    share = _number_from_env("NPS_RAW_MAX_INVALID_SHARE", 0.05, 0)
    if share > 1:
        raise ValueError(f"NPS_RAW_MAX_INVALID_SHARE={share:g} must be a share between 0 and 1")
    return share


def freshness_max_age_hours() -> float:
    """How old a portal's newest response may be (``NPS_FRESHNESS_MAX_AGE_HOURS``, default 48)."""
    return _number_from_env("NPS_FRESHNESS_MAX_AGE_HOURS", 48, 0)


def volume_band() -> tuple[float, float]:
    """The band for a day's responses, as ratios to the trailing median.

    ``NPS_VOLUME_MIN_RATIO`` (default 0.5) and ``NPS_VOLUME_MAX_RATIO`` (default 2).
    """
    low = _number_from_env("NPS_VOLUME_MIN_RATIO", 0.5, 0)
    high = _number_from_env("NPS_VOLUME_MAX_RATIO", 2.0, 0)
    if high < low:
        raise ValueError(f"NPS_VOLUME_MAX_RATIO={high:g} is below NPS_VOLUME_MIN_RATIO={low:g}")
    return low, high


def quality_as_of() -> datetime:
    """The clock of the freshness, volume and future-timestamp checks, in UTC (naive).

    ``NPS_QUALITY_AS_OF`` (ISO 8601; without an offset it is read as UTC), default
    now. Set it to replay a past day, or for a data set that is a snapshot of one
    (the demo ends on 2026-11-30).
    """
    value = os.environ.get("NPS_QUALITY_AS_OF")
    if not value:
        return datetime.now(UTC).replace(tzinfo=None)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"NPS_QUALITY_AS_OF={value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
