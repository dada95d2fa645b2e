"""One load of one portal entity into the raw layer: attach, inspect, read, merge, remember.

This is the whole ingest step without Dagster, so that tests and the benchmark
run exactly what the assets run.
"""

import contextlib
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from orchestration.ingest.backfill import UpdatedRange, range_bounds
from orchestration.ingest.config import Portal
from orchestration.ingest.extract import (
    PortalExtractionError,
    SourceInspection,
    full_extract_query,
    incremental_extract_query,
    inspect_source,
)
from orchestration.ingest.sources import (
    Dialect,
    SourceLocation,
    attach_source,
    detach_source,
    quote_identifier,
    redact,
)
from orchestration.ingest.text_repair import (
    is_invalid_unicode_error,
    register_repaired_sqlite_table,
)
from orchestration.ingest.warehouse import (
    LoadResult,
    commit_replacement,
    discard_incoming,
    latest_updated_at,
    merge_into_portal_table,
    portal_table_ready,
    read_state,
    replace_portal_table,
    utc_now_naive,
    write_state,
)
from orchestration.ingest.watermark import (
    LoadMode,
    candidate_sql,
    later_watermark,
    lower_bound,
    plan_load,
    watermark_cap,
)


@dataclass(frozen=True)
class LoadReport:
    """What one load did; every field goes into the asset's materialization metadata."""

    portal: str
    entity: str
    source_table: str
    mode: str
    reason: str
    rows_read: int
    rows_merged: int
    watermark_before: str | None
    watermark_after: str | None
    ignored_columns: tuple[str, ...]
    seconds: float
    # Values that were not valid UTF-8 and were read as Windows-1252 (see text_repair).
    repaired_text_values: int = 0


def configure_session(connection: duckdb.DuckDBPyConnection) -> None:
    """Session settings every load relies on."""
    # Source instants (timestamptz) are rendered as text in UTC, whatever the host's zone.
    connection.execute("set TimeZone = 'UTC'")
    # Raw rows have no meaningful order; dropping it lets DuckDB stream in parallel.
    connection.execute("set preserve_insertion_order = false")


def load_portal_entity(
    connection: duckdb.DuckDBPyConnection,
    portal: Portal,
    entity: str,
    *,
    full_refresh: bool = False,
    updated_range: UpdatedRange | None = None,
    now: datetime | None = None,
    log: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> LoadReport:
    """Loads one entity of one portal: in full, or incrementally from the stored watermark.

    With ``updated_range`` (a backfill), the rows updated on those days are read
    again and merged; the watermark does not move.
    """
    started = time.perf_counter()
    mapping = portal.entities[entity]
    location = portal.source_location()
    alias = f"portal_{portal.name}"
    # Where the rows of a table with text that is not UTF-8 are read from once repaired.
    repaired_view = f"_repaired__{alias}"
    configure_session(connection)
    state = read_state(connection, portal.name, entity)

    def on_retry(attempt: int, delay: float, cause: str) -> None:
        if log is not None:
            log(
                f"portal {portal.name}: connection attempt {attempt} failed ({cause}); "
                f"retrying in {delay:g} s"
            )

    attach_source(
        connection,
        portal=portal.name,
        location=location,
        alias=alias,
        attempts=portal.connect_attempts,
        backoff_seconds=portal.backoff_seconds,
        on_retry=on_retry,
        sleep=sleep,
    )
    try:
        inspection = inspect_source(
            connection, alias=alias, portal=portal.name, location=location, mapping=mapping
        )
        kind = inspection.watermark_kind
        plan = plan_load(
            full_refresh=full_refresh,
            watermark_kind=kind,
            stored_watermark=state.watermark if state else None,
            stored_kind=state.watermark_kind if state else None,
            target_ready=portal_table_ready(connection, portal.name, entity),
            backfill_range=updated_range.describe() if updated_range else None,
        )
        before = state.watermark if state else None
        cap = watermark_cap(kind, portal.timezone, now or datetime.now(UTC)) if kind else None
        extracted_at = utc_now_naive()

        def write_rows(inspection: SourceInspection) -> tuple[LoadResult, str | None]:
            if plan.mode is LoadMode.FULL:
                sql, parameters = full_extract_query(inspection, entity)
                result = replace_portal_table(
                    connection, portal.name, entity, sql, parameters, extracted_at
                )
                after = (
                    latest_updated_at(
                        connection,
                        portal.name,
                        entity,
                        candidate_sql('"updated_at"', kind),
                        cap,
                        incoming=True,
                    )
                    if kind
                    else None
                )
                connection.begin()
                commit_replacement(connection, portal.name, entity)
            elif plan.mode is LoadMode.BACKFILL:
                lower, upper = range_bounds(updated_range, kind)
                sql, parameters = incremental_extract_query(
                    inspection,
                    entity,
                    alias=alias,
                    dialect=location.dialect,
                    bound=lower,
                    upper=upper,
                )
                connection.begin()
                result = merge_into_portal_table(
                    connection, portal.name, entity, sql, parameters, extracted_at
                )
                # Rows of past days say nothing about what the next load still has to
                # read: moving the watermark here could skip rows after it.
                after = before
            else:
                bound = lower_bound(before, kind, portal.overlap)
                sql, parameters = incremental_extract_query(
                    inspection, entity, alias=alias, dialect=location.dialect, bound=bound
                )
                connection.begin()
                result = merge_into_portal_table(
                    connection, portal.name, entity, sql, parameters, extracted_at
                )
                candidate = latest_updated_at(
                    connection,
                    portal.name,
                    entity,
                    candidate_sql('"updated_at"', kind),
                    cap,
                    since=extracted_at,
                )
                after = later_watermark(before, candidate)
            write_state(
                connection,
                portal=portal.name,
                entity=entity,
                watermark=after,
                watermark_kind=kind.value if kind else None,
                mode=plan.mode.value,
                rows_read=result.rows_read,
                rows_merged=result.rows_merged,
                loaded_at=extracted_at,
            )
            connection.commit()
            return result, after

        repaired_values = 0
        try:
            try:
                result, after = write_rows(inspection)
            except duckdb.Error as error:
                if location.dialect is not Dialect.SQLITE or not is_invalid_unicode_error(error):
                    raise
                # Text that is not UTF-8: read the table again, repaired, and load that.
                _rollback_quietly(connection)
                discard_incoming(connection, portal.name, entity)
                inspection, repaired_values = _with_repaired_text(
                    connection, inspection, location, repaired_view
                )
                if log is not None:
                    log(
                        f"portal {portal.name}: {repaired_values} value(s) of {mapping.table} "
                        "were not valid UTF-8; read with their invalid bytes as Windows-1252"
                    )
                result, after = write_rows(inspection)
        except duckdb.Error as error:
            _rollback_quietly(connection)
            discard_incoming(connection, portal.name, entity)
            cause = redact(str(error), location.secrets()).strip()
            raise PortalExtractionError(
                f"portal '{portal.name}': reading {entity} from '{mapping.table}' failed: {cause}"
            ) from None
    finally:
        with contextlib.suppress(duckdb.Error):
            connection.unregister(repaired_view)
        detach_source(connection, alias)

    return LoadReport(
        portal=portal.name,
        entity=entity,
        source_table=mapping.table,
        mode=plan.mode.value,
        reason=plan.reason,
        rows_read=result.rows_read,
        rows_merged=result.rows_merged,
        watermark_before=before,
        watermark_after=after,
        ignored_columns=inspection.ignored_columns,
        seconds=round(time.perf_counter() - started, 3),
        repaired_text_values=repaired_values,
    )


def _with_repaired_text(
    connection: duckdb.DuckDBPyConnection,
    inspection: SourceInspection,
    location: SourceLocation,
    view: str,
) -> tuple[SourceInspection, int]:
    """The inspection, reading from a view of the SQLite table's repaired rows instead."""
    columns = list(dict.fromkeys(inspection.columns.values()))
    repaired = register_repaired_sqlite_table(
        connection, view, location.path, inspection.native_table, columns
    )
    table_ref = quote_identifier(view, "duckdb")
    return dataclasses.replace(inspection, table_ref=table_ref, check_utf8=False), repaired


def _rollback_quietly(connection: duckdb.DuckDBPyConnection) -> None:
    # Nothing to roll back when the failure came before the transaction began.
    with contextlib.suppress(duckdb.Error):
        connection.rollback()
