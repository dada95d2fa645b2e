"""Publishing the marts as a separate read-only DuckDB file, replaced in one step.

DuckDB admits one writing process and, while it writes, no reader from another
process. A BI tool pointed at the working warehouse would block the pipeline or
be blocked by it. So after a run whose checks passed, the marts are copied into
a new file beside the serving path, which is checkpointed and closed (no WAL
left behind) and then renamed onto the serving path with ``os.replace``. The
rename is atomic: a reader that opens the serving path gets either the previous
complete version or the new complete one, and a reader that has it open keeps
reading the version it opened.

The file records its own provenance in schema ``serving``: ``publication`` (one
row: when it was built, from which run and which warehouse) and
``published_tables`` (one row per table with its row count), so that a reader
can tell which version it sees and check it is whole.
"""

import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.ingest.sources import quote_identifier, quote_literal

MARTS_SCHEMA = "marts"
SERVING_SCHEMA = "serving"
PUBLICATION_TABLE = f"{SERVING_SCHEMA}.publication"
PUBLISHED_TABLES_TABLE = f"{SERVING_SCHEMA}.published_tables"
SOURCE_ALIAS = "working_warehouse"


@dataclass(frozen=True)
class Publication:
    """One published version: what a reader of the serving file can rely on."""

    publication_id: str
    run_id: str
    built_at: datetime  # UTC, without a zone, like every timestamp of the warehouse
    source_warehouse: str
    row_counts: dict[str, int] = field(default_factory=dict)  # table name -> rows


@dataclass(frozen=True)
class PublishedFile:
    publication: Publication
    path: Path
    size_bytes: int
    seconds: float


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def list_tables(connection: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> list[str]:
    """The base tables (not views) of one schema of an attached database, by name."""
    rows = connection.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = ? and table_schema = ? and table_type = 'BASE TABLE' "
        "order by table_name",
        [catalog, schema],
    ).fetchall()
    return [name for (name,) in rows]


def building_path(serving_path: Path) -> Path:
    """A unique temporary name in the serving file's folder, so the final rename stays atomic.

    It starts with a dot and ends in ``.building``, which no reader mistakes for
    the serving file.
    """
    return serving_path.with_name(f".{serving_path.name}.{uuid.uuid4().hex[:12]}.building")


def wal_path(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def copy_marts(
    connection: duckdb.DuckDBPyConnection, warehouse_path: Path, schema: str = MARTS_SCHEMA
) -> dict[str, int]:
    """Copies every table of ``schema`` from the warehouse (attached read-only); returns rows."""
    connection.execute(f"attach {quote_literal(str(warehouse_path))} as {SOURCE_ALIAS} (read_only)")
    try:
        tables = list_tables(connection, SOURCE_ALIAS, schema)
        if not tables:
            raise ValueError(f"the warehouse {warehouse_path} holds no tables in schema {schema}")
        quoted_schema = quote_identifier(schema, "duckdb")
        connection.execute(f"create schema {quoted_schema}")
        row_counts = {}
        for table in tables:
            target = f"{quoted_schema}.{quote_identifier(table, 'duckdb')}"
            connection.execute(f"create table {target} as select * from {SOURCE_ALIAS}.{target}")
            (row_counts[table],) = connection.execute(f"select count(*) from {target}").fetchone()
    finally:
        connection.execute(f"detach {SOURCE_ALIAS}")
    return row_counts


def write_publication_record(
    connection: duckdb.DuckDBPyConnection, publication: Publication, schema: str = MARTS_SCHEMA
) -> None:
    connection.execute(f"create schema if not exists {SERVING_SCHEMA}")
    connection.execute(
        f"create table {PUBLICATION_TABLE} (publication_id varchar not null, "
        "run_id varchar not null, built_at timestamp not null, "
        "source_warehouse varchar not null, table_count integer not null, "
        "total_rows bigint not null)"
    )
    connection.execute(
        f"insert into {PUBLICATION_TABLE} values (?, ?, ?, ?, ?, ?)",
        [
            publication.publication_id,
            publication.run_id,
            publication.built_at,
            publication.source_warehouse,
            len(publication.row_counts),
            sum(publication.row_counts.values()),
        ],
    )
    connection.execute(
        f"create table {PUBLISHED_TABLES_TABLE} (table_schema varchar not null, "
        "table_name varchar not null, row_count bigint not null)"
    )
    connection.executemany(
        f"insert into {PUBLISHED_TABLES_TABLE} values (?, ?, ?)",
        [[schema, table, rows] for table, rows in sorted(publication.row_counts.items())],
    )


def publish_serving_file(
    warehouse_path: Path,
    serving_path: Path,
    run_id: str,
    built_at: datetime | None = None,
) -> PublishedFile:
    """Builds a new serving file from the warehouse's marts and renames it onto ``serving_path``.

    Nothing is renamed unless the whole copy succeeded: on any error the
    temporary file is removed and the previous version stays where it was.
    """
    started = time.monotonic()
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = building_path(serving_path)
    try:
        with duckdb.connect(str(temporary)) as connection:
            row_counts = copy_marts(connection, warehouse_path)
            publication = Publication(
                publication_id=uuid.uuid4().hex,
                run_id=run_id,
                built_at=built_at or utc_now(),
                source_warehouse=str(warehouse_path),
                row_counts=row_counts,
            )
            write_publication_record(connection, publication)
            # Everything into the main file, so the closed file needs no WAL.
            connection.execute("checkpoint")
        if wal_path(temporary).exists():
            raise RuntimeError(f"DuckDB left a write-ahead log beside {temporary}")
        # Read-only on disk too: a tool that tries to open it for writing (and so
        # would lock other readers out) fails instead of taking the lock.
        temporary.chmod(0o444)
        size_bytes = temporary.stat().st_size
        os.replace(temporary, serving_path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        wal_path(temporary).unlink(missing_ok=True)
        raise
    return PublishedFile(publication, serving_path, size_bytes, time.monotonic() - started)


def read_publication(connection: duckdb.DuckDBPyConnection) -> Publication:
    """The publication record of an open serving file."""
    publication_id, run_id, built_at, source = connection.execute(
        f"select publication_id, run_id, built_at, source_warehouse from {PUBLICATION_TABLE}"
    ).fetchone()
    row_counts = dict(
        connection.execute(
            f"select table_name, row_count from {PUBLISHED_TABLES_TABLE} order by table_name"
        ).fetchall()
    )
    return Publication(publication_id, run_id, built_at, source, row_counts)


def read_serving_publication(serving_path: Path) -> Publication | None:
    """The record of the version at ``serving_path``, or None before the first publication."""
    if not serving_path.exists():
        return None
    with duckdb.connect(str(serving_path), read_only=True) as connection:
        return read_publication(connection)
