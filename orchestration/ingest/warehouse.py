"""Writing extracted portal data into the warehouse's raw layer (DuckDB).

Layout of the raw schema:
- ``raw.<portal>__<entity>``: one table per portal and entity, all text, canonical names;
- ``raw.<entity>``: a view that stacks every portal's table of that entity; dbt's sources;
- ``raw.portals``: the portals and their time zones, taken from the configuration;
- ``raw._ingest_state``: per portal and entity, the ``updated_at`` watermark of the last load,
  so that a re-run, or a run on another machine against the same warehouse, reads on from there.

Each portal table carries one column more than the view shows, ``_row_hash``, by which
an incremental merge tells a changed row from one read again unchanged.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from orchestration.ingest.config import Portal
from orchestration.ingest.contract import ENTITIES, EXTRACTED_AT_COLUMN, PORTAL_COLUMN

RAW_SCHEMA = "raw"
STATE_TABLE = "_ingest_state"
ROW_HASH_COLUMN = "_row_hash"


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
    columns.append(f"{_quote(ROW_HASH_COLUMN)} ubigint not null")
    return ", ".join(columns)


def _row_hash(entity: str, prefix: str = "") -> str:
    """A 64-bit hash over the canonical columns: how a merge sees that a row changed.

    Comparing one stored number per row instead of every text column keeps an
    incremental merge cheap on a large table. A new DuckDB release may hash
    differently; the only effect is one merge that rewrites every row it reads.
    """
    columns = ", ".join(f"{prefix}{_quote(column)}" for column in ENTITIES[entity].columns)
    return f"hash({columns})"


@dataclass(frozen=True)
class IngestState:
    """What the last load of one portal entity left behind."""

    watermark: str | None
    watermark_kind: str | None
    mode: str
    loaded_at: datetime


def ensure_state_table(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(f"create schema if not exists {_quote(RAW_SCHEMA)}")
    connection.execute(
        f"create table if not exists {_qualified(STATE_TABLE)} ("
        "portal varchar not null, entity varchar not null, watermark varchar, "
        "watermark_kind varchar, mode varchar not null, rows_read bigint not null, "
        "rows_merged bigint not null, loaded_at timestamp not null, "
        "primary key (portal, entity))"
    )


def read_state(
    connection: duckdb.DuckDBPyConnection, portal: str, entity: str
) -> IngestState | None:
    """The stored watermark of one portal entity, or None before its first load."""
    ensure_state_table(connection)
    row = connection.execute(
        f"select watermark, watermark_kind, mode, loaded_at from {_qualified(STATE_TABLE)} "
        "where portal = ? and entity = ?",
        [portal, entity],
    ).fetchone()
    return IngestState(*row) if row else None


def write_state(
    connection: duckdb.DuckDBPyConnection,
    *,
    portal: str,
    entity: str,
    watermark: str | None,
    watermark_kind: str | None,
    mode: str,
    rows_read: int,
    rows_merged: int,
    loaded_at: datetime,
) -> None:
    connection.execute(
        f"insert or replace into {_qualified(STATE_TABLE)} values (?, ?, ?, ?, ?, ?, ?, ?)",
        [portal, entity, watermark, watermark_kind, mode, rows_read, rows_merged, loaded_at],
    )


def portal_table_ready(connection: duckdb.DuckDBPyConnection, portal: str, entity: str) -> bool:
    """Whether the portal table exists in the current layout (with its row hashes)."""
    (count,) = connection.execute(
        "select count(*) from information_schema.columns "
        "where table_schema = ? and table_name = ? and column_name = ?",
        [RAW_SCHEMA, portal_table_name(portal, entity), ROW_HASH_COLUMN],
    ).fetchone()
    return count == 1


def utc_now_naive() -> datetime:
    """Naive UTC, like every timestamp the warehouse derives."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class LoadResult:
    rows_read: int
    rows_merged: int
    extracted_at: datetime


def replace_portal_table(
    connection: duckdb.DuckDBPyConnection,
    portal: str,
    entity: str,
    source_sql: str,
    parameters: list,
    extracted_at: datetime,
) -> LoadResult:
    """Loads every row of ``source_sql`` into a new table that replaces the portal table.

    The rows land in a side table first, outside any transaction so that DuckDB can
    read the source in parallel; ``commit_replacement`` then swaps it in. A failure
    half-way leaves the previous table in place.
    """
    connection.execute(f"create schema if not exists {_quote(RAW_SCHEMA)}")
    incoming = _qualified(_incoming_table(portal, entity))
    canonical = ", ".join(_quote(column) for column in ENTITIES[entity].columns)
    connection.execute(f"drop table if exists {incoming}")
    connection.execute(f"create table {incoming} ({_column_definitions(entity)})")
    connection.execute(
        f"insert into {incoming} select ?, {canonical}, ?, {_row_hash(entity)} from ({source_sql})",
        [portal, extracted_at, *parameters],
    )
    (rows,) = connection.execute(f"select count(*) from {incoming}").fetchone()
    return LoadResult(rows_read=rows, rows_merged=rows, extracted_at=extracted_at)


def commit_replacement(connection: duckdb.DuckDBPyConnection, portal: str, entity: str) -> None:
    """Swaps the side table written by ``replace_portal_table`` in (inside a transaction)."""
    table = portal_table_name(portal, entity)
    connection.execute(f"drop table if exists {_qualified(table)}")
    connection.execute(
        f"alter table {_qualified(_incoming_table(portal, entity))} rename to {_quote(table)}"
    )


def discard_incoming(connection: duckdb.DuckDBPyConnection, portal: str, entity: str) -> None:
    connection.execute(f"drop table if exists {_qualified(_incoming_table(portal, entity))}")


def _incoming_table(portal: str, entity: str) -> str:
    return f"_incoming__{portal_table_name(portal, entity)}"


def merge_into_portal_table(
    connection: duckdb.DuckDBPyConnection,
    portal: str,
    entity: str,
    source_sql: str,
    parameters: list,
    extracted_at: datetime,
) -> LoadResult:
    """Merges the rows of ``source_sql`` into the portal table by natural key.

    A row identical to the stored one is left alone (so re-reading the overlap
    window changes nothing); a key with any changed row has all its stored rows
    replaced by the rows read. Rows without a key cannot be matched: one is added
    unless an identical row is already stored. Runs inside the caller's transaction.
    """
    key = _quote(ENTITIES[entity].key)
    table = _qualified(portal_table_name(portal, entity))
    canonical = ", ".join(_quote(column) for column in ENTITIES[entity].columns)
    connection.execute(
        f"create or replace temp table _incoming as select {canonical}, "
        f"{_row_hash(entity)} as {_quote(ROW_HASH_COLUMN)} from ({source_sql})",
        parameters,
    )
    (rows_read,) = connection.execute("select count(*) from _incoming").fetchone()
    hashed = _quote(ROW_HASH_COLUMN)
    connection.execute(
        "create or replace temp table _changed_keys as "
        f"select distinct incoming.{key} from _incoming as incoming "
        f"anti join {table} as stored "
        f"on stored.{key} = incoming.{key} and stored.{hashed} = incoming.{hashed} "
        f"where incoming.{key} is not null"
    )
    connection.execute(f"delete from {table} where {key} in (select {key} from _changed_keys)")
    inserted = connection.execute(
        f"insert into {table} select ?, {canonical}, ?, {hashed} from _incoming "
        f"where {key} in (select {key} from _changed_keys) "
        f"or ({key} is null and {hashed} not in "
        f"(select {hashed} from {table} where {key} is null))",
        [portal, extracted_at],
    ).fetchone()[0]
    connection.execute("drop table _incoming")
    connection.execute("drop table _changed_keys")
    return LoadResult(rows_read=rows_read, rows_merged=inserted, extracted_at=extracted_at)


def latest_updated_at(
    connection: duckdb.DuckDBPyConnection,
    portal: str,
    entity: str,
    candidate_sql: str,
    cap: str,
    since: datetime | None = None,
    incoming: bool = False,
) -> str | None:
    """Evaluates a watermark aggregate over the ``updated_at`` text of a portal table.

    ``incoming`` reads the side table of a full load before it is swapped in;
    ``since`` counts only the rows written by the load at that time.
    """
    name = _incoming_table(portal, entity) if incoming else portal_table_name(portal, entity)
    table = _qualified(name)
    where = f"where {_quote(EXTRACTED_AT_COLUMN)} = ?" if since else ""
    (value,) = connection.execute(
        f"select {candidate_sql} from {table} {where}",
        [cap, *([since] if since else [])],
    ).fetchone()
    return value


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
