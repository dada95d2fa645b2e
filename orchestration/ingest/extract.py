"""Extracting one canonical entity from a portal database as text-typed Arrow batches.

Values are cast to text in the source query, so a score stored as ``'ten'`` or
a timestamp in an odd format reaches the warehouse exactly as the portal holds
it; dbt staging decides what is valid. Batches keep memory bounded whatever
the table size.
"""

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from orchestration.ingest.config import EntityMapping, Portal
from orchestration.ingest.contract import ENTITIES

DEFAULT_BATCH_ROWS = 100_000


class PortalExtractionError(RuntimeError):
    """Reading a portal failed; the message names the portal and the cause, never the URL."""


@dataclass(frozen=True)
class SourceInspection:
    """What the source table holds beside the mapping."""

    ignored_columns: tuple[str, ...]


def quote_identifier(identifier: str) -> str:
    """Quotes a (possibly schema-qualified) identifier for SQLite and PostgreSQL."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in identifier.split("."))


def build_extract_query(mapping: EntityMapping) -> str:
    """The SELECT that reads one entity as text under canonical column names.

    Optional canonical columns that the portal does not map come back as NULL,
    so every portal's raw table has the same shape.
    """
    selected = []
    for column in ENTITIES[mapping.entity].columns:
        source = mapping.columns.get(column)
        expression = f"cast({quote_identifier(source)} as text)" if source else "cast(null as text)"
        selected.append(f"{expression} as {quote_identifier(column)}")
    return f"select {', '.join(selected)} from {quote_identifier(mapping.table)}"


def sqlite_path(portal: Portal) -> Path:
    url = portal.connection_url()
    if not url.startswith("sqlite:///"):
        scheme = url.split(":", 1)[0]
        raise PortalExtractionError(
            f"portal '{portal.name}': connection scheme '{scheme}' is not supported "
            "(supported: sqlite)"
        )
    return Path(url.removeprefix("sqlite:///"))


def _open_sqlite(portal: Portal) -> sqlite3.Connection:
    path = sqlite_path(portal)
    if not path.exists():
        raise PortalExtractionError(
            f"portal '{portal.name}': SQLite database {path} does not exist "
            "(for the demo portals run `make demo-data`)"
        )
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def inspect_source(connection: sqlite3.Connection, portal: Portal, mapping: EntityMapping):
    """Checks that every mapped column exists; reports the columns nobody maps."""
    table = mapping.table.split(".")[-1]
    rows = connection.execute("select name from pragma_table_info(?)", (table,)).fetchall()
    if not rows:
        raise PortalExtractionError(
            f"portal '{portal.name}': table '{mapping.table}' (mapped as {mapping.entity}) "
            "does not exist"
        )
    present = {name for (name,) in rows}
    for canonical, source in mapping.columns.items():
        if source not in present:
            raise PortalExtractionError(
                f"portal '{portal.name}': table '{mapping.table}' has no column '{source}' "
                f"(mapped as {mapping.entity}.{canonical})"
            )
    mapped = set(mapping.columns.values())
    return SourceInspection(ignored_columns=tuple(sorted(present - mapped)))


def extract_entity(
    portal: Portal, entity: str, batch_rows: int = DEFAULT_BATCH_ROWS
) -> tuple[SourceInspection, Iterator[pa.RecordBatch]]:
    """Opens the portal and returns the inspection and a lazy stream of text batches."""
    mapping = portal.entities[entity]
    connection = _open_sqlite(portal)
    try:
        inspection = inspect_source(connection, portal, mapping)
    except Exception:
        connection.close()
        raise
    return inspection, _stream_batches(connection, portal, mapping, batch_rows)


def _stream_batches(
    connection: sqlite3.Connection, portal: Portal, mapping: EntityMapping, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    columns = ENTITIES[mapping.entity].columns
    schema = pa.schema([(column, pa.string()) for column in columns])
    try:
        cursor = connection.execute(build_extract_query(mapping))
        while rows := cursor.fetchmany(batch_rows):
            values = list(zip(*rows, strict=True))
            yield pa.RecordBatch.from_arrays(
                [pa.array(column_values, type=pa.string()) for column_values in values],
                schema=schema,
            )
    except sqlite3.Error as error:
        raise PortalExtractionError(
            f"portal '{portal.name}': reading {mapping.entity} from '{mapping.table}' "
            f"failed: {error}"
        ) from error
    finally:
        connection.close()
