"""A cheap look at whether a portal has new or edited rows: the newest ``updated_at``.

The portal answers ``max(updated_at)`` per table from its index in milliseconds,
so a sensor can ask every few minutes without loading anything. Inserted and
edited rows move the maximum; deleted rows do not (see the README's limits).
Rows stamped in the future (a wrong clock) are left out of the maximum, as they
are for the watermark: one such row would otherwise hide every later edit.
"""

import json
from datetime import UTC, datetime

import duckdb

from orchestration.ingest.config import Portal
from orchestration.ingest.extract import UPDATED_AT, inspect_source
from orchestration.ingest.load import configure_session
from orchestration.ingest.sources import (
    Dialect,
    attach_source,
    detach_source,
    quote_identifier,
    quote_literal,
)
from orchestration.ingest.watermark import WatermarkKind, watermark_cap


def newest_updated_at(portal: Portal, now: datetime | None = None) -> dict[str, str | None]:
    """The newest ``updated_at`` up to now per entity that maps one; None for an empty table."""
    tracked = [
        entity for entity, mapping in portal.entities.items() if UPDATED_AT in mapping.columns
    ]
    if not tracked:
        return {}
    location = portal.source_location()
    alias = f"probe_{portal.name}"
    with duckdb.connect(":memory:") as connection:
        configure_session(connection)
        attach_source(
            connection,
            portal=portal.name,
            location=location,
            alias=alias,
            # A sensor asks again at its next tick; it should not sit in backoff.
            attempts=1,
            backoff_seconds=0,
        )
        try:
            newest = {}
            for entity in tracked:
                inspection = inspect_source(
                    connection,
                    alias=alias,
                    portal=portal.name,
                    location=location,
                    mapping=portal.entities[entity],
                )
                cap = watermark_cap(
                    inspection.watermark_kind, portal.timezone, now or datetime.now(UTC)
                )
                newest[entity] = _max_updated_at(
                    connection, inspection, alias, location.dialect, cap, inspection.watermark_kind
                )
            return newest
        finally:
            detach_source(connection, alias)


def _max_updated_at(
    connection, inspection, alias: str, dialect: Dialect, cap: str, kind: WatermarkKind
) -> str | None:
    column = inspection.columns[UPDATED_AT]
    if dialect is Dialect.SQLITE:
        # SQLite hands every value over as text; compared as times, so that
        # '2026-12-03T10:00' and '2026-12-03 10:00' order alike.
        typed = f"try_cast({quote_identifier(column, 'duckdb')} as timestamp)"
        sql = (
            f"select cast(max({quote_identifier(column, 'duckdb')}) filter "
            f"(where {typed} <= cast(? as timestamp)) as varchar) from {inspection.table_ref}"
        )
        (value,) = connection.execute(sql, [cap]).fetchone()
        return value
    # Sent to the portal as one query, so it is answered from its own index. Text
    # columns are compared as the portal's text, where the cap's notation may not
    # order correctly; they go without the cap.
    quoted = quote_identifier(column, dialect)
    condition = "" if kind is WatermarkKind.TEXT else f" where {quoted} <= {quote_literal(cap)}"
    native = f"select max({quoted}) as newest from {inspection.native_table}{condition}"
    function = {Dialect.POSTGRES: "postgres_query", Dialect.MYSQL: "mysql_query"}[dialect]
    (value,) = connection.execute(
        f"select cast(newest as varchar) from {function}(?, ?)", [alias, native]
    ).fetchone()
    return value


def encode_cursor(newest: dict[str, str | None]) -> str:
    return json.dumps(newest, sort_keys=True)


def decode_cursor(cursor: str | None) -> dict[str, str | None]:
    """The newest values seen at the last tick; empty before the first tick."""
    if not cursor:
        return {}
    try:
        decoded = json.loads(cursor)
    except json.JSONDecodeError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def changed_entities(previous: dict[str, str | None], current: dict[str, str | None]) -> list[str]:
    """The entities whose newest ``updated_at`` differs from the last tick's.

    Any difference counts, also a maximum that went back: a portal that restored
    a backup or corrected a clock has changed rows too.
    """
    return sorted(entity for entity in current if previous.get(entity, "") != current[entity])
