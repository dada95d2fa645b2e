"""Masking personal data in comments: the rules on German and English text, and SQL = Python."""

import duckdb
import pytest

from orchestration.ingest.masking import mask_sql, mask_text

MASKED = [
    # e-mail addresses
    ("Bitte per Mail an anna.mueller12@example.org melden.", "Bitte per Mail an [email] melden."),
    ("Reach me at j.smith+nps@mail.example.co.uk!", "Reach me at [email]!"),
    ("Schreiben Sie an jörg.weiß@firma-gmbh.de, danke", "Schreiben Sie an [email], danke"),
    ("Contact:QA+1234@SHOP.EXAMPLE", "Contact:[email]"),
    # phone numbers, German and international formats
    ("Rufen Sie mich an: +49 170 1234567", "Rufen Sie mich an: [phone]"),
    ("Tel. +49 (0)30 123456-78 ab 9 Uhr", "Tel. [phone] ab 9 Uhr"),
    ("Handy 0170/1234567 oder 030 12345678.", "Handy [phone] oder [phone]."),
    ("Erreichbar unter (030) 123 456 78.", "Erreichbar unter [phone]."),
    ("Festnetz 089-12345-67", "Festnetz [phone]"),
    ("Call me: 0044 20 7946 0958", "Call me: [phone]"),
    ("UK office +44 20 7946 0958 or +1-555-123-4567", "UK office [phone] or [phone]"),
    ("Call me at (555) 123-4567.", "Call me at [phone]."),
    ("My number is 555-123-4567, thanks", "My number is [phone], thanks"),
    ("Tel:+4915112345678", "Tel:[phone]"),
    # IBANs
    ("Bitte erstatten auf DE89 3704 0044 0532 0130 00.", "Bitte erstatten auf [iban]."),
    ("Please refund to IBAN DE89370400440532013000", "Please refund to IBAN [iban]"),
    ("IBAN: GB29 NWBK 6016 1331 9268 19 (UK)", "IBAN: [iban] (UK)"),
    ("iban at89 2011 1000 0000 1234 5", "iban [iban]"),
    # card-like numbers
    ("Karte 4111 1111 1111 1111 wurde doppelt belastet", "Karte [card] wurde doppelt belastet"),
    ("card 5500-0000-0000-0004 charged twice", "card [card] charged twice"),
    ("Amex 378282246310005.", "Amex [card]."),
    # several kinds in one comment
    (
        "Mail max@example.com, Tel 0171 2345678, IBAN DE02120300000000202051",
        "Mail [email], Tel [phone], IBAN [iban]",
    ),
]

NOT_PERSONAL = [
    # order numbers and references
    "Bestellung SO-1234567 kam nicht an.",
    "Order #100234567 arrived late.",
    "Auftragsnummer 2026-000123, Rechnung RE-4500123456.",
    "Sendungsnummer 00340434161234567890 zeigt nichts an.",
    "Ticket 12345678 was closed without a fix.",
    # dates and times
    "Bestellt am 03.12.2026, geliefert am 09.12.2026.",
    "Ordered on 2026-12-03 10:15, delivered 12/09/2026.",
    "Lieferfenster 08:30-17:00 Uhr, am 05/2026 schon mal.",
    "Seit dem 1.11. warte ich, also 14 Tage.",
    # prices
    "Für 1.299,00 € erwarte ich mehr.",
    "Paid $1,299.99 for this, now EUR 19,99 shipping.",
    "Preis 2 x 12,99 € statt 9,99 €.",
    "Costs 1 299 EUR per year for 25 seats.",
    # scores and other numbers
    "Ich gebe 0 von 10 Punkten.",
    "10/10 would buy again, 5 Sterne!",
    "Version 2.3.1 ist langsamer als 2.2.",
    "Lieferung hat 3 Tage gedauert, Paket 2 von 3 fehlte.",
    "Postleitzahl 80331 München, Hausnummer 12a.",
    "Die Lieferung hat 12 Tage gedauert, viel zu lange. 😡",
    "",
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_personal_data_is_replaced_by_its_placeholder(text, expected):
    """E-mail, phone (German and international), IBAN and card numbers become placeholders."""
    assert mask_text(text) == expected


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_order_numbers_dates_prices_and_scores_are_left_alone(text):
    """Numbers that are not personal data pass unchanged."""
    assert mask_text(text) == text


def test_missing_text_stays_missing():
    assert mask_text(None) is None


def test_masking_twice_changes_nothing_more():
    """Placeholders hold no digits or @, so a second pass (a re-load) leaves them as they are."""
    for text, _ in MASKED:
        once = mask_text(text)
        assert mask_text(once) == once


def test_duckdb_expression_masks_exactly_like_the_python_function():
    """The SQL the load runs and mask_text agree on every example, masked or not."""
    texts = [text for text, _ in MASKED] + NOT_PERSONAL + [None]
    with duckdb.connect() as connection:
        connection.execute("create table comments (position integer, comment varchar)")
        connection.executemany("insert into comments values (?, ?)", list(enumerate(texts)))
        rows = connection.execute(
            f"select {mask_sql('comment')} from comments order by position"
        ).fetchall()
    assert [value for (value,) in rows] == [mask_text(text) for text in texts]
