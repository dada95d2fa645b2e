"""What to read from an attached portal database, as DuckDB SQL under canonical names.

Every value is cast to text on the way in, so a score stored as ``'ten'`` or a
timestamp in an odd format reaches the raw layer exactly as the portal holds it;
dbt staging decides what is valid. SQLite columns are read as text by the
scanner itself, so SQLite's loose typing cannot fail a load either; SQLite text
that is not valid UTF-8 fails the read and is loaded repaired instead (see
``orchestration.ingest.text_repair``).

A full load reads the attached table through DuckDB, which splits a PostgreSQL
table into page ranges read in parallel. An incremental load sends one query in
the portal's own dialect (identifiers quoted for it), so that the portal can use
its index on ``updated_at`` and include rows whose ``updated_at`` is empty.
"""

from dataclasses import dataclass

import duckdb

from orchestration.ingest.config import EntityMapping
from orchestration.ingest.contract import ENTITIES
from orchestration.ingest.masking import mask_sql
from orchestration.ingest.sources import (
    Dialect,
    SourceLocation,
    quote_identifier,
    quote_literal,
)
from orchestration.ingest.watermark import WatermarkKind, watermark_kind

UPDATED_AT = "updated_at"


class PortalExtractionError(RuntimeError):
    """Reading a portal failed; the message names the portal and the cause, never the URL."""


@dataclass(frozen=True)
class SourceInspection:
    """The source table as found, checked against the mapping."""

    table_ref: str  # the table in DuckDB SQL, through the attached database
    native_table: str  # the table in the portal's own dialect
    columns: dict[str, str]  # canonical column -> the source column's own spelling
    ignored_columns: tuple[str, ...]  # source columns no canonical column maps
    watermark_kind: WatermarkKind | None  # None when updated_at is not mapped
    # SQLite hands DuckDB its bytes unchecked; text that is not UTF-8 must fail the read
    # (and be repaired, see text_repair) instead of reaching a warehouse table.
    check_utf8: bool = False


def _find_table(
    connection: duckdb.DuckDBPyConnection, alias: str, schema: str, table: str
) -> tuple[str, str] | None:
    """The (schema, table) the attached database holds under this name.

    An exact match wins; otherwise a single case-insensitive match, because MySQL
    and SQLite names are case-insensitive and the configuration may differ in case.
    """
    rows = connection.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? "
        "union all "
        "select schema_name, view_name from duckdb_views() where database_name = ?",
        [alias, alias],
    ).fetchall()
    if (schema, table) in rows:
        return schema, table
    wanted = (schema.lower(), table.lower())
    folded = [row for row in rows if (row[0].lower(), row[1].lower()) == wanted]
    return folded[0] if len(folded) == 1 else None


def inspect_source(
    connection: duckdb.DuckDBPyConnection,
    *,
    alias: str,
    portal: str,
    location: SourceLocation,
    mapping: EntityMapping,
) -> SourceInspection:
    """Checks that the mapped table and columns exist; reports the columns nobody maps."""
    schema, _, table = mapping.table.rpartition(".")
    found = _find_table(connection, alias, schema or location.default_schema, table)
    if found is None:
        raise PortalExtractionError(
            f"portal '{portal}': table '{mapping.table}' (mapped as {mapping.entity}) "
            f"does not exist in {location.describe()}"
        )
    schema, table = found
    present = dict(
        connection.execute(
            "select column_name, data_type from duckdb_columns() "
            "where database_name = ? and schema_name = ? and table_name = ? "
            "order by column_index",
            [alias, schema, table],
        ).fetchall()
    )
    by_folded_name = {name.lower(): name for name in present}

    columns = {}
    for canonical, source in mapping.columns.items():
        actual = source if source in present else by_folded_name.get(source.lower())
        if actual is None:
            raise PortalExtractionError(
                f"portal '{portal}': table '{mapping.table}' has no column '{source}' "
                f"(mapped as {mapping.entity}.{canonical})"
            )
        columns[canonical] = actual

    kind = None
    if UPDATED_AT in columns:
        source_type = present[columns[UPDATED_AT]]
        kind = watermark_kind(source_type)
        if kind is None:
            raise PortalExtractionError(
                f"portal '{portal}': column '{mapping.columns[UPDATED_AT]}' of table "
                f"'{mapping.table}' (mapped as {mapping.entity}.updated_at) has type "
                f"{source_type}; an incremental load needs a timestamp, a date or ISO 8601 "
                "text. Map a different column, or none to reload this entity in full."
            )

    mapped = set(columns.values())
    native_schema = [] if location.dialect is Dialect.SQLITE and schema == "main" else [schema]
    return SourceInspection(
        table_ref=".".join(quote_identifier(part, "duckdb") for part in (alias, schema, table)),
        native_table=".".join(
            quote_identifier(part, location.dialect) for part in [*native_schema, table]
        ),
        columns=columns,
        ignored_columns=tuple(name for name in present if name not in mapped),
        watermark_kind=kind,
        check_utf8=location.dialect is Dialect.SQLITE,
    )


def text_select_list(inspection: SourceInspection, entity: str) -> str:
    """Every canonical column of the entity as text; unmapped optional columns are NULL.

    Free-text columns are masked here, so personal data never reaches a warehouse table.
    """
    selected = []
    free_text = ENTITIES[entity].free_text_columns
    for column in ENTITIES[entity].columns:
        source = inspection.columns.get(column)
        expression = (
            f"cast({quote_identifier(source, 'duckdb')} as varchar)"
            if source
            else "cast(null as varchar)"
        )
        if source and inspection.check_utf8:
            # decode() refuses bytes that are not UTF-8; a plain cast would pass them on.
            expression = f"decode(encode({expression}))"
        if source and column in free_text:
            expression = mask_sql(expression)
        selected.append(f"{expression} as {quote_identifier(column, 'duckdb')}")
    return ", ".join(selected)


def full_extract_query(inspection: SourceInspection, entity: str) -> tuple[str, list]:
    """Every row of the source table, as text under canonical names."""
    return f"select {text_select_list(inspection, entity)} from {inspection.table_ref}", []


def native_incremental_query(
    inspection: SourceInspection, dialect: Dialect, bound: str, upper: str | None = None
) -> str:
    """The query the portal runs itself: mapped columns changed since ``bound`` or undated.

    With ``upper`` (a backfill), only the rows updated from ``bound`` up to but
    excluding ``upper``: undated rows belong to no range, and every incremental
    load reads them anyway. The bounds are rendered by ``watermark.lower_bound``
    or ``backfill.range_bounds`` from a date or time; they are still written as
    quoted literals, never pasted raw.
    """
    sources = list(dict.fromkeys(inspection.columns.values()))
    selected = ", ".join(quote_identifier(column, dialect) for column in sources)
    updated = quote_identifier(inspection.columns[UPDATED_AT], dialect)
    if upper is not None:
        condition = f"{updated} >= {quote_literal(bound)} and {updated} < {quote_literal(upper)}"
    else:
        condition = f"{updated} >= {quote_literal(bound)} or {updated} is null"
    return f"select {selected} from {inspection.native_table} where {condition}"


def incremental_extract_query(
    inspection: SourceInspection,
    entity: str,
    *,
    alias: str,
    dialect: Dialect,
    bound: str,
    upper: str | None = None,
) -> tuple[str, list]:
    """Rows changed since ``bound`` (and rows without ``updated_at``), as text.

    With ``upper``, the rows updated from ``bound`` up to but excluding ``upper``.
    """
    select_list = text_select_list(inspection, entity)
    if dialect is Dialect.SQLITE:
        # SQLite is a local file: DuckDB filters it directly (no index to serve).
        updated = quote_identifier(inspection.columns[UPDATED_AT], "duckdb")
        if upper is not None:
            return (
                f"select {select_list} from {inspection.table_ref} "
                f"where {updated} >= ? and {updated} < ?",
                [bound, upper],
            )
        return (
            f"select {select_list} from {inspection.table_ref} "
            f"where {updated} >= ? or {updated} is null",
            [bound],
        )
    function = {Dialect.POSTGRES: "postgres_query", Dialect.MYSQL: "mysql_query"}[dialect]
    native = native_incremental_query(inspection, dialect, bound, upper)
    return f"select {select_list} from {function}(?, ?)", [alias, native]
