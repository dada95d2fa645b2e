"""The ``updated_at`` watermark: which rows an incremental load reads again.

A load remembers the latest ``updated_at`` it saw (the watermark) in the
warehouse. The next load reads every row whose ``updated_at`` is at or after the
watermark minus an overlap window, plus the rows whose ``updated_at`` is empty,
which cannot be placed against any watermark. The overlap catches rows that
were committed late with an older ``updated_at``; rows read twice are harmless
because the merge by natural key skips rows that did not change.

The watermark is kept as text in the portal's own notation and compared in the
source's own type, so a portal index on ``updated_at`` can serve the filter.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class WatermarkKind(StrEnum):
    TIMESTAMP = "timestamp"  # wall-clock time in the portal's zone
    TIMESTAMPTZ = "timestamptz"  # an instant; kept in UTC
    DATE = "date"
    TEXT = "text"  # ISO 8601 text, compared as text by the portal


# DuckDB's names for the source column types (as the scanners report them).
_KINDS_BY_TYPE = {
    "TIMESTAMP": WatermarkKind.TIMESTAMP,
    "TIMESTAMP_S": WatermarkKind.TIMESTAMP,
    "TIMESTAMP_MS": WatermarkKind.TIMESTAMP,
    "TIMESTAMP_NS": WatermarkKind.TIMESTAMP,
    "TIMESTAMP WITH TIME ZONE": WatermarkKind.TIMESTAMPTZ,
    "DATE": WatermarkKind.DATE,
    "VARCHAR": WatermarkKind.TEXT,
}


def watermark_kind(duckdb_type: str) -> WatermarkKind | None:
    """The watermark kind of a source column type, or None if it cannot serve as one."""
    return _KINDS_BY_TYPE.get(duckdb_type.upper())


def _parse(watermark: str) -> datetime:
    return datetime.fromisoformat(watermark.strip())


def lower_bound(watermark: str, kind: WatermarkKind, overlap: timedelta) -> str:
    """The earliest ``updated_at`` the next incremental load reads, in the column's notation.

    For text columns the bound keeps the watermark's shape (date and time separated
    by ``T`` or a space, no zone), so the portal's text comparison orders it
    correctly against its own values.
    """
    try:
        moment = _parse(watermark)
    except ValueError:
        # A text the portal wrote that Python does not read as ISO 8601: no overlap
        # can be subtracted, but the watermark itself is still a correct bound.
        return watermark
    if kind is WatermarkKind.DATE:
        days = -(-overlap // timedelta(days=1))  # whole days, rounded up
        return (moment.date() - timedelta(days=days)).isoformat()
    bound = moment - overlap
    if kind is WatermarkKind.TIMESTAMPTZ:
        aware = bound if bound.tzinfo else bound.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(sep=" ")
    if kind is WatermarkKind.TEXT:
        text = watermark.strip()
        if len(text) <= 10:
            return bound.date().isoformat()
        separator = "T" if text[10] == "T" else " "
        return bound.replace(tzinfo=None).isoformat(sep=separator, timespec="seconds")
    return bound.replace(tzinfo=None).isoformat(sep=" ")


def later_watermark(previous: str | None, candidate: str | None) -> str | None:
    """The watermark after a load: it only moves forward.

    A load that read nothing new, or only rows older than the watermark, keeps it.
    """
    if candidate is None:
        return previous
    if previous is None:
        return candidate
    try:
        return candidate if _comparable(candidate) > _comparable(previous) else previous
    except ValueError:
        return max(previous, candidate)


def _comparable(watermark: str) -> datetime:
    moment = _parse(watermark)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def watermark_cap(kind: WatermarkKind, timezone: str, now: datetime) -> str:
    """The latest ``updated_at`` the watermark may take: now, in the portal's notation.

    A row stamped in the future (a device clock years ahead) must not carry the
    watermark past every later edit; such rows are read again on each load instead.
    """
    if kind is WatermarkKind.TIMESTAMPTZ:
        return now.astimezone(UTC).isoformat(sep=" ")
    local = now.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    if kind is WatermarkKind.DATE:
        return local.date().isoformat()
    return local.isoformat(sep=" ")


def candidate_sql(text_column: str, kind: WatermarkKind) -> str:
    """A DuckDB aggregate over the loaded text values: the latest ``updated_at`` up to the cap.

    It takes one parameter, the cap, and returns text in the notation that
    ``lower_bound`` reads. The raw layer holds the values as text; casting them
    back to the source type is exact because they were rendered from it.
    """
    if kind is WatermarkKind.TEXT:
        parsed = f"try_cast({text_column} as timestamp)"
        return f"arg_max({text_column}, {parsed}) filter (where {parsed} <= cast(? as timestamp))"
    duckdb_type = {
        WatermarkKind.TIMESTAMP: "timestamp",
        WatermarkKind.TIMESTAMPTZ: "timestamptz",
        WatermarkKind.DATE: "date",
    }[kind]
    typed = f"try_cast({text_column} as {duckdb_type})"
    return f"cast(max({typed}) filter (where {typed} <= cast(? as {duckdb_type})) as varchar)"


class LoadMode(StrEnum):
    FULL = "full"
    INCREMENTAL = "incremental"
    BACKFILL = "backfill"  # rows updated within a range of days, read again


@dataclass(frozen=True)
class LoadPlan:
    mode: LoadMode
    reason: str


def plan_load(
    *,
    full_refresh: bool,
    watermark_kind: WatermarkKind | None,
    stored_watermark: str | None,
    stored_kind: str | None,
    target_ready: bool,
    backfill_range: str | None = None,
) -> LoadPlan:
    """Decides between a full, an incremental and a backfill load, with the reason shown.

    ``backfill_range`` describes the days a backfill re-reads; a table that was
    never loaded is loaded in full instead: a range of it alone would be incomplete.
    """
    if watermark_kind is None:
        return LoadPlan(LoadMode.FULL, "no updated_at mapped: reloaded in full each run")
    if full_refresh:
        return LoadPlan(LoadMode.FULL, "full refresh requested")
    if not target_ready:
        return LoadPlan(LoadMode.FULL, "first load of this table")
    if stored_watermark is None:
        return LoadPlan(LoadMode.FULL, "no watermark stored yet")
    if stored_kind != watermark_kind.value:
        return LoadPlan(
            LoadMode.FULL, f"updated_at changed type ({stored_kind} -> {watermark_kind.value})"
        )
    if backfill_range is not None:
        return LoadPlan(LoadMode.BACKFILL, f"rows updated from {backfill_range} read again")
    return LoadPlan(LoadMode.INCREMENTAL, "rows changed since the watermark")
