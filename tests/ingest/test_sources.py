"""Connection URLs, identifier quoting, redaction and retries: pure logic, no server needed."""

from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.sources import (
    ConnectionUrlError,
    Dialect,
    attach_statements,
    parse_connection_url,
    quote_identifier,
    redact,
    scanner_extension_path,
    with_retries,
)


def test_postgres_url_is_split_into_its_parts_when_it_holds_credentials():
    """User and password are percent-decoded; host, port and database kept."""
    location = parse_connection_url("postgresql://nps%40reader:p%3Ass@db.internal:6543/portal")
    assert location.dialect is Dialect.POSTGRES
    assert (location.host, location.port, location.database) == ("db.internal", 6543, "portal")
    assert (location.user, location.password) == ("nps@reader", "p:ss")


def test_default_ports_apply_when_the_url_names_none():
    """PostgreSQL listens on 5432 and MySQL/MariaDB on 3306 unless the URL says otherwise."""
    assert parse_connection_url("postgres://h/db").port == 5432
    assert parse_connection_url("mysql://h/db").port == 3306
    assert parse_connection_url("mariadb://h/db").dialect is Dialect.MYSQL


def test_sqlite_url_gives_a_path_when_it_is_absolute():
    """sqlite:////abs/path keeps the absolute path."""
    location = parse_connection_url("sqlite:////data/portal.sqlite")
    assert location.path == Path("/data/portal.sqlite")


@pytest.mark.parametrize(
    "url",
    [
        "oracle://user:hunter2@host/db",
        "postgresql://user:hunter2@/db",
        "mysql://user:hunter2@host",
        "postgresql://user:hunter2@host/db?sslmode=require';drop",
    ],
    ids=["unsupported_scheme", "no_host", "no_database", "hostile_option"],
)
def test_unusable_url_is_refused_without_quoting_it_when_it_holds_a_password(url):
    """The error explains the problem but never repeats the URL or its password."""
    with pytest.raises(ConnectionUrlError) as error:
        parse_connection_url(url)
    assert "hunter2" not in str(error.value)


@pytest.mark.parametrize(
    ("identifier", "dialect", "quoted"),
    [
        ("answers", Dialect.POSTGRES, '"answers"'),
        ("crm.answers", Dialect.POSTGRES, '"crm"."answers"'),
        ('we"ird', Dialect.SQLITE, '"we""ird"'),
        ("answers", Dialect.MYSQL, "`answers`"),
        ("shop.answers", Dialect.MYSQL, "`shop`.`answers`"),
        ("we`ird", Dialect.MYSQL, "`we``ird`"),
        ('Survey$Answers"', "duckdb", '"Survey$Answers"""'),
    ],
)
def test_identifiers_are_quoted_per_dialect_when_building_sql(identifier, dialect, quoted):
    """MySQL quotes with backticks, the others with double quotes; quotes inside are doubled."""
    assert quote_identifier(identifier, dialect) == quoted


def test_attach_string_holds_no_password_when_the_url_has_one():
    """The password goes into a temporary secret; the ATTACH string, which DuckDB
    repeats in its errors, carries only driver options."""
    location = parse_connection_url("postgresql://reader:s3cr'et@db:5432/portal?sslmode=require")
    secret, attach = attach_statements(location, "portal_shop")
    assert "password 's3cr''et'" in secret
    assert "s3cr" not in attach
    assert attach.startswith("attach 'sslmode=require' as \"portal_shop\"")


def test_redaction_removes_passwords_and_url_credentials_when_a_message_holds_them():
    """Both a known secret and user:password@ in any URL are masked."""
    message = 'failed at "postgresql://bob:hunter2@h:5/x" with hunter2'
    assert redact(message, ["hunter2"]) == 'failed at "postgresql://bob:***@h:5/x" with ***'
    assert redact("mysql://a:b@h/d", []) == "mysql://a:***@h/d"


def test_retries_wait_with_doubling_backoff_when_the_action_fails_then_succeeds():
    """Two failures, then success: two waits, the second twice the first."""
    calls, waits = [], []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise duckdb.IOException("connection refused")
        return "attached"

    result = with_retries(flaky, attempts=4, backoff_seconds=0.5, sleep=waits.append)
    assert result == "attached"
    assert waits == [0.5, 1.0]


def test_retries_give_up_with_the_last_error_when_every_attempt_fails():
    """After the last attempt the error propagates; no wait follows the last try."""
    waits = []

    def down() -> None:
        raise duckdb.IOException("connection refused")

    with pytest.raises(duckdb.IOException):
        with_retries(down, attempts=3, backoff_seconds=1, sleep=waits.append)
    assert waits == [1, 2]


@pytest.mark.parametrize("dialect", list(Dialect))
def test_scanner_extensions_are_installed_when_the_environment_is_synced(dialect):
    """Each scanner ships as a file in its pinned package: nothing is downloaded at run time."""
    assert scanner_extension_path(dialect).is_file()
