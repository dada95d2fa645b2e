"""Writing extracted portal data into the warehouse's raw layer (DuckDB).

Layout of the raw schema:
- ``raw.<portal>__<entity>``: one table per portal and entity, all text, canonical names;
- ``raw.<entity>``: a view that stacks every portal's table of that entity; dbt's sources;
- ``raw.portals``: the portals and their time zones, taken from the configuration.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from orchestration.ingest.config import Portal
from orchestration.ingest.contract import ENTITIES, EXTRACTED_AT_COLUMN, PORTAL_COLUMN

RAW_SCHEMA = "raw"


def portal_table_name(portal: str, entity: str) -> str:
    return f"{portal}__{entity}"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _qualified(table: str) -> str:
    return f"{_quote(RAW_SCHEMA)}.{_quote(table)}"


def _column_definitions(entity: str) -> str:
    columns = [f"{_quote(PORTAL_COLUMN)} varchar not null"]
    columns += [f"{_quote(column)} varchar" for column in ENTITIES[entity].columns]
    columns.append(f"{_quote(EXTRACTED_AT_COLUMN)} timestamp not null")
    return ", ".join(columns)


@dataclass(frozen=True)
class LoadResult:
    rows_written: int
    extracted_at: datetime


def replace_portal_table(
    connection: duckdb.DuckDBPyConnection,
    portal: str,
    entity: str,
    batches: Iterable[pa.RecordBatch],
) -> LoadResult:
    """Replaces one portal's raw table with the given batches, in one transaction.

    A failure half-way leaves the previous version of the table in place.
    """
    table = _qualified(portal_table_name(portal, entity))
    canonical = ", ".join(_quote(column) for column in ENTITIES[entity].columns)
    # Naive UTC, like every timestamp the warehouse derives.
    extracted_at = datetime.now(UTC).replace(tzinfo=None)
    rows = 0
    connection.execute(f"create schema if not exists {_quote(RAW_SCHEMA)}")
    connection.begin()
    try:
        connection.execute(f"create or replace table {table} ({_column_definitions(entity)})")
        for batch in batches:
            connection.register("incoming_batch", pa.Table.from_batches([batch]))
            connection.execute(
                f"insert into {table} select ?, {canonical}, ? from incoming_batch",
                [portal, extracted_at],
            )
            connection.unregister("incoming_batch")
            rows += batch.num_rows
        connection.commit()
    except Exception:
        connection.rollback()
        raise
    return LoadResult(rows_written=rows, extracted_at=extracted_at)


def refresh_canonical_view(
    connection: duckdb.DuckDBPyConnection, entity: str, portals: Iterable[Portal]
) -> list[str]:
    """(Re)creates ``raw.<entity>`` over the portal tables that exist; returns their portals.

    With no portal table yet the view is empty but has the canonical columns, so
    the dbt models always have a source to read.
    """
    existing = {
        name
        for (name,) in connection.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [RAW_SCHEMA],
        ).fetchall()
    }
    included = [
        portal.name
        for portal in portals
        if entity in portal.entities and portal_table_name(portal.name, entity) in existing
    ]
    columns = [PORTAL_COLUMN, *ENTITIES[entity].columns, EXTRACTED_AT_COLUMN]
    column_list = ", ".join(_quote(column) for column in columns)
    if included:
        body = " union all ".join(
            f"select {column_list} from {_qualified(portal_table_name(name, entity))}"
            for name in included
        )
    else:
        nulls = ", ".join(
            f"cast(null as {'timestamp' if column == EXTRACTED_AT_COLUMN else 'varchar'}) "
            f"as {_quote(column)}"
            for column in columns
        )
        body = f"select {nulls} where false"
    connection.execute(f"create schema if not exists {_quote(RAW_SCHEMA)}")
    connection.execute(f"create or replace view {_qualified(entity)} as {body}")
    return included


def write_portals_table(connection: duckdb.DuckDBPyConnection, portals: Iterable[Portal]) -> int:
    """Writes ``raw.portals``: the configured portals with their time zones."""
    rows = [(portal.name, portal.description, portal.timezone) for portal in portals]
    connection.execute(f"create schema if not exists {_quote(RAW_SCHEMA)}")
    connection.execute(
        f"create or replace table {_qualified('portals')} "
        "(portal varchar not null, description varchar, source_timezone varchar not null)"
    )
    connection.executemany(f"insert into {_qualified('portals')} values (?, ?, ?)", rows)
    return len(rows)
