"""Publishing the serving file's tables to a schema of a PostgreSQL database.

For BI tools that prefer PostgreSQL. One publication is one PostgreSQL
transaction: the tables are written into a fresh staging schema, the schema
that readers use is renamed out of the way and the staging schema renamed to
it, and only then is the transaction committed. A reader sees the previous
version or the new one, never a mixture, and a failure at any point rolls back
to the previous version. The old version is dropped after the commit, in its
own statement, so that a long BI query on it delays only the clean-up and no
new reader.

The rows are copied by DuckDB's postgres_scanner (from the pinned PyPI
package, never downloaded), straight from the serving file without passing
through Python. The connection URL may hold a password: it reaches DuckDB only
inside a temporary secret, and every error message is scrubbed of it.

PostgreSQL text cannot hold a NUL character, which a portal may have stored in
a comment: in the published copy each NUL becomes U+FFFD, the Unicode
replacement character, so the publication goes through and shows where the
character was.
"""

import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.sources import (
    Dialect,
    attach_statements,
    load_scanner,
    parse_connection_url,
    quote_identifier,
    quote_literal,
    redact,
)
from orchestration.serving.publish import (
    MARTS_SCHEMA,
    PUBLICATION_TABLE,
    PUBLISHED_TABLES_TABLE,
    list_tables,
    read_publication,
)

# What a NUL character in text becomes in PostgreSQL, which cannot store it.
NUL_REPLACEMENT = "\ufffd"
SERVING_ALIAS = "serving_file"
TARGET_ALIAS = "publication_target"
# A plain lower-case name, so it needs no quoting in the BI tools' SQL either.
SCHEMA_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,39}$")
# The two provenance tables land in the published schema under these names.
METADATA_TABLES = {"publication": PUBLICATION_TABLE, "published_tables": PUBLISHED_TABLES_TABLE}


class PostgresPublicationError(RuntimeError):
    """The publication to PostgreSQL failed; the message never holds the connection URL."""


@dataclass(frozen=True)
class PostgresPublication:
    schema: str
    database: str  # safe to log: database, host and port, no user or password
    row_counts: dict[str, int]
    seconds: float
    previous_version_dropped: bool


def validate_schema_name(schema: str) -> str:
    if not SCHEMA_PATTERN.match(schema):
        raise ValueError(
            f"the PostgreSQL schema name {schema!r} must be lower-case letters, digits and "
            "underscores, starting with a letter or underscore, at most 40 characters"
        )
    return schema


def swap_statement(schema: str, staging: str, retired: str) -> str:
    """PostgreSQL SQL that moves the live schema aside (if there is one) and puts staging in."""
    return (
        "do $$ begin "
        f"if exists (select 1 from pg_namespace where nspname = {quote_literal(schema)}) then "
        f"alter schema {schema} rename to {retired}; "
        "end if; "
        f"alter schema {staging} rename to {schema}; "
        "end $$"
    )


def _postgres_execute(connection: duckdb.DuckDBPyConnection, sql: str) -> None:
    # postgres_execute runs on the attached database's connection, inside the
    # transaction DuckDB has open there.
    connection.execute(
        f"call postgres_execute({quote_literal(TARGET_ALIAS)}, {quote_literal(sql)})"
    )


def _leftover_schemas(connection: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    pattern = schema.replace("_", "\\_") + "\\_\\_retired\\_%"
    rows = connection.execute(
        "select nspname from postgres_query(?, ?)",
        [
            TARGET_ALIAS,
            f"select nspname from pg_namespace where nspname like {quote_literal(pattern)}",
        ],
    ).fetchall()
    return [name for (name,) in rows]


def _drop_schema(connection: duckdb.DuckDBPyConnection, schema: str) -> bool:
    try:
        _postgres_execute(connection, f"drop schema if exists {schema} cascade")
    except duckdb.Error:
        return False  # a reader still holds it; the next publication tries again
    return True


def _copy_tables(connection: duckdb.DuckDBPyConnection, staging: str) -> dict[str, int]:
    """Creates every mart and the two provenance tables in ``staging``; returns their rows."""
    sources = {
        table: f"{SERVING_ALIAS}.{MARTS_SCHEMA}.{quote_identifier(table, 'duckdb')}"
        for table in list_tables(connection, SERVING_ALIAS, MARTS_SCHEMA)
    }
    clash = set(sources) & set(METADATA_TABLES)
    if clash:
        raise ValueError(f"a mart is named like a provenance table: {sorted(clash)}")
    sources |= {name: f"{SERVING_ALIAS}.{table}" for name, table in METADATA_TABLES.items()}
    row_counts = {}
    for table, source in sources.items():
        target = f"{TARGET_ALIAS}.{staging}.{quote_identifier(table, 'duckdb')}"
        connection.execute(f"create table {target} as select * from {source}")
        (row_counts[table],) = connection.execute(f"select count(*) from {target}").fetchone()
    return row_counts


def publish_to_postgres(serving_path: Path, url: str, schema: str) -> PostgresPublication:
    """Publishes every table of the serving file to ``schema`` in one transaction."""
    validate_schema_name(schema)
    location = parse_connection_url(url)
    if location.dialect is not Dialect.POSTGRES:
        raise PostgresPublicationError("the serving publication URL must be a postgresql:// URL")
    token = uuid.uuid4().hex[:8]
    staging, retired = f"{schema}__staging_{token}", f"{schema}__retired_{token}"
    started = time.monotonic()
    try:
        with duckdb.connect() as connection:
            load_scanner(connection, Dialect.POSTGRES)
            connection.execute(f"set pg_null_byte_replacement = {quote_literal(NUL_REPLACEMENT)}")
            connection.execute(
                f"attach {quote_literal(str(serving_path))} as {SERVING_ALIAS} (read_only)"
            )
            with connection.cursor() as reader:
                reader.execute(f"use {SERVING_ALIAS}")
                publication = read_publication(reader)
            for statement in attach_statements(location, TARGET_ALIAS, read_only=False):
                connection.execute(statement)
            for leftover in _leftover_schemas(connection, schema):
                _drop_schema(connection, leftover)

            connection.execute("begin")
            try:
                _postgres_execute(connection, f"create schema {staging}")
                row_counts = _copy_tables(connection, staging)
                expected = {
                    **publication.row_counts,
                    "published_tables": len(publication.row_counts),
                }
                expected["publication"] = 1
                if row_counts != expected:
                    raise PostgresPublicationError(
                        f"rows written to PostgreSQL differ from the serving file: {row_counts}"
                    )
                _postgres_execute(connection, swap_statement(schema, staging, retired))
                connection.execute("commit")
            except BaseException:
                connection.execute("rollback")
                raise
            dropped = _drop_schema(connection, retired)
    except duckdb.Error as error:
        cause = redact(str(error), location.secrets()).strip()
        raise PostgresPublicationError(
            f"publishing to schema {schema} of the {location.describe()} failed: {cause}"
        ) from None
    return PostgresPublication(
        schema, location.describe(), row_counts, time.monotonic() - started, dropped
    )
