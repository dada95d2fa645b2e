"""Repairing SQLite text that is not valid UTF-8: every invalid byte read as Windows-1252."""

import sqlite3

import duckdb
import pytest

from orchestration.ingest.config import parse_portals
from orchestration.ingest.load import load_portal_entity
from orchestration.ingest.text_repair import decode_text, read_sqlite_table_repaired


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("Grüße".encode(), "Grüße"),
        ("Grüße aus Köln".encode("latin-1"), "Grüße aus Köln"),
        (
            "\u201cTeuer\u201d \u2013 50 \u20ac".encode("cp1252"),
            "\u201cTeuer\u201d \u2013 50 \u20ac",
        ),
        # Valid UTF-8 stays UTF-8 beside a stray Latin-1 byte.
        ("Grüße ".encode() + "café".encode("latin-1"), "Grüße café"),
        # Bytes Windows-1252 leaves undefined become the Latin-1 control characters.
        (b"\x81\x8d\x8f\x90\x9d", "\x81\x8d\x8f\x90\x9d"),
        # A truncated sequence at the end: each of its bytes on its own.
        (b"ok \xe2\x82", "ok \u00e2\u201a"),
        (b"a\x00b", "a\x00b"),
    ],
)
def test_decode_text_reads_invalid_bytes_as_windows_1252(raw, text):
    """Valid UTF-8 is decoded as such, every other byte as Windows-1252."""
    assert decode_text(raw) == text


def _portal_file(tmp_path, rows):
    path = tmp_path / "portal.sqlite"
    connection = sqlite3.connect(path)
    connection.execute(
        "create table answers (id text, invitation text, score, remark text, answered text)"
    )
    for row in rows:
        connection.execute("insert into answers values (?, ?, ?, cast(? as text), ?)", row)
    connection.commit()
    connection.close()
    return path


def _portal(path):
    (portal,) = parse_portals(
        {
            "version": 1,
            "portals": [
                {
                    "name": "latin",
                    "connection": {
                        "url_env": "NPS_TEST_LATIN_URL",
                        "default_url": f"sqlite:///{path}",
                    },
                    "timezone": "UTC",
                    "entities": {
                        "survey_responses": {
                            "table": "answers",
                            "columns": {
                                "response_id": "id",
                                "invitation_id": "invitation",
                                "score": "score",
                                "comment": "remark",
                                "responded_at": "answered",
                            },
                        }
                    },
                }
            ],
        }
    )
    return portal


def test_read_sqlite_table_repaired_keeps_sqlite_text_rendering(tmp_path):
    """Numbers read as SQLite renders them as text, NULL as None, bad bytes repaired."""
    path = _portal_file(
        tmp_path,
        [("1", "i", 7.5, "Gr\xfc\xdfe".encode("latin-1"), None), ("2", None, 11, None, "x")],
    )
    frame, repaired = read_sqlite_table_repaired(path, '"answers"', ["id", "score", "remark"])
    assert repaired == 1
    assert frame.to_dict("records") == [
        {"id": "1", "score": "7.5", "remark": "Grüße"},
        {"id": "2", "score": "11", "remark": None},
    ]


def test_load_repairs_latin1_comments_and_masks_them_like_any_other(tmp_path, monkeypatch):
    """A Latin-1 comment does not fail the load: it arrives repaired, masked, and counted."""
    monkeypatch.delenv("NPS_TEST_LATIN_URL", raising=False)
    path = _portal_file(
        tmp_path,
        [
            ("1", "i1", "9", "Grüße, Anruf unter +49 170 1234567".encode("latin-1"), "2026-01-01"),
            ("2", "i2", "7", b"plain", "2026-01-02"),
        ],
    )
    connection = duckdb.connect()
    report = load_portal_entity(connection, _portal(path), "survey_responses")
    assert report.rows_read == 2
    assert report.repaired_text_values == 1
    rows = connection.execute(
        'select response_id, comment from raw."latin__survey_responses" order by response_id'
    ).fetchall()
    assert rows == [("1", "Grüße, Anruf unter [phone]"), ("2", "plain")]


def test_load_of_clean_sqlite_text_repairs_nothing(tmp_path, monkeypatch):
    """Valid UTF-8, emoji and NUL included, goes the ordinary way."""
    monkeypatch.delenv("NPS_TEST_LATIN_URL", raising=False)
    path = _portal_file(tmp_path, [("1", "i1", "9", "😡 a\x00b".encode(), "2026-01-01")])
    connection = duckdb.connect()
    report = load_portal_entity(connection, _portal(path), "survey_responses")
    assert report.repaired_text_values == 0
    assert connection.execute('select comment from raw."latin__survey_responses"').fetchall() == [
        ("😡 a\x00b",)
    ]
