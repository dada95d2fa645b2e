"""Masking personal data in free text before it reaches the warehouse.

Customers put contact details into survey comments ("call me at ...", "refund to
IBAN ..."). The ingest replaces them with placeholders such as ``[email]`` while
copying, so no table of the warehouse ever holds them.

The patterns are written once, in the regular-expression dialect shared by
Python's ``re`` and RE2 (which DuckDB's ``regexp_replace`` uses): no look-around,
no Unicode classes, ASCII ``[0-9A-Za-z]`` instead of ``\\w``. ``mask_text`` applies
them in Python; ``mask_sql`` generates the DuckDB expression the load runs, so
both apply the very same rules in the same order.

Without look-behind, a pattern that must not start inside a longer word or number
captures the character before it (or the start of the text) as group 1 and puts
it back in the replacement; one that must not end inside one captures the
character after it as the last group and puts that back as well.
"""

import re
from dataclasses import dataclass

# The start of the text, or a character that cannot continue a number or word.
_START = r"(^|[^0-9A-Za-z+])"
# The end of the text, or a character that cannot continue a number or word.
_END = r"($|[^0-9A-Za-z])"


@dataclass(frozen=True)
class MaskingRule:
    """One kind of personal data: a pattern and the placeholder that replaces a match."""

    kind: str
    pattern: str
    replacement: str

    @property
    def placeholder(self) -> str:
        return f"[{self.kind}]"


def _guarded(kind: str, body: str) -> MaskingRule:
    """A rule whose match must be neither preceded nor followed by a letter or digit."""
    return MaskingRule(kind, f"{_START}{body}{_END}", rf"\1[{kind}]\2")


# Order matters: an IBAN is masked before its digits could pass for a card or a
# phone number, a card before its digit groups could pass for a phone number.
MASKING_RULES: tuple[MaskingRule, ...] = (
    MaskingRule(
        "email",
        # Local part with Latin letters (umlauts included), an @, a dotted domain.
        r"[0-9A-Za-zÀ-ɏ._%+-]+@[0-9A-Za-zÀ-ɏ-]+([.][0-9A-Za-zÀ-ɏ-]+)*[.][A-Za-z]{2,}",
        "[email]",
    ),
    _guarded(
        "iban",
        # Country code, two check digits, then 11 to 30 characters, written
        # continuously or in groups of four ("DE89 3704 0044 0532 0130 00").
        r"[A-Za-z]{2}[0-9]{2}(?: ?[0-9A-Z]{4}){2,7}(?: ?[0-9A-Z]{1,3})?",
    ),
    _guarded(
        "card",
        # 13 to 19 digits starting like a payment card (2-6), continuous or
        # separated by single spaces or hyphens ("4111 1111 1111 1111").
        r"[2-6](?:[ -]?[0-9]){12,18}",
    ),
    _guarded(
        "phone",
        # International: +49 or 0049, then 6 to 14 more digits with spaces,
        # dots, slashes, hyphens or a "(0)" between them ("+49 (0)170 1234567").
        r"(?:[+]|00)[1-9](?:[ ./-]?(?:[(]0[)])?[ ./-]?[0-9]){6,14}",
    ),
    _guarded(
        "phone",
        # German national: a 0, an area code of 2 to 5 digits (in brackets or
        # not), then the subscriber number with single spaces, slashes or
        # hyphens ("0170 1234567", "(030) 123 456 78", "089/12345-67").
        r"[(]?0[1-9][0-9]{1,4}[)]?(?:[ /-]?[0-9]){4,10}",
    ),
    _guarded(
        "phone",
        # North American: "(555) 123-4567", "555-123-4567", "555.123.4567".
        r"(?:[(][2-9][0-9]{2}[)] ?|[2-9][0-9]{2}[-. ])[0-9]{3}[-. ][0-9]{4}",
    ),
)

PLACEHOLDERS: frozenset[str] = frozenset(rule.placeholder for rule in MASKING_RULES)

# Only text with an @ or seven digits close together (at most three other
# characters between two of them, none a letter) can hold anything the rules
# mask, except IBANs of letters and few digits, which are not searched for.
# Most comments fail this one cheap test and skip the rules.
CANDIDATE_PATTERN = r"@|[0-9](?:[^0-9A-Za-z]{0,3}[0-9]){6}"

_CANDIDATE = re.compile(CANDIDATE_PATTERN)
_COMPILED = tuple((re.compile(rule.pattern), rule.replacement) for rule in MASKING_RULES)


def mask_text(text: str | None) -> str | None:
    """The text with every e-mail address, IBAN, card number and phone number replaced."""
    if text is None or not _CANDIDATE.search(text):
        return text
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    return text


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def mask_sql(expression: str) -> str:
    """A DuckDB expression that masks the text ``expression`` evaluates to, like ``mask_text``."""
    masked = expression
    for rule in MASKING_RULES:
        masked = (
            f"regexp_replace({masked}, {_sql_literal(rule.pattern)}, "
            f"{_sql_literal(rule.replacement)}, 'g')"
        )
    candidate = f"regexp_matches({expression}, {_sql_literal(CANDIDATE_PATTERN)})"
    return f"case when {candidate} then {masked} else {expression} end"
