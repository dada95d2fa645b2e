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


def export_dir() -> Path:
    """Where the follow-up queue exports land (``NPS_EXPORT_DIR``, default ``data/exports``)."""
    return _path_from_env("NPS_EXPORT_DIR", PROJECT_ROOT / "data" / "exports")


# The webhook URL may carry a token: it is read when a post is due and never logged.
FOLLOWUP_WEBHOOK_URL_ENV = "NPS_FOLLOWUP_WEBHOOK_URL"


def followup_webhook_url() -> str | None:
    """The URL new detractors are posted to, or None when ``NPS_FOLLOWUP_WEBHOOK_URL`` is unset."""
    return os.environ.get(FOLLOWUP_WEBHOOK_URL_ENV) or None
