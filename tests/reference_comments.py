"""An independent reading of comments, themes and follow-up cases from the demo SQLite files.

Like tests/reference_nps.py, it reads each portal's own tables and applies the
rules written in the README in plain Python, sharing no code or SQL with the
pipeline: the taxonomy CSV is read here with its own simple normalisation.
"""

import csv
import re
import sqlite3
from collections import defaultdict
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


@dataclass
class ThemeCell:
    responses: int = 0
    promoters: int = 0
    detractors: int = 0
    detractor_comments: int = 0
    mentions: int = 0
    promoter_mentions: int = 0
    detractor_mentions: int = 0

    @staticmethod
    def nps(promoters: int, detractors: int, responses: int) -> float | None:
        return 100 * (promoters - detractors) / responses if responses else None

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
    def cost(self) -> float:
        """NPS without the theme's mentioning detractors, minus the actual NPS."""
        without = self.nps(
            self.promoters,
            self.detractors - self.detractor_mentions,
            self.responses - self.detractor_mentions,
        )
        return without - self.nps_all

    @property
    def detractor_share(self) -> float | None:
        return (
            self.detractor_mentions / self.detractor_comments if self.detractor_comments else None
        )


def theme_cells(
    counted: list[CountedResponse],
    comments: dict[tuple[str, str], str],
    terms: list[Term],
    grain: str | None,
) -> dict[tuple, ThemeCell]:
    """Cells keyed by (period start or None for the whole history, portal, theme)."""
    themes = {term.theme for term in terms}
    cells: dict[tuple, ThemeCell] = defaultdict(ThemeCell)
    for response in counted:
        period = response.period_start(grain) if grain else None
        comment = comments.get((response.portal, response.response_id))
        mentioned = themes_of(comment, terms) if comment else set()
        for theme in themes:
            cell = cells[period, response.portal, theme]
            cell.responses += 1
            cell.promoters += response.score >= 9
            cell.detractors += response.score <= 6
            cell.detractor_comments += response.score <= 6 and comment is not None
            if theme in mentioned:
                cell.mentions += 1
                cell.promoter_mentions += response.score >= 9
                cell.detractor_mentions += response.score <= 6
    return dict(cells)


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
