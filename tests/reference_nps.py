"""An independent computation of the NPS from the demo portals' SQLite files.

It reads each portal in its own schema, with its own column names, and applies
the counting rules written in the README in plain Python. It shares no code
with the pipeline (no portal configuration, no SQL from dbt), so an agreement
between the two is evidence, not an echo.
"""

import math
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
    invitations: dict[str, tuple[str, str, str]]  # invitation id -> (customer, touchpoint, sent)
    responses: list[SourceResponse]


def read_demo_shop(path: Path) -> SourcePortal:
    with sqlite3.connect(path) as connection:
        test_customers = {
            str(customer_id)
            for (customer_id,) in connection.execute("select id from customers where is_test = 1")
        }
        invitations = {
            str(invitation_id): (str(customer_id), touchpoint, sent_at)
            for invitation_id, customer_id, touchpoint, sent_at in connection.execute(
                "select id, customer_id, trigger_point, sent_at from nps_invitations"
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
            request: (account, source, requested_at)
            for request, account, source, requested_at in connection.execute(
                "select request_uuid, account_uuid, source, requested_at from survey_requests"
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


def period_start(day: date, grain: str) -> date:
    """Start of the day, ISO week, month or quarter that contains ``day``."""
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(f"unknown grain {grain}")


def previous_period_start(start: date, grain: str) -> date:
    if grain == "day":
        return start - timedelta(days=1)
    if grain == "week":
        return start - timedelta(days=7)
    months = {"month": 1, "quarter": 3}[grain]
    index = start.year * 12 + start.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def reporting_date(moment: datetime) -> date:
    return moment.astimezone(REPORTING_ZONE).date()


@dataclass(frozen=True)
class CountedResponse:
    portal: str
    response_id: str
    invitation_id: str
    touchpoint: str
    score: int
    responded_at: datetime

    def period_start(self, grain: str) -> date:
        return period_start(reporting_date(self.responded_at), grain)


@dataclass(frozen=True)
class Invitation:
    """An invitation that counts towards response rates (not a test account, valid send time)."""

    portal: str
    touchpoint: str
    sent_at: datetime
    is_answered: bool

    def period_start(self, grain: str) -> date:
        return period_start(reporting_date(self.sent_at), grain)


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
        CountedResponse(
            portal.name,
            response.response_id,
            response.invitation_id,
            touchpoint,
            score,
            responded_at,
        )
        for response, touchpoint, score, responded_at in latest.values()
    ]
    return counted, reasons


def rate_invitations(portal: SourcePortal, counted: list[CountedResponse]) -> list[Invitation]:
    """The portal's invitations to real customers with a readable send time."""
    answered = {response.invitation_id for response in counted if response.portal == portal.name}
    invitations = []
    for invitation_id, (customer, touchpoint, sent_text) in portal.invitations.items():
        sent_at = to_utc(sent_text, portal.timezone)
        if customer in portal.test_customers or sent_at is None:
            continue
        invitations.append(
            Invitation(portal.name, touchpoint.strip().lower(), sent_at, invitation_id in answered)
        )
    return invitations


Z_95 = 1.959963984540054


@dataclass
class NpsCell:
    count_responses: int = 0
    count_promoters: int = 0
    count_passives: int = 0
    count_detractors: int = 0
    count_invitations: int = 0
    count_answered_invitations: int = 0

    @property
    def nps(self) -> float | None:
        if not self.count_responses:
            return None
        return 100 * (self.count_promoters - self.count_detractors) / self.count_responses

    def _adjusted(self) -> tuple[float, float, float]:
        n = self.count_responses + 3
        return n, (self.count_promoters + 0.75) / n, (self.count_detractors + 0.75) / n

    @property
    def standard_error(self) -> float:
        """Adjusted-Wald (Rocks 2016) standard error, in NPS points."""
        n, p, d = self._adjusted()
        return 100 * math.sqrt((p + d - (p - d) ** 2) / n)

    @property
    def interval(self) -> tuple[float, float]:
        _, p, d = self._adjusted()
        centre = 100 * (p - d)
        return (
            max(-100.0, centre - Z_95 * self.standard_error),
            min(100.0, centre + Z_95 * self.standard_error),
        )

    @property
    def response_rate(self) -> float | None:
        if not self.count_invitations:
            return None
        return self.count_answered_invitations / self.count_invitations


def change_p_value(current: NpsCell, previous: NpsCell | None) -> float | None:
    """Two-sided p-value of the NPS change, z test with adjusted-Wald standard errors."""
    if previous is None or not previous.count_responses or not current.count_responses:
        return None
    z = (current.nps - previous.nps) / math.hypot(current.standard_error, previous.standard_error)
    return math.erfc(abs(z) / math.sqrt(2))


def nps_cells(
    counted: list[CountedResponse],
    invitations: list[Invitation],
    grain: str,
    dimensions: tuple[str, ...],
) -> dict[tuple, NpsCell]:
    """Cells keyed by (period start, *dimension values) for one breakdown."""
    cells: dict[tuple, NpsCell] = defaultdict(NpsCell)
    for response in counted:
        key = (response.period_start(grain), *(getattr(response, d) for d in dimensions))
        cell = cells[key]
        cell.count_responses += 1
        cell.count_promoters += response.score >= 9
        cell.count_passives += 7 <= response.score <= 8
        cell.count_detractors += response.score <= 6
    for invitation in invitations:
        key = (invitation.period_start(grain), *(getattr(invitation, d) for d in dimensions))
        cells[key].count_invitations += 1
        cells[key].count_answered_invitations += invitation.is_answered
    return dict(cells)
