"""Portal databases: connection URLs, identifier quoting, and attaching them to DuckDB.

Every portal database is read through one of DuckDB's own scanner extensions
(postgres_scanner, mysql_scanner, sqlite_scanner), attached to the warehouse
connection under an alias. The extensions ship as PyPI packages pinned to the
DuckDB release, so they are loaded from the installed files and never downloaded.

Connection URLs may hold passwords. A password is handed to DuckDB only inside a
temporary secret, never in an ATTACH string (which DuckDB repeats in its error
messages), and every message that leaves this module goes through ``redact``.
"""

import importlib.resources
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

import duckdb


class Dialect(StrEnum):
    SQLITE = "sqlite"
    POSTGRES = "postgres"
    MYSQL = "mysql"


URL_SCHEMES: dict[str, Dialect] = {
    "sqlite": Dialect.SQLITE,
    "postgresql": Dialect.POSTGRES,
    "postgres": Dialect.POSTGRES,
    "mysql": Dialect.MYSQL,
    "mariadb": Dialect.MYSQL,
}
DEFAULT_PORTS = {Dialect.POSTGRES: 5432, Dialect.MYSQL: 3306}
# The schema an unqualified table name lives in; for MySQL it is the URL's database.
DEFAULT_SCHEMAS = {Dialect.POSTGRES: "public", Dialect.SQLITE: "main"}
# Extra URL query options are passed on to the driver; keep them to plain tokens.
OPTION_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
OPTION_VALUE_PATTERN = re.compile(r"^[A-Za-z0-9_.:/@-]*$")

T = TypeVar("T")


class PortalConnectionError(RuntimeError):
    """A portal database could not be reached; names the portal and the cause, never secrets."""


class ConnectionUrlError(ValueError):
    """A connection URL is malformed or names an unsupported database; never quotes the URL."""


@dataclass(frozen=True)
class SourceLocation:
    """Where a portal database is, parsed from its connection URL."""

    dialect: Dialect
    host: str | None = None
    port: int | None = None
    database: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    path: Path | None = None
    options: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        """A description safe to log: no user name, no password."""
        if self.dialect is Dialect.SQLITE:
            return f"SQLite file {self.path}"
        return f"{self.dialect.value} database '{self.database}' on {self.host}:{self.port}"

    @property
    def default_schema(self) -> str:
        if self.dialect is Dialect.MYSQL:
            return self.database or ""
        return DEFAULT_SCHEMAS[self.dialect]

    def secrets(self) -> list[str]:
        """Every piece of the URL that must not appear in a message."""
        return [value for value in (self.password,) if value]


def parse_connection_url(url: str) -> SourceLocation:
    """Parses a ``sqlite:///``, ``postgresql://`` or ``mysql://`` (``mariadb://``) URL."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    dialect = URL_SCHEMES.get(scheme)
    if dialect is None:
        raise ConnectionUrlError(
            f"connection scheme '{scheme or '(none)'}' is not supported "
            f"(supported: {', '.join(sorted(URL_SCHEMES))})"
        )
    if dialect is Dialect.SQLITE:
        if not url.startswith("sqlite:///") or len(url) == len("sqlite:///"):
            raise ConnectionUrlError("a SQLite URL must look like sqlite:////absolute/path.sqlite")
        return SourceLocation(dialect=dialect, path=Path(url.removeprefix("sqlite:///")))

    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS[dialect]
    except ValueError as error:
        raise ConnectionUrlError(f"the {scheme} URL has an invalid port") from error
    database = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not database:
        raise ConnectionUrlError(
            f"a {scheme} URL must name a host and a database: {scheme}://user:password@host/db"
        )
    options = tuple(parse_qsl(parts.query, keep_blank_values=True))
    for key, value in options:
        if not OPTION_PATTERN.match(key) or not OPTION_VALUE_PATTERN.match(value):
            raise ConnectionUrlError(f"the {scheme} URL option '{key}' is not a plain token")
    return SourceLocation(
        dialect=dialect,
        host=parts.hostname,
        port=port,
        database=database,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        options=options,
    )


def quote_identifier(identifier: str, dialect: Dialect | str) -> str:
    """Quotes a possibly schema-qualified identifier for the given SQL dialect.

    MySQL and MariaDB quote with backticks; PostgreSQL, SQLite and DuckDB with
    double quotes. An embedded quote character is doubled, so even a name that
    slipped past validation cannot end the quoted identifier.
    """
    mark = "`" if dialect == Dialect.MYSQL else '"'
    return ".".join(mark + part.replace(mark, mark * 2) + mark for part in identifier.split("."))


def quote_literal(value: str) -> str:
    """A SQL string literal (standard quoting, understood by all three dialects and DuckDB)."""
    return "'" + value.replace("'", "''") + "'"


def redact(message: str, secrets: list[str]) -> str:
    """Removes secrets and any credentials embedded in URLs from a message."""
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    # user:password@ inside anything that looks like a URL
    return re.sub(r"(://[^/\s:@\"']*):[^@\s\"']*@", r"\1:***@", message)


def scanner_extension_path(dialect: Dialect) -> Path:
    """The scanner extension file shipped by the pinned ``duckdb-extension-*`` package."""
    name = f"{dialect.value}_scanner"
    package = importlib.resources.files(f"duckdb_extension_{name}")
    return Path(str(package)) / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"


def load_scanner(connection: duckdb.DuckDBPyConnection, dialect: Dialect) -> None:
    """Loads the scanner from its package file: no INSTALL, so nothing is downloaded."""
    path = scanner_extension_path(dialect)
    connection.execute(f"load {quote_literal(str(path))}")
    if dialect is Dialect.SQLITE:
        # SQLite keeps whatever a row holds ('ten' in an INTEGER column); reading every
        # column as text keeps those values instead of failing on them.
        connection.execute("set sqlite_all_varchar = true")


def attach_statements(location: SourceLocation, alias: str, *, read_only: bool = True) -> list[str]:
    """The SQL that attaches the source under ``alias``, read-only unless told otherwise.

    Host, user and password go into a temporary secret; the ATTACH string holds
    only the extra driver options from the URL. Only the serving publication
    attaches a database for writing (its PostgreSQL target).
    """
    quoted_alias = quote_identifier(alias, "duckdb")
    mode = ", read_only" if read_only else ""
    if location.dialect is Dialect.SQLITE:
        return [f"attach {quote_literal(str(location.path))} as {quoted_alias} (type sqlite{mode})"]
    secret = quote_identifier(f"{alias}_secret", "duckdb")
    fields = {
        "host": location.host,
        "port": str(location.port),
        "database": location.database,
        "user": location.user,
        "password": location.password,
    }
    settings = ", ".join(
        f"{key} {quote_literal(value)}" for key, value in fields.items() if value is not None
    )
    options = " ".join(f"{key}={value}" for key, value in location.options)
    kind = location.dialect.value
    return [
        f"create or replace temporary secret {secret} (type {kind}, {settings})",
        f"attach {quote_literal(options)} as {quoted_alias} (type {kind}, secret {secret}{mode})",
    ]


def with_retries(
    action: Callable[[], T],
    *,
    attempts: int,
    backoff_seconds: float,
    on_retry: Callable[[int, float, Exception], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Runs ``action``; on failure waits ``backoff_seconds``, doubling each time, and tries again.

    Raises the last error after ``attempts`` tries.
    """
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except duckdb.Error as error:
            if attempt == attempts:
                raise
            delay = backoff_seconds * 2 ** (attempt - 1)
            if on_retry is not None:
                on_retry(attempt, delay, error)
            sleep(delay)
    raise AssertionError("unreachable: attempts must be at least 1")


def attach_source(
    connection: duckdb.DuckDBPyConnection,
    *,
    portal: str,
    location: SourceLocation,
    alias: str,
    attempts: int,
    backoff_seconds: float,
    on_retry: Callable[[int, float, str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Attaches the portal database, retrying with backoff while it does not answer."""
    if location.dialect is Dialect.SQLITE and not (location.path and location.path.exists()):
        raise PortalConnectionError(
            f"portal '{portal}': SQLite database {location.path} does not exist "
            "(for the demo portals run `make demo-data`)"
        )
    load_scanner(connection, location.dialect)
    secrets = location.secrets()

    def attach() -> None:
        for statement in attach_statements(location, alias):
            connection.execute(statement)

    def report(attempt: int, delay: float, error: Exception) -> None:
        if on_retry is not None:
            on_retry(attempt, delay, redact(str(error), secrets))

    try:
        with_retries(
            attach,
            attempts=attempts,
            backoff_seconds=backoff_seconds,
            on_retry=report,
            sleep=sleep,
        )
    except duckdb.Error as error:
        cause = redact(str(error), secrets).strip()
        raise PortalConnectionError(
            f"portal '{portal}': cannot connect to {location.describe()} after "
            f"{attempts} attempt{'s' if attempts != 1 else ''}: {cause}"
        ) from None


def detach_source(connection: duckdb.DuckDBPyConnection, alias: str) -> None:
    """Detaches the source and drops its secret; safe to call when neither exists."""
    connection.execute(f"detach database if exists {quote_identifier(alias, 'duckdb')}")
    connection.execute(
        f"drop temporary secret if exists {quote_identifier(f'{alias}_secret', 'duckdb')}"
    )
