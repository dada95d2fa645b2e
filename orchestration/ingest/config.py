"""Reading and validating the portal configuration file.

The file is the one place where a portal's own table and column names are
mapped onto the canonical contract. Everything taken from it that ends up in
SQL is checked here against a strict identifier pattern, so a table or column
name in the file cannot smuggle SQL into an extraction query.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from orchestration.ingest.contract import ENTITIES
from orchestration.settings import PROJECT_ROOT

PORTAL_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Letters, digits, underscore and dollar, optionally schema-qualified once.
SOURCE_IDENTIFIER_PATTERN = re.compile(
    r"^[A-Za-z_][A-Za-z0-9_$]{0,62}(\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$"
)
SUPPORTED_SCHEMES = ("sqlite",)


class PortalConfigError(ValueError):
    """The portal configuration is invalid; the message names the place in the file."""


@dataclass(frozen=True)
class EntityMapping:
    """How one canonical entity is read from a portal table."""

    entity: str
    table: str
    columns: dict[str, str]  # canonical column -> source column


@dataclass(frozen=True)
class Portal:
    """One portal database and the mapping of its tables onto the contract."""

    name: str
    description: str
    url_env: str
    default_url: str | None
    timezone: str
    entities: dict[str, EntityMapping]

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
    _reject_unknown_keys(raw, {"name", "description", "connection", "timezone", "entities"}, where)
    name = _require_string(raw, "name", where)
    if not PORTAL_NAME_PATTERN.match(name):
        raise PortalConfigError(
            f"{where}.name: '{name}' must be lowercase letters, digits and underscores, "
            "starting with a letter (at most 40 characters)"
        )
    where = f"{where} ({name})"

    connection = raw.get("connection")
    _require_mapping(connection, f"{where}.connection")
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
    )


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


def _require_identifier(value: Any, where: str) -> str:
    if not isinstance(value, str) or not SOURCE_IDENTIFIER_PATTERN.match(value):
        raise PortalConfigError(
            f"{where}: {value!r} is not a plain SQL identifier "
            "(letters, digits, '_' or '$', optionally 'schema.table')"
        )
    return value
