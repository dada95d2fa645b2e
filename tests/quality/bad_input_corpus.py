"""A fixture portal that holds every defect kind at once, hostile text included.

``write_bad_input_corpus(directory)`` writes ``bad_input.sqlite`` (a small portal
database with its own table and column names) and ``bad_input_portals.yaml``
(its mapping onto the canonical contract, in the form of
``config/portals.yaml``) and returns a ``CorpusExpectation``: for every raw
response row the quarantine reason the pipeline must give it (None: counted),
and per table the number of rows of each defect kind, for data-quality checks.

The rows are written out by hand: no clock and no random numbers, so the file
is the same on every run. "The future" is the year 2099.

What it holds:
- one response for every quarantine reason of ``int_survey_responses_validated``
  (several for most: a NULL and an empty score, four kinds of non-integer
  scores, ...);
- responses that are counted although a check should notice them: answered
  before their invitation, 400 days after it, in 1970, or to invitations with an
  unknown or hostile touchpoint and channel, or to an invitation whose id occurs
  twice;
- invitations and customers with NULL or repeated ids;
- hostile text in comments, ids, touchpoints, channels and segments: SQL
  fragments, Jinja and format placeholders, backslashes and quotes, control
  characters (NUL, BEL, CR LF, tab, escape), emoji with skin tones and joiners,
  combining characters, right-to-left text, a 10,000-character comment, and
  bytes that are not valid UTF-8 (Latin-1 and Windows-1252 text, a BLOB) stored
  in TEXT columns;
- ordinary good responses, so that the portal has an NPS.

Text that is not valid UTF-8 is expected to arrive repaired: every byte that is
not part of a valid UTF-8 sequence is read as Windows-1252 (see
``orchestration.ingest.text_repair``); ``ExpectedResponse.comment`` holds the
text the warehouse must show after repair and masking.
"""

import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from orchestration.ingest.text_repair import decode_text

PORTAL = "bad_input"
DATABASE_NAME = "bad_input.sqlite"
CONFIG_NAME = "bad_input_portals.yaml"
URL_ENV = "NPS_PORTAL_BAD_INPUT_URL"

# The touchpoints and channels the demo portals use; anything else is "unknown".
KNOWN_TOUCHPOINTS = frozenset({"checkout", "delivery", "ticket_closed", "in_app"})
KNOWN_CHANNELS = frozenset({"email", "onsite", "in_app_widget"})
# No response or invitation of this portal can be older than this.
PORTAL_STARTED_AT = "2020-01-01 00:00:00"
# How long a survey stays open after its invitation.
RESPONSE_WINDOW_DAYS = 30
VALID_SCORES = frozenset(str(score) for score in range(11))


class InvalidText(bytes):
    """Bytes stored in a TEXT column as they are: not valid UTF-8."""


class Blob(bytes):
    """Bytes stored as a BLOB value (``typeof`` blob) in a TEXT column."""


# Hostile strings, named so that tests can look for them.
SQL_DROP = "'); drop table raw.survey_responses; --"
JINJA = "{{ var('x') }} {% if true %}{{ 1/0 }}{% endif %} {# not a comment #}"
FORMAT_PLACEHOLDERS = "%s %d %(name)s {0} {name} $1 ? :param"
BACKSLASHES_AND_QUOTES = "C:\\new\\table \\\\ \\' \\\" it's \"quoted\" `tick` ''"
CONTROL_CHARACTERS = "bell\x07 line one\r\nline two\ttab\x0bvt\x0cff\x1b[31mred\x1b[0m\x7f"
NUL_TEXT = "before\x00after"
EMOJI_AND_COMBINING = "😡👎🏽 👨‍👩‍👧‍👦 🇩🇪 e\u0301 Z\u0337\u0322a\u0334l\u0336g\u0338o\u0335 ﷽"
RIGHT_TO_LEFT = "\u202eevil\u202c שלום עליכם مرحبا بالعالم \u200f!"
_LONG_TAIL = " Kontakt: anna@example.org ok."
LONG_COMMENT = ("Die Lieferung kam viel zu spät. " * 400)[: 10_000 - len(_LONG_TAIL)] + _LONG_TAIL
# Latin-1 "Grüße aus Köln" and Windows-1252 quotes and euro sign, as stored bytes.
LATIN1_BYTES = InvalidText("Grüße aus Köln".encode("latin-1"))
LATIN1_REPAIRED = "Grüße aus Köln"
CP1252_BYTES = InvalidText("\u201cTeuer\u201d \u2013 50 \u20ac".encode("cp1252"))
CP1252_REPAIRED = "\u201cTeuer\u201d \u2013 50 \u20ac"
# Valid UTF-8 followed by a stray Latin-1 byte: the valid part must stay as it is.
MIXED_BYTES = InvalidText("Grüße ".encode() + "café".encode("latin-1"))
MIXED_REPAIRED = "Grüße café"
BLOB_BYTES = Blob(bytes.fromhex("DEADBEEF"))
# DE AD happens to be a valid UTF-8 sequence (U+07AD) and stays one; BE and EF do not.
BLOB_REPAIRED = "\u07ad\u00be\u00ef"
SEGMENT_LATIN1 = InvalidText("Großkunde".encode("latin-1"))

assert len(LONG_COMMENT) == 10_000


@dataclass(frozen=True)
class ExpectedResponse:
    """One raw response row and what the pipeline must make of it."""

    response_id: str | None
    quarantine_reason: str | None  # None: counted in marts.fct_survey_responses
    note: str
    # The comment as the warehouse's raw layer must hold it (repaired and masked).
    comment: str | None = None
    # Defects a check should see although the row may be counted.
    defects: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorpusExpectation:
    """What the pipeline must make of the corpus.

    ``responses`` has one entry per raw response row, in the order of the
    source table. ``defect_counts`` maps a canonical table (``survey_responses``,
    ``survey_invitations``, ``customers``, ``detractor_followups``) to the number
    of its raw rows with each defect kind (``*_duplicated_ids`` count ids, not
    rows); every kind is listed, with 0 where none occurs. The counts are
    computed from the rows written, so they stay right when a row is added. On
    ``raw.survey_responses``, for example, a check that scores are the texts
    '0' to '10' finds ``score_not_in_0_10`` values, one that response ids are
    present finds ``response_id_null`` rows, and one that (portal, response_id)
    is unique finds ``response_id_repeated_rows_null_included`` rows.
    """

    portal: str
    database: Path
    portals_config: Path
    url_env: str
    responses: tuple[ExpectedResponse, ...]
    defect_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    raw_row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def reasons(self) -> Counter:
        """How many responses each quarantine reason should get (None: counted)."""
        return Counter(response.quarantine_reason for response in self.responses)

    @property
    def reasons_by_response_id(self) -> Counter:
        """(response_id, quarantine_reason) pairs, counted: ids repeat for versions."""
        return Counter((r.response_id, r.quarantine_reason) for r in self.responses)


# --- customers: (client_ref, tier, plan, region, joined, qa_flag) -------------------------

_CUSTOMERS = [
    ("C-01", "consumer", "basic", "DE-North", "2024-01-10 09:00:00", "0"),
    ("C-02", "business", "plus", "DE-South", "2024-02-10 09:00:00", "0"),
    ("C-03", "consumer", "premium", "AT", "2024-03-10 09:00:00", "0"),
    ("C-04", SQL_DROP, "basic", "CH", "2024-04-10 09:00:00", "0"),
    ("C-05", "🦄 VIP", "plus", "DE-West", "2024-05-10 09:00:00", "0"),
    ("C-06", "<script>alert(1)</script>", "basic", "DE-North", "2024-06-10 09:00:00", "0"),
    ("C-07", SEGMENT_LATIN1, "basic", RIGHT_TO_LEFT, "2024-07-10 09:00:00", "0"),
    ("C-QA", "consumer", "basic", "DE-North", "2024-01-01 09:00:00", "1"),
    # The same customer twice, with the same attributes.
    ("C-DUP", "consumer", "basic", "AT", "2024-08-10 09:00:00", "0"),
    ("C-DUP", "consumer", "basic", "AT", "2024-08-10 09:00:00", "0"),
    # Customers without an id: nothing can refer to them.
    (None, "consumer", "basic", "AT", "2024-09-10 09:00:00", "0"),
    (None, "business", "plus", "CH", "not a date", "0"),
    # Signed up before the portal existed.
    ("C-OLD", "consumer", "basic", "DE-North", "1970-01-01 00:00:00", "0"),
]

# --- invitations: (invite_ref, client_ref, moment, medium, sent) -------------------------

_INVITATIONS = [
    *(
        (
            f"I-{n:02d}",
            f"C-0{1 + n % 7}",
            "checkout" if n % 2 else "delivery",
            "email" if n % 3 else "onsite",
            f"2026-06-{n:02d} 10:00:00",
        )
        for n in range(1, 29)
    ),
    ("I-QA", "C-QA", "checkout", "email", "2026-06-01 12:00:00"),
    ("I-DUPSUB", "C-01", "delivery", "email", "2026-06-02 12:00:00"),
    ("I-EDIT", "C-02", "checkout", "onsite", "2026-06-03 12:00:00"),
    ("I-LATE", "C-03", "delivery", "email", "2025-06-04 12:00:00"),
    # Sent after its answer; both in the last month, so that the report shows C-04's segment.
    ("I-EARLY", "C-04", "checkout", "email", "2026-07-20 12:00:00"),
    ("I-JULY", "C-06", "delivery", "email", "2026-07-05 12:00:00"),
    ("I-1970", "C-OLD", "checkout", "email", "1970-01-01 00:00:00"),
    ("I-1999", "C-OLD", "delivery", "email", "1999-12-31 23:59:59"),
    ("I-ODD", "C-05", "carrier_pigeon", "smoke_signal", "2026-06-05 12:00:00"),
    ("I-HOSTILE", "C-06", SQL_DROP, "📧 " + JINJA, "2026-06-06 12:00:00"),
    (SQL_DROP, "C-07", "checkout", "email", "2026-06-07 12:00:00"),
    # The same invitation id twice: one response answers it.
    ("I-TWICE", "C-DUP", "checkout", "email", "2026-06-08 12:00:00"),
    ("I-TWICE", "C-DUP", "checkout", "email", "2026-06-08 12:00:00"),
    # Invitations without an id: no response can answer them.
    (None, "C-01", "checkout", "email", "2026-06-09 12:00:00"),
    (None, "C-02", "delivery", "onsite", "2026-06-09 13:00:00"),
    # An invitation with an unparseable send time.
    ("I-NOSENT", "C-03", "checkout", "email", "soon"),
]

# --- responses ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Response:
    answer_ref: str | None
    invite_ref: str | None
    client_ref: str | None
    score: object
    remark: object
    answered: str | None
    changed: str | None
    reason: str | None
    note: str
    comment: str | None = None  # expected warehouse text when it differs from ``remark``
    defects: tuple[str, ...] = ()


def _good(n: int, score: object, remark: object = None, **extra) -> _Response:
    invite = f"I-{n:02d}"
    return _Response(
        answer_ref=f"R-{n:02d}",
        invite_ref=invite,
        client_ref=None,
        score=score,
        remark=remark,
        answered=f"2026-06-{n:02d} 11:30:00",
        changed=f"2026-06-{n:02d} 11:30:00",
        reason=None,
        note=extra.pop("note", "ordinary response"),
        **extra,
    )


def _bad(answer_ref, invite_ref, score, reason, note, answered="2026-06-15 10:00:00", **extra):
    return _Response(
        answer_ref=answer_ref,
        invite_ref=invite_ref,
        client_ref=extra.pop("client_ref", None),
        score=score,
        remark=extra.pop("remark", None),
        answered=answered,
        changed=extra.pop("changed", answered),
        reason=reason,
        note=note,
        **extra,
    )


_RESPONSES = [
    # Counted responses, each carrying hostile text in its comment.
    _good(1, 10, SQL_DROP, note="SQL fragment in the comment"),
    _good(2, "9", JINJA, note="Jinja in the comment"),
    _good(3, 8, FORMAT_PLACEHOLDERS, note="format placeholders in the comment"),
    _good(4, "7", BACKSLASHES_AND_QUOTES, note="backslashes and quotes in the comment"),
    _good(5, 6, CONTROL_CHARACTERS, note="control characters in the comment"),
    _good(6, "5", NUL_TEXT, note="a NUL character in the comment"),
    _good(7, 0, EMOJI_AND_COMBINING, note="emoji and combining characters"),
    _good(8, "3", RIGHT_TO_LEFT, note="right-to-left text"),
    _good(
        9,
        10,
        LONG_COMMENT,
        note="a 10,000-character comment with an e-mail address",
        comment=LONG_COMMENT.replace("anna@example.org", "[email]"),
    ),
    _good(
        10,
        "9",
        LATIN1_BYTES,
        note="Latin-1 bytes",
        comment=LATIN1_REPAIRED,
        defects=("invalid_utf8",),
    ),
    _good(
        11,
        2,
        CP1252_BYTES,
        note="Windows-1252 bytes",
        comment=CP1252_REPAIRED,
        defects=("invalid_utf8",),
    ),
    _good(
        12,
        "8",
        MIXED_BYTES,
        note="UTF-8 with a stray Latin-1 byte",
        comment=MIXED_REPAIRED,
        defects=("invalid_utf8",),
    ),
    _good(
        13,
        4,
        BLOB_BYTES,
        note="a BLOB in the comment column",
        comment=BLOB_REPAIRED,
        defects=("invalid_utf8",),
    ),
    _good(
        14,
        "1",
        "Ruft mich an: +49 170 1234567 oder jörg.weiß@firma.de 😡",
        note="personal data beside emoji",
        comment="Ruft mich an: [phone] oder [email] 😡",
    ),
    _good(15, 10, "", note="an empty comment"),
    _good(16, 9, None, note="no comment"),
    _good(17, "8.0", "  padded  ", note="score 8.0 is read as 8"),
    _good(18, " 9 ", "\u00a0", note="score with spaces around it"),
    _good(19, "10", "ok", note="ordinary promoter"),
    _good(20, "6", "meh", note="ordinary detractor"),
    # One counted response per answered odd invitation.
    _Response(
        "R-JULY",
        "I-JULY",
        None,
        8,
        "</text><script>alert(2)</script>",
        "2026-07-05 13:00:00",
        "2026-07-05 13:00:00",
        None,
        "markup in the comment, in the last month",
    ),
    _Response(
        "R-ODD",
        "I-ODD",
        None,
        9,
        "🕊️",
        "2026-06-05 13:00:00",
        "2026-06-05 13:00:00",
        None,
        "unknown touchpoint and channel",
        defects=("unknown_touchpoint", "unknown_channel"),
    ),
    _Response(
        "R-HOSTILE",
        "I-HOSTILE",
        None,
        7,
        JINJA,
        "2026-06-06 13:00:00",
        "2026-06-06 13:00:00",
        None,
        "hostile touchpoint and channel",
        defects=("unknown_touchpoint", "unknown_channel"),
    ),
    _Response(
        SQL_DROP + " R",
        SQL_DROP,
        None,
        "10",
        SQL_DROP,
        "2026-06-07 13:00:00",
        "2026-06-07 13:00:00",
        None,
        "SQL fragments as response and invitation ids",
    ),
    _Response(
        "R-TWICE",
        "I-TWICE",
        None,
        8,
        None,
        "2026-06-08 13:00:00",
        "2026-06-08 13:00:00",
        None,
        "answers an invitation id that occurs twice",
    ),
    _Response(
        "R-EARLY",
        "I-EARLY",
        None,
        9,
        None,
        "2026-07-10 10:00:00",
        "2026-07-10 10:00:00",
        None,
        "answered before the invitation was sent",
        defects=("responded_before_invitation",),
    ),
    _Response(
        "R-LATE",
        "I-LATE",
        None,
        3,
        None,
        "2026-07-09 12:00:00",
        "2026-07-09 12:00:00",
        None,
        "answered 400 days after the invitation",
        defects=("responded_long_after_invitation",),
    ),
    _Response(
        "R-1970",
        "I-1970",
        None,
        5,
        None,
        "1970-01-01 00:00:00",
        "1970-01-01 00:00:00",
        None,
        "answered at the Unix epoch, before the portal existed",
        defects=("responded_before_portal_existed",),
    ),
    _Response(
        "R-1999",
        "I-1999",
        None,
        9,
        None,
        "1999-12-31 23:59:59",
        "1999-12-31 23:59:59",
        None,
        "answered in 1999, before the portal existed",
        defects=("responded_before_portal_existed",),
    ),
    # superseded_version: the same id twice; the later update is judged (and counted).
    _bad(
        "R-EDIT",
        "I-EDIT",
        3,
        "superseded_version",
        "the first version of an edited answer",
        answered="2026-06-03 13:00:00",
        changed="2026-06-03 13:00:00",
    ),
    _bad(
        "R-EDIT",
        "I-EDIT",
        9,
        None,
        "the edited version",
        answered="2026-06-03 13:00:00",
        changed="2026-06-10 09:00:00",
    ),
    # response_id_missing
    _bad(None, "I-21", 9, "response_id_missing", "no response id"),
    _bad(None, "I-22", "ten", "response_id_missing", "no response id and a bad score"),
    # test_account
    _bad("R-QA", "I-QA", 10, "test_account", "a test account's answer", remark=SQL_DROP),
    # missing_invitation
    _bad("R-NOINV", None, 9, "missing_invitation", "no invitation id", client_ref="C-01"),
    _bad("R-GONE", "I-PURGED", 9, "missing_invitation", "an invitation id that does not exist"),
    _bad("R-NULINV", "I-23\x00", 9, "missing_invitation", "an invitation id with a NUL"),
    # score_missing
    _bad("R-NOSCORE", "I-23", None, "score_missing", "score NULL"),
    _bad("R-EMPTYSCORE", "I-24", "", "score_missing", "score ''"),
    _bad("R-BLANKSCORE", "I-24", "   ", "score_missing", "score of spaces"),
    # score_not_integer
    _bad("R-7.5", "I-25", 7.5, "score_not_integer", "score 7.5 (REAL)"),
    _bad("R-TEN", "I-25", "ten", "score_not_integer", "score 'ten'"),
    _bad("R-8/10", "I-25", "8/10", "score_not_integer", "score '8/10'"),
    _bad("R-NA", "I-25", "N/A", "score_not_integer", "score 'N/A'"),
    _bad("R-8,0", "I-25", "8,0", "score_not_integer", "score '8,0'"),
    _bad("R-SQLSCORE", "I-25", "1; drop table x", "score_not_integer", "SQL as the score"),
    _bad(
        "R-LATIN1SCORE",
        "I-25",
        InvalidText(b"9\xb0"),
        "score_not_integer",
        "score with a Latin-1 degree sign",
        defects=("invalid_utf8",),
    ),
    # score_out_of_range
    _bad("R-SCORE-11", "I-26", 11, "score_out_of_range", "score 11"),
    _bad("R-SCORE-MINUS1", "I-26", -1, "score_out_of_range", "score -1"),
    _bad("R-SCORE-100", "I-26", "100", "score_out_of_range", "score '100'"),
    # responded_at_invalid
    _bad("R-NOTIME", "I-27", 9, "responded_at_invalid", "no response time", answered=None),
    _bad(
        "R-BADTIME",
        "I-27",
        9,
        "responded_at_invalid",
        "response time 'yesterday'",
        answered="yesterday",
    ),
    _bad(
        "R-BADDATE",
        "I-27",
        9,
        "responded_at_invalid",
        "response time 2026-13-45 25:61:00",
        answered="2026-13-45 25:61:00",
    ),
    _bad(
        "R-SQLTIME",
        "I-27",
        9,
        "responded_at_invalid",
        "SQL as the response time",
        answered=SQL_DROP,
    ),
    # responded_in_future
    _bad(
        "R-FUTURE",
        "I-28",
        9,
        "responded_in_future",
        "answered in 2099",
        answered="2099-01-01 00:00:00",
    ),
    # duplicate_submission: two valid answers to one invitation; the later one counts.
    _bad(
        "R-DUP-1",
        "I-DUPSUB",
        4,
        "duplicate_submission",
        "the earlier of two answers",
        answered="2026-06-02 13:00:00",
        remark="same text",
    ),
    _bad(
        "R-DUP-2",
        "I-DUPSUB",
        5,
        None,
        "the later of two answers",
        answered="2026-06-02 13:00:20",
        remark="same text",
    ),
]

# --- follow-up cases: (case_ref, answer_ref, state, opened, changed) ---------------------

_CASES = [
    ("F-1", "R-05", "open", "2026-06-05 12:00:00", "2026-06-05 12:00:00"),
    ("F-2", "R-07", "Resolved " + SQL_DROP, "2026-06-07 12:00:00", "2026-06-08 12:00:00"),
    ("F-3", "R-DUP-1", "contacted", "2026-06-02 14:00:00", "2026-06-03 14:00:00"),
]


def _placeholder(value: object) -> str:
    # CAST(? AS TEXT) keeps the bound bytes as they are, so the TEXT value is not UTF-8.
    return "cast(? as text)" if isinstance(value, InvalidText) else "?"


def _parameter(value: object) -> object:
    return bytes(value) if isinstance(value, bytes) else value


def _insert(connection: sqlite3.Connection, table: str, rows: list[tuple]) -> None:
    for row in rows:
        placeholders = ", ".join(_placeholder(value) for value in row)
        connection.execute(
            f"insert into {table} values ({placeholders})", [_parameter(v) for v in row]
        )


_CONFIG = f"""\
version: 1
portals:
  - name: {PORTAL}
    description: Fixture portal that holds every defect kind and hostile text.
    connection:
      url_env: {URL_ENV}
      default_url: sqlite:///{{database}}
      attempts: 1
      backoff_seconds: 0
    timezone: UTC
    quality:
      live_since: {{live_since}}
      touchpoints: [{{touchpoints}}]
      channels: [{{channels}}]
      response_window_days: {{response_window_days}}
    entities:
      customers:
        table: clients
        columns:
          customer_id: client_ref
          customer_segment: tier
          plan: plan
          region: region
          signed_up_at: joined
          is_test_account: qa_flag
      survey_invitations:
        table: invites
        columns:
          invitation_id: invite_ref
          customer_id: client_ref
          touchpoint: moment
          channel: medium
          sent_at: sent
      survey_responses:
        table: answers
        columns:
          response_id: answer_ref
          invitation_id: invite_ref
          customer_id: client_ref
          score: score
          comment: remark
          responded_at: answered
          updated_at: changed
      detractor_followups:
        table: cases
        columns:
          followup_id: case_ref
          response_id: answer_ref
          status: state
          created_at: opened
          updated_at: changed
"""


def _text(value: object) -> str | None:
    """A value as the warehouse shows it (bytes repaired as Windows-1252)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return decode_text(bytes(value))
    return str(value)


def _score_unreadable(value: object) -> bool:
    """Whether staging would not read the score as a whole number 0-10."""
    text = _text(value)
    if text is None:
        return True
    text = text.strip(" ")
    if not re.fullmatch(r"[+-]?[0-9]{1,9}(\.0+)?", text):
        return True
    return not 0 <= int(float(text)) <= 10


def _moment(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def _delays_after_invitation(responses: list[_Response]) -> list[timedelta]:
    """Response time minus sending time, where both read as times; the earliest of a repeated id."""
    sent: dict[str, datetime] = {}
    for invite_ref, _, _, _, sent_at in _INVITATIONS:
        moment = _moment(sent_at)
        if invite_ref is not None and moment is not None:
            sent[invite_ref] = min(moment, sent.get(invite_ref, moment))
    return [
        _moment(r.answered) - sent[r.invite_ref]
        for r in responses
        if r.invite_ref in sent and _moment(r.answered) is not None
    ]


def _id_counts(column: str, ids: list) -> dict[str, int]:
    """Missing and repeated values of one id column: the rows without an id, the
    rows whose id another row shares (every row of such a group), the ids shared,
    and the shared rows again with NULL read as one more id, as a
    compound-uniqueness check over (portal, id) counts them."""
    present = Counter(value for value in ids if value is not None)
    every = Counter(ids)
    return {
        f"{column}_null": sum(value is None for value in ids),
        f"{column}_duplicate_rows": sum(
            1 for value in ids if value is not None and present[value] > 1
        ),
        f"{column}_duplicated_ids": sum(count > 1 for count in present.values()),
        f"{column}_repeated_rows_null_included": sum(1 for value in ids if every[value] > 1),
    }


def _defect_counts() -> dict[str, dict[str, int]]:
    """Rows per defect kind and table, computed from the rows above."""
    responses = _RESPONSES
    invitations = {row[0]: row for row in _INVITATIONS if row[0] is not None}
    customer_ids = {row[0] for row in _CUSTOMERS if row[0] is not None}

    def score_text(value: object) -> str | None:
        return None if value is None else _text(value)

    response_counts = {
        **_id_counts("response_id", [r.answer_ref for r in responses]),
        "invitation_id_null": sum(r.invite_ref is None for r in responses),
        "invitation_id_unknown": sum(
            r.invite_ref is not None and r.invite_ref not in invitations for r in responses
        ),
        "score_null": sum(r.score is None for r in responses),
        # Missing, or not a whole number 0-10 as staging reads scores (NULL included).
        "score_unreadable": sum(_score_unreadable(r.score) for r in responses),
        # Non-null scores other than the texts '0' to '10' (what a strict value set sees).
        "score_not_in_0_10": sum(
            r.score is not None and score_text(r.score) not in VALID_SCORES for r in responses
        ),
        "responded_at_null": sum(r.answered is None for r in responses),
        # Missing or not a timestamp (NULL included).
        "responded_at_unreadable": sum(r.reason == "responded_at_invalid" for r in responses),
        "responded_at_unparseable": sum(
            r.reason == "responded_at_invalid" and r.answered is not None for r in responses
        ),
        "responded_in_future": sum(
            r.answered is not None and r.answered.startswith("2099") for r in responses
        ),
        "responded_before_portal_existed": sum(
            "responded_before_portal_existed" in r.defects for r in responses
        ),
        # Every row with both times readable, whatever else is wrong with it.
        "responded_before_invitation": sum(
            delay < timedelta(0) for delay in _delays_after_invitation(responses)
        ),
        # Answered more than RESPONSE_WINDOW_DAYS after the invitation.
        "responded_long_after_invitation": sum(
            delay > timedelta(days=RESPONSE_WINDOW_DAYS)
            for delay in _delays_after_invitation(responses)
        ),
        "comment_invalid_utf8": sum(isinstance(r.remark, bytes) for r in responses),
        "score_invalid_utf8": sum(isinstance(r.score, bytes) for r in responses),
        "comment_10000_characters": sum(
            isinstance(r.remark, str) and len(r.remark) >= 10_000 for r in responses
        ),
        "comment_with_nul": sum(
            isinstance(r.remark, str) and "\x00" in r.remark for r in responses
        ),
    }
    invitation_counts = {
        **_id_counts("invitation_id", [row[0] for row in _INVITATIONS]),
        "customer_id_unknown": sum(row[1] not in customer_ids for row in _INVITATIONS),
        "unknown_touchpoint": sum(row[2] not in KNOWN_TOUCHPOINTS for row in _INVITATIONS),
        "unknown_channel": sum(row[3] not in KNOWN_CHANNELS for row in _INVITATIONS),
        "sent_at_unparseable": sum(row[4] == "soon" for row in _INVITATIONS),
        "sent_before_portal_existed": sum(
            row[4][:4].isdigit() and row[4] < PORTAL_STARTED_AT for row in _INVITATIONS
        ),
    }
    customer_counts = {
        **_id_counts("customer_id", [row[0] for row in _CUSTOMERS]),
        "test_accounts": sum(row[5] == "1" for row in _CUSTOMERS),
        "segment_invalid_utf8": sum(isinstance(row[1], bytes) for row in _CUSTOMERS),
        "signed_up_at_unparseable": sum(row[4] == "not a date" for row in _CUSTOMERS),
        "signed_up_before_portal_existed": sum(
            row[4][:4].isdigit() and row[4] < PORTAL_STARTED_AT for row in _CUSTOMERS
        ),
    }
    response_ids = {r.answer_ref for r in responses}
    followup_counts = {
        "response_id_unknown": sum(row[1] not in response_ids for row in _CASES),
        "status_unknown": sum(row[2] not in {"open", "contacted", "resolved"} for row in _CASES),
    }
    return {
        "survey_responses": response_counts,
        "survey_invitations": invitation_counts,
        "customers": customer_counts,
        "detractor_followups": followup_counts,
    }


def write_bad_input_corpus(directory: Path) -> CorpusExpectation:
    """Writes the portal database and its portals YAML into ``directory``.

    Returns what the pipeline must make of it. The YAML names the database by
    its absolute path as ``default_url``; the environment variable ``URL_ENV``
    overrides it as for any portal.
    """
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / DATABASE_NAME
    database.unlink(missing_ok=True)
    connection = sqlite3.connect(database)
    try:
        connection.executescript(
            """
            create table clients (client_ref text, tier text, plan text, region text,
                                  joined text, qa_flag text);
            create table invites (invite_ref text, client_ref text, moment text, medium text,
                                  sent text);
            -- No declared type: SQLite keeps 7.5 as REAL, 11 as INTEGER, 'ten' as TEXT.
            create table answers (answer_ref text, invite_ref text, client_ref text, score,
                                  remark text, answered text, changed text);
            create table cases (case_ref text, answer_ref text, state text, opened text,
                                changed text);
            """
        )
        _insert(connection, "clients", _CUSTOMERS)
        _insert(connection, "invites", _INVITATIONS)
        _insert(
            connection,
            "answers",
            [
                (r.answer_ref, r.invite_ref, r.client_ref, r.score, r.remark, r.answered, r.changed)
                for r in _RESPONSES
            ],
        )
        _insert(connection, "cases", _CASES)
        connection.commit()
    finally:
        connection.close()

    config = directory / CONFIG_NAME
    config.write_text(
        _CONFIG.format(
            database=database,
            live_since=PORTAL_STARTED_AT[:10],
            touchpoints=", ".join(sorted(KNOWN_TOUCHPOINTS)),
            channels=", ".join(sorted(KNOWN_CHANNELS)),
            response_window_days=RESPONSE_WINDOW_DAYS,
        ),
        encoding="utf-8",
    )

    responses = tuple(
        ExpectedResponse(
            response_id=r.answer_ref,
            quarantine_reason=r.reason,
            note=r.note,
            comment=r.comment if r.comment is not None else _text(r.remark),
            defects=r.defects,
        )
        for r in _RESPONSES
    )
    return CorpusExpectation(
        portal=PORTAL,
        database=database,
        portals_config=config,
        url_env=URL_ENV,
        responses=responses,
        defect_counts=_defect_counts(),
        raw_row_counts={
            "customers": len(_CUSTOMERS),
            "survey_invitations": len(_INVITATIONS),
            "survey_responses": len(_RESPONSES),
            "detractor_followups": len(_CASES),
        },
    )
