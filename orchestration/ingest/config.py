"""Reading and validating the portal configuration file.

The file is the one place where a portal's own table and column names are
mapped onto the canonical contract. Everything taken from it that ends up in
SQL is checked here against a strict identifier pattern, so a table or column
name in the file cannot smuggle SQL into an extraction query.
"""

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from orchestration.ingest.contract import ENTITIES
from orchestration.ingest.sources import ConnectionUrlError, SourceLocation, parse_connection_url
from orchestration.settings import PROJECT_ROOT

PORTAL_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Letters, digits, underscore and dollar, optionally schema-qualified once.
SOURCE_IDENTIFIER_PATTERN = re.compile(
    r"^[A-Za-z_][A-Za-z0-9_$]{0,62}(\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$"
)
DEFAULT_OVERLAP_MINUTES = 60
DEFAULT_CONNECT_ATTEMPTS = 4
DEFAULT_BACKOFF_SECONDS = 2.0
DEFAULT_RESPONSE_WINDOW_DAYS = 30


class PortalConfigError(ValueError):
    """The portal configuration is invalid; the message names the place in the file."""


@dataclass(frozen=True)
class EntityMapping:
    """How one canonical entity is read from a portal table."""

    entity: str
    table: str
    columns: dict[str, str]  # canonical column -> source column


@dataclass(frozen=True)
class PortalQuality:
    """What the data-quality checks expect of a portal's raw data (all optional)."""

    live_since: date | None = None  # no invitation or response may be older
    touchpoints: tuple[str, ...] = ()  # the known touchpoints; empty: not checked
    channels: tuple[str, ...] = ()  # the known channels; empty: not checked
    response_window_days: int = DEFAULT_RESPONSE_WINDOW_DAYS  # how long a survey is open


@dataclass(frozen=True)
class Portal:
    """One portal database and the mapping of its tables onto the contract."""

    name: str
    description: str
    url_env: str
    default_url: str | None
    timezone: str
    entities: dict[str, EntityMapping]
    overlap: timedelta = timedelta(minutes=DEFAULT_OVERLAP_MINUTES)
    connect_attempts: int = DEFAULT_CONNECT_ATTEMPTS
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS
    quality: PortalQuality = PortalQuality()

    def connection_url(self) -> str:
        """The connection URL from the environment, else the default (demo only).

        The URL may hold a password: callers must not log it.
        """
        url = os.environ.get(self.url_env) or self.default_url
        if not url:
            raise PortalConfigError(
                f"portal '{self.name}': environment variable {self.url_env} is not set"
            )
        return url

    def source_location(self) -> SourceLocation:
        """The parsed connection URL; errors name the portal and never quote the URL."""
        try:
            return parse_connection_url(self.connection_url())
        except ConnectionUrlError as error:
            raise PortalConfigError(
                f"portal '{self.name}': the URL in {self.url_env} is not usable: {error}"
            ) from None


def load_portals(path: Path) -> list[Portal]:
    """Reads and validates the portal configuration file at ``path``."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise PortalConfigError(f"portal configuration not found: {path}") from error
    except yaml.YAMLError as error:
        raise PortalConfigError(f"{path}: not valid YAML: {error}") from error
    return parse_portals(document, source=str(path))


def parse_portals(document: Any, source: str = "portal configuration") -> list[Portal]:
    """Validates a parsed configuration document and returns its portals."""
    if not isinstance(document, dict):
        raise PortalConfigError(f"{source}: expected a mapping with a 'portals' list")
    if document.get("version") != 1:
        raise PortalConfigError(f"{source}: 'version' must be 1")
    raw_portals = document.get("portals")
    if not isinstance(raw_portals, list) or not raw_portals:
        raise PortalConfigError(f"{source}: 'portals' must be a non-empty list")

    portals = [
        _parse_portal(raw, f"{source}: portals[{index}]") for index, raw in enumerate(raw_portals)
    ]
    names = [portal.name for portal in portals]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise PortalConfigError(f"{source}: duplicate portal names: {', '.join(duplicates)}")
    return portals


def _parse_portal(raw: Any, where: str) -> Portal:
    _require_mapping(raw, where)
    _reject_unknown_keys(
        raw,
        {"name", "description", "connection", "timezone", "incremental", "entities", "quality"},
        where,
    )
    name = _require_string(raw, "name", where)
    if not PORTAL_NAME_PATTERN.match(name):
        raise PortalConfigError(
            f"{where}.name: '{name}' must be lowercase letters, digits and underscores, "
            "starting with a letter (at most 40 characters)"
        )
    where = f"{where} ({name})"

    connection = raw.get("connection")
    _require_mapping(connection, f"{where}.connection")
    _reject_unknown_keys(
        connection, {"url_env", "default_url", "attempts", "backoff_seconds"}, f"{where}.connection"
    )
    url_env = _require_string(connection, "url_env", f"{where}.connection")
    if not re.match(r"^[A-Z_][A-Z0-9_]*$", url_env):
        raise PortalConfigError(
            f"{where}.connection.url_env: '{url_env}' is not an environment variable name"
        )
    default_url = connection.get("default_url")
    if default_url is not None:
        if not isinstance(default_url, str) or not default_url.startswith("sqlite:///"):
            raise PortalConfigError(
                f"{where}.connection.default_url: only a sqlite:/// URL may be written in the "
                f"file; put other URLs in the environment variable {url_env}"
            )
        default_url = _resolve_sqlite_url(default_url)

    attempts = _optional_number(
        connection, "attempts", f"{where}.connection", DEFAULT_CONNECT_ATTEMPTS, 1, 20, whole=True
    )
    backoff_seconds = _optional_number(
        connection, "backoff_seconds", f"{where}.connection", DEFAULT_BACKOFF_SECONDS, 0, 300
    )

    incremental = raw.get("incremental", {})
    _require_mapping(incremental, f"{where}.incremental")
    _reject_unknown_keys(incremental, {"overlap_minutes"}, f"{where}.incremental")
    overlap_minutes = _optional_number(
        incremental,
        "overlap_minutes",
        f"{where}.incremental",
        DEFAULT_OVERLAP_MINUTES,
        0,
        60 * 24 * 31,
    )

    timezone = _require_string(raw, "timezone", where)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise PortalConfigError(f"{where}.timezone: unknown time zone '{timezone}'") from error

    raw_entities = raw.get("entities")
    _require_mapping(raw_entities, f"{where}.entities")
    entities = {
        entity: _parse_entity(entity, mapping, f"{where}.entities.{entity}")
        for entity, mapping in raw_entities.items()
    }
    if "survey_responses" not in entities:
        raise PortalConfigError(f"{where}.entities: 'survey_responses' must be mapped")

    return Portal(
        name=name,
        description=str(raw.get("description", "")),
        url_env=url_env,
        default_url=default_url,
        timezone=timezone,
        entities=entities,
        overlap=timedelta(minutes=overlap_minutes),
        connect_attempts=int(attempts),
        backoff_seconds=float(backoff_seconds),
        quality=_parse_quality(raw.get("quality", {}), f"{where}.quality"),
    )


def _parse_quality(raw: Any, where: str) -> PortalQuality:
    _require_mapping(raw, where)
    _reject_unknown_keys(
        raw, {"live_since", "touchpoints", "channels", "response_window_days"}, where
    )
    live_since = raw.get("live_since")
    if live_since is not None and not isinstance(live_since, date):
        try:
            live_since = date.fromisoformat(str(live_since))
        except ValueError:
            raise PortalConfigError(
                f"{where}.live_since: '{live_since}' is not a date (YYYY-MM-DD)"
            ) from None
    if isinstance(live_since, datetime):
        live_since = live_since.date()
    window = _optional_number(
        raw, "response_window_days", where, DEFAULT_RESPONSE_WINDOW_DAYS, 1, 3660, whole=True
    )
    return PortalQuality(
        live_since=live_since,
        touchpoints=_string_list(raw, "touchpoints", where),
        channels=_string_list(raw, "channels", where),
        response_window_days=int(window),
    )


def _string_list(raw: dict, key: str, where: str) -> tuple[str, ...]:
    values = raw.get(key, [])
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise PortalConfigError(f"{where}.{key}: expected a list of texts")
    return tuple(values)


def _parse_entity(entity: str, raw: Any, where: str) -> EntityMapping:
    contract = ENTITIES.get(entity)
    if contract is None:
        raise PortalConfigError(
            f"{where}: unknown entity '{entity}'; known: {', '.join(sorted(ENTITIES))}"
        )
    _require_mapping(raw, where)
    _reject_unknown_keys(raw, {"table", "columns"}, where)
    table = _require_identifier(raw.get("table"), f"{where}.table")

    columns = raw.get("columns")
    _require_mapping(columns, f"{where}.columns")
    unknown = sorted(set(columns) - set(contract.columns))
    if unknown:
        raise PortalConfigError(
            f"{where}.columns: not canonical columns of {entity}: {', '.join(unknown)}; "
            f"canonical: {', '.join(contract.columns)}"
        )
    missing = [column for column in contract.required_columns if column not in columns]
    if missing:
        raise PortalConfigError(
            f"{where}.columns: required columns not mapped: {', '.join(missing)}"
        )
    mapped = {
        canonical: _require_identifier(source, f"{where}.columns.{canonical}")
        for canonical, source in columns.items()
    }
    return EntityMapping(entity=entity, table=table, columns=mapped)


def _resolve_sqlite_url(url: str) -> str:
    path = Path(url.removeprefix("sqlite:///"))
    if not path.is_absolute():
        path = PROJECT_ROOT / path
    return f"sqlite:///{path}"


def _require_mapping(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise PortalConfigError(f"{where}: expected a mapping")


def _reject_unknown_keys(raw: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise PortalConfigError(f"{where}: unknown keys: {', '.join(unknown)}")


def _require_string(raw: dict, key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PortalConfigError(f"{where}.{key}: expected a non-empty string")
    return value


def _optional_number(
    raw: dict,
    key: str,
    where: str,
    default: float,
    minimum: float,
    maximum: float,
    whole: bool = False,
) -> float:
    value = raw.get(key, default)
    wrong_kind = isinstance(value, bool) or not isinstance(value, int | float)
    if wrong_kind or (whole and not isinstance(value, int)):
        kind = "a whole number" if whole else "a number"
        raise PortalConfigError(f"{where}.{key}: expected {kind}, got {value!r}")
    if not minimum <= value <= maximum:
        raise PortalConfigError(f"{where}.{key}: {value} is outside {minimum}-{maximum}")
    return value


def _require_identifier(value: Any, where: str) -> str:
    if not isinstance(value, str) or not SOURCE_IDENTIFIER_PATTERN.match(value):
        raise PortalConfigError(
            f"{where}: {value!r} is not a plain SQL identifier "
            "(letters, digits, '_' or '$', optionally 'schema.table')"
        )
    return value
