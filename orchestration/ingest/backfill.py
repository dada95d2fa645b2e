"""Re-reading the rows a portal updated within a range of days (a backfill).

An incremental load only reads rows at or after its watermark minus the overlap
window. A row that reached the portal late with an older ``updated_at``, or a
period that has to be re-read after a fix at the portal, is read again by a
backfill: every row whose ``updated_at`` falls on one of the given days is
extracted and merged by natural key, exactly like an incremental load, and the
watermark stays where it was, so the next incremental load is not affected.

The days are calendar days in the portal's own notation for ``updated_at``
(its local time for timestamps without zone, UTC for ``timestamptz``).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from orchestration.ingest.watermark import WatermarkKind

# Run tags that turn a run of the pipeline into a backfill of these days (inclusive).
BACKFILL_FROM_TAG = "nps/backfill_from"
BACKFILL_TO_TAG = "nps/backfill_to"
# A guard against a typo such as 2062 for 2026 turning into a scan of decades.
MAX_BACKFILL_DAYS = 3_660


class BackfillRangeError(ValueError):
    """The requested backfill range is not usable; the message says why."""


@dataclass(frozen=True)
class UpdatedRange:
    """The days, first and last included, whose updated rows a backfill reads again."""

    first_day: date
    last_day: date

    def describe(self) -> str:
        return f"{self.first_day.isoformat()} to {self.last_day.isoformat()}"


def _parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BackfillRangeError(f"{what} '{text}' is not a date (YYYY-MM-DD)") from None


def parse_updated_range(first: str | None, last: str | None) -> UpdatedRange | None:
    """The range from two ISO dates; None when neither is given.

    Both ends must be given: a backfill that silently ran to today, or from the
    beginning of time, would read far more than asked for.
    """
    first = (first or "").strip() or None
    last = (last or "").strip() or None
    if first is None and last is None:
        return None
    if first is None or last is None:
        raise BackfillRangeError(
            f"a backfill needs both {BACKFILL_FROM_TAG} and {BACKFILL_TO_TAG} "
            f"(got only {BACKFILL_FROM_TAG if first else BACKFILL_TO_TAG})"
        )
    first_day = _parse_day(first, BACKFILL_FROM_TAG)
    last_day = _parse_day(last, BACKFILL_TO_TAG)
    if last_day < first_day:
        raise BackfillRangeError(f"the backfill ends ({last_day}) before it starts ({first_day})")
    if (last_day - first_day).days >= MAX_BACKFILL_DAYS:
        raise BackfillRangeError(
            f"the backfill spans {(last_day - first_day).days + 1} days; at most "
            f"{MAX_BACKFILL_DAYS} are allowed (use a full refresh to reload everything)"
        )
    return UpdatedRange(first_day, last_day)


def range_bounds(updated: UpdatedRange, kind: WatermarkKind) -> tuple[str, str]:
    """The lower (inclusive) and upper (exclusive) bound in the column's notation.

    Bare dates compare correctly against timestamps in every supported database,
    and against ISO 8601 text too: ``'2026-11-01' <= '2026-11-01 08:00'`` and
    ``'2026-11-08 00:00' >= '2026-11-08'`` hold as text. For ``timestamptz`` the
    bounds carry UTC explicitly, so the portal's session zone cannot shift them.
    """
    lower = updated.first_day.isoformat()
    upper = (updated.last_day + timedelta(days=1)).isoformat()
    if kind is WatermarkKind.TIMESTAMPTZ:
        return f"{lower} 00:00:00+00", f"{upper} 00:00:00+00"
    return lower, upper
