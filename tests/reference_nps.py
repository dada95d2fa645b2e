"""An independent computation of the NPS from the demo portals' SQLite files.

It reads each portal in its own schema, with its own column names, and applies
the counting rules written in the README in plain Python. It shares no code
with the pipeline (no portal configuration, no SQL from dbt), so an agreement
between the two is evidence, not an echo.
"""

import re
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPORTING_ZONE = ZoneInfo("Europe/Berlin")
WHOLE_NUMBER = re.compile(r"^[+-]?[0-9]{1,9}(\.0+)?$")


@dataclass(frozen=True)
class SourceResponse:
    response_id: str
    invitation_id: str | None
    customer_id: str | None
    score: object
    responded_at: str | None


@dataclass(frozen=True)
class SourcePortal:
    """One portal's data read straight from its own tables."""

    name: str
    timezone: ZoneInfo
    test_customers: set[str]
    invitations: dict[str, tuple[str, str]]  # invitation id -> (customer id, touchpoint)
    responses: list[SourceResponse]


def read_demo_shop(path: Path) -> SourcePortal:
    with sqlite3.connect(path) as connection:
        test_customers = {
            str(customer_id)
            for (customer_id,) in connection.execute("select id from customers where is_test = 1")
        }
        invitations = {
            str(invitation_id): (str(customer_id), touchpoint)
            for invitation_id, customer_id, touchpoint in connection.execute(
                "select id, customer_id, trigger_point from nps_invitations"
            )
        }
        responses = [
            SourceResponse(
                str(response_id),
                None if invitation_id is None else str(invitation_id),
                None if customer_id is None else str(customer_id),
                score,
                submitted_at,
            )
            for response_id, invitation_id, customer_id, score, submitted_at in connection.execute(
                "select id, invitation_id, customer_id, score, submitted_at from nps_responses"
            )
        ]
    return SourcePortal(
        "demo_shop", ZoneInfo("Europe/Berlin"), test_customers, invitations, responses
    )


def read_demo_saas(path: Path) -> SourcePortal:
    with sqlite3.connect(path) as connection:
        test_customers = {
            account
            for (account,) in connection.execute(
                "select account_uuid from accounts where internal_account = 'Y'"
            )
        }
        invitations = {
            request: (account, source)
            for request, account, source in connection.execute(
                "select request_uuid, account_uuid, source from survey_requests"
            )
        }
        responses = [
            SourceResponse(answer, request, None, rating, answered_at)
            for answer, request, rating, answered_at in connection.execute(
                "select answer_uuid, request_uuid, rating, answered_at from survey_answers"
            )
        ]
    return SourcePortal("demo_saas", ZoneInfo("UTC"), test_customers, invitations, responses)


def whole_number(value: object) -> int | None:
    """The score as an int when the portal's value is a whole number, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and WHOLE_NUMBER.match(value.strip()):
        return int(float(value.strip()))
    return None


def to_utc(text: str | None, zone: ZoneInfo) -> datetime | None:
    if text is None:
        return None
    try:
        local = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return local.replace(tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class CountedResponse:
    portal: str
    response_id: str
    touchpoint: str
    score: int
    responded_at: datetime

    def period_start(self, grain: str) -> date:
        """Start of the day, ISO week, month or quarter in the reporting zone."""
        local = self.responded_at.astimezone(REPORTING_ZONE).date()
        if grain == "day":
            return local
        if grain == "week":
            return local - timedelta(days=local.weekday())
        if grain == "month":
            return local.replace(day=1)
        if grain == "quarter":
            return date(local.year, 3 * ((local.month - 1) // 3) + 1, 1)
        raise ValueError(f"unknown grain {grain}")


def classify_responses(
    portal: SourcePortal, now: datetime
) -> tuple[list[CountedResponse], Counter]:
    """Splits a portal's responses into counted ones and quarantine reasons."""
    reasons: Counter = Counter()
    candidates = []
    for response in portal.responses:
        invitation = portal.invitations.get(response.invitation_id or "")
        customer = invitation[0] if invitation else response.customer_id
        score = whole_number(response.score)
        responded_at = to_utc(response.responded_at, portal.timezone)
        blank = response.score is None or (
            isinstance(response.score, str) and not response.score.strip()
        )
        if customer in portal.test_customers:
            reasons["test_account"] += 1
        elif invitation is None:
            reasons["missing_invitation"] += 1
        elif blank:
            reasons["score_missing"] += 1
        elif score is None:
            reasons["score_not_integer"] += 1
        elif not 0 <= score <= 10:
            reasons["score_out_of_range"] += 1
        elif responded_at is None:
            reasons["responded_at_invalid"] += 1
        elif responded_at > now:
            reasons["responded_in_future"] += 1
        else:
            candidates.append((response, invitation[1].strip().lower(), score, responded_at))

    # One response counts per invitation: the latest answer.
    latest: dict[str, tuple] = {}
    for candidate in candidates:
        response, _, _, responded_at = candidate
        current = latest.get(response.invitation_id)
        if current is None or (responded_at, response.response_id) > (
            current[3],
            current[0].response_id,
        ):
            latest[response.invitation_id] = candidate
    reasons["duplicate_submission"] = len(candidates) - len(latest)
    counted = [
        CountedResponse(portal.name, response.response_id, touchpoint, score, responded_at)
        for response, touchpoint, score, responded_at in latest.values()
    ]
    return counted, reasons


@dataclass(frozen=True)
class NpsCell:
    count_responses: int
    count_promoters: int
    count_passives: int
    count_detractors: int

    @property
    def nps(self) -> float:
        return 100 * (self.count_promoters - self.count_detractors) / self.count_responses


def nps_by_period(
    counted: list[CountedResponse], grain: str, by_touchpoint: bool
) -> dict[tuple, NpsCell]:
    """NPS per (portal, period start[, touchpoint]) from classified responses."""
    scores = defaultdict(list)
    for response in counted:
        key = (response.portal, response.period_start(grain))
        if by_touchpoint:
            key += (response.touchpoint,)
        scores[key].append(response.score)
    return {
        key: NpsCell(
            count_responses=len(values),
            count_promoters=sum(score >= 9 for score in values),
            count_passives=sum(7 <= score <= 8 for score in values),
            count_detractors=sum(score <= 6 for score in values),
        )
        for key, values in scores.items()
    }
