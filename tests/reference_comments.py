"""An independent reading of comments, themes, follow-up cases and repeat respondents.

Like tests/reference_nps.py, it reads each portal's own tables and applies the
rules written in the README in plain Python, sharing no code or SQL with the
pipeline: the taxonomy CSV is read here with its own simple normalisation.
"""

import csv
import itertools
import re
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from tests.reference_nps import CountedResponse

TAXONOMY_CSV = Path(__file__).resolve().parent.parent / "dbt_project/seeds/comment_theme_terms.csv"
SPELLED_OUT = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "ae", "Ö": "oe", "Ü": "ue", "ß": "ss"}

COMMENT_QUERIES = {
    "demo_shop": "select id, comment from nps_responses",
    "demo_saas": "select answer_uuid, feedback_text from survey_answers",
}
CASE_QUERIES = {
    "demo_shop": "select id, response_id, state, modified_at from detractor_cases",
    "demo_saas": "select task_uuid, answer_uuid, task_status, updated_at from followup_tasks",
}
# Invitation id -> the invited customer's segment; the customer may be missing.
SEGMENT_QUERIES = {
    "demo_shop": "select i.id, c.segment from nps_invitations as i "
    "left join customers as c on c.id = i.customer_id",
    "demo_saas": "select r.request_uuid, a.tier from survey_requests as r "
    "left join accounts as a on a.account_uuid = r.account_uuid",
}
INVITATION_QUERIES = {
    "demo_shop": "select id, invitation_id from nps_responses",
    "demo_saas": "select answer_uuid, request_uuid from survey_answers",
}


def simplified(text: str) -> str:
    """Umlauts spelled out, lower case, words separated by single spaces, a space at each end."""
    for letter, spelling in SPELLED_OUT.items():
        text = text.replace(letter, spelling)
    return " " + " ".join(re.findall("[a-z0-9]+", text.lower())) + " "


@dataclass(frozen=True)
class Term:
    theme: str
    needle: str


def read_taxonomy(path: Path = TAXONOMY_CSV) -> list[Term]:
    terms = []
    with path.open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            word = simplified(row["term"]).strip()
            needle = {"prefix": " " + word, "word": " " + word + " ", "anywhere": word}
            terms.append(Term(row["theme"].strip(), needle[row["match_type"].strip()]))
    return terms


def themes_of(comment: str, terms: list[Term]) -> set[str]:
    text = simplified(comment)
    return {term.theme for term in terms if term.needle in text}


def read_comments(portal: str, path: Path) -> dict[str, str]:
    """Non-empty comments by response id, as the portal stores them (unmasked)."""
    with sqlite3.connect(path) as connection:
        rows = connection.execute(COMMENT_QUERIES[portal]).fetchall()
    return {str(key): text for key, text in rows if text is not None and text.strip(" ")}


def read_segments(portal: str, path: Path) -> dict[tuple[str, str], str]:
    """Customer segment by (portal, invitation id): trimmed, lower case, 'unknown' if missing."""
    with sqlite3.connect(path) as connection:
        rows = connection.execute(SEGMENT_QUERIES[portal]).fetchall()
    return {
        (portal, str(invitation)): (segment or "").strip().lower() or "unknown"
        for invitation, segment in rows
    }


@dataclass
class ThemeCell:
    responses: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    comments: int = 0
    promoter_comments: int = 0
    passive_comments: int = 0
    detractor_comments: int = 0
    mentions: int = 0
    promoter_mentions: int = 0
    passive_mentions: int = 0
    detractor_mentions: int = 0

    @staticmethod
    def nps(promoters: int, detractors: int, responses: int) -> float | None:
        return 100 * (promoters - detractors) / responses if responses else None

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def nps_all(self) -> float:
        return self.nps(self.promoters, self.detractors, self.responses)

    @property
    def nps_mentioning(self) -> float | None:
        return self.nps(self.promoter_mentions, self.detractor_mentions, self.mentions)

    @property
    def nps_not_mentioning(self) -> float | None:
        return self.nps(
            self.promoters - self.promoter_mentions,
            self.detractors - self.detractor_mentions,
            self.responses - self.mentions,
        )

    @property
    def nps_without_theme_detractors(self) -> float | None:
        """The NPS with the detractors who mention the theme left out of the count."""
        return self.nps(
            self.promoters,
            self.detractors - self.detractor_mentions,
            self.responses - self.detractor_mentions,
        )

    @property
    def cost(self) -> float:
        """NPS without the theme's mentioning detractors, minus the actual NPS."""
        return self.nps_without_theme_detractors - self.nps_all

    @property
    def detractor_share(self) -> float | None:
        return self.share(self.detractor_mentions, self.detractor_comments)

    @property
    def passive_share(self) -> float | None:
        return self.share(self.passive_mentions, self.passive_comments)

    @property
    def promoter_share(self) -> float | None:
        return self.share(self.promoter_mentions, self.promoter_comments)


def theme_cells(
    counted: list[CountedResponse],
    comments: dict[tuple[str, str], str],
    terms: list[Term],
    grain: str | None,
    dimensions: tuple[str, ...] = ("portal",),
    segments: dict[tuple[str, str], str] | None = None,
) -> dict[tuple, ThemeCell]:
    """Cells keyed by (period start or None for the whole history, *dimension values, theme).

    ``dimensions`` is a breakdown of portal, touchpoint and customer_segment (the
    empty tuple is the total); customer_segment needs ``segments`` from
    read_segments.
    """
    themes = {term.theme for term in terms}
    cells: dict[tuple, ThemeCell] = defaultdict(ThemeCell)
    for response in counted:
        period = response.period_start(grain) if grain else None
        values = {
            "portal": response.portal,
            "touchpoint": response.touchpoint,
            "customer_segment": segments[response.portal, response.invitation_id]
            if "customer_segment" in dimensions
            else None,
        }
        segment = tuple(values[dimension] for dimension in dimensions)
        comment = comments.get((response.portal, response.response_id))
        mentioned = themes_of(comment, terms) if comment else set()
        is_promoter, is_passive = response.score >= 9, 7 <= response.score <= 8
        is_detractor = response.score <= 6
        for theme in themes:
            cell = cells[(period, *segment, theme)]
            cell.responses += 1
            cell.promoters += is_promoter
            cell.passives += is_passive
            cell.detractors += is_detractor
            if comment is not None:
                cell.comments += 1
                cell.promoter_comments += is_promoter
                cell.passive_comments += is_passive
                cell.detractor_comments += is_detractor
            if theme in mentioned:
                cell.mentions += 1
                cell.promoter_mentions += is_promoter
                cell.passive_mentions += is_passive
                cell.detractor_mentions += is_detractor
    return dict(cells)


def cost_ranks(cells: dict[tuple, ThemeCell]) -> dict[tuple, int]:
    """Each theme's rank within its period and segment, as the README defines it.

    1 for the theme the most detractors mention; themes mentioned by equally
    many detractors share a rank, and the next rank skips as many places
    (1, 1, 3), so a rank is one more than the number of themes mentioned by
    more detractors.
    """
    by_segment = defaultdict(list)
    for key, cell in cells.items():
        by_segment[key[:-1]].append(cell.detractor_mentions)
    return {
        key: 1 + sum(other > cell.detractor_mentions for other in by_segment[key[:-1]])
        for key, cell in cells.items()
    }


def nps_category(score: int) -> str:
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


CATEGORY_ORDER = {"detractor": 0, "passive": 1, "promoter": 2}


def movement(before: str, after: str) -> str:
    step = CATEGORY_ORDER[after] - CATEGORY_ORDER[before]
    return "improved" if step > 0 else "worsened" if step < 0 else "unchanged"


def repeat_movements(
    counted: list[CountedResponse],
    customer_of: dict[tuple[str, str], str],
    segments: dict[tuple[str, str], str],
    grain: str | None,
    by_segment: bool,
) -> dict[tuple, tuple[int, int]]:
    """(movements, distinct customers) per consecutive pair of one customer's categories.

    Keyed by (period start of the later response or None for the whole history,
    portal, segment or 'all', previous category, category, movement). A
    customer's responses in one portal are ordered by response time, then id.
    """
    history = defaultdict(list)
    for response in counted:
        customer = customer_of[response.portal, response.invitation_id]
        history[response.portal, customer].append(response)
    moves: Counter = Counter()
    movers = defaultdict(set)
    for (portal, customer), answers in history.items():
        ordered = sorted(answers, key=lambda answer: (answer.responded_at, answer.response_id))
        for before, after in itertools.pairwise(ordered):
            previous, current = nps_category(before.score), nps_category(after.score)
            key = (
                after.period_start(grain) if grain else None,
                portal,
                segments[portal, after.invitation_id] if by_segment else "all",
                previous,
                current,
                movement(previous, current),
            )
            moves[key] += 1
            movers[key].add(customer)
    return {key: (count, len(movers[key])) for key, count in moves.items()}


@dataclass(frozen=True)
class ExpectedFollowup:
    status: str
    has_case: bool
    is_overdue: bool


def expected_followups(
    portal: str, path: Path, counted: list[CountedResponse], now, sla_hours: int = 48
) -> dict[tuple[str, str], ExpectedFollowup]:
    """The queue's status and overdue flag for every counted detractor of one portal.

    The case is the portal's case for the response, else one for another
    response to the same invitation (a duplicate submission), the most
    recently changed first; without a case the response is open. Overdue:
    open after responded_at + sla_hours, at ``now`` (aware UTC).
    """
    with sqlite3.connect(path) as connection:
        cases = connection.execute(CASE_QUERIES[portal]).fetchall()
        invitation_of = {
            str(response): None if invitation is None else str(invitation)
            for response, invitation in connection.execute(INVITATION_QUERIES[portal])
        }
    by_response = defaultdict(list)
    by_invitation = defaultdict(list)
    for case_id, response_id, state, changed in cases:
        case = (changed, str(case_id), state.strip().lower())
        by_response[str(response_id)].append(case)
        invitation = invitation_of.get(str(response_id))
        if invitation is not None:
            by_invitation[invitation].append(case)
    expected = {}
    for response in counted:
        if response.portal != portal or response.score > 6:
            continue
        candidates = by_response.get(response.response_id) or by_invitation.get(
            response.invitation_id, []
        )
        status = max(candidates)[2] if candidates else "open"
        overdue = status == "open" and response.responded_at + timedelta(hours=sla_hours) < now
        expected[portal, response.response_id] = ExpectedFollowup(status, bool(candidates), overdue)
    return expected
