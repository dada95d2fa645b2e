"""Throw-away portal databases on the local PostgreSQL and MariaDB servers, and SQLite files.

Each database gets a unique name and is dropped afterwards, so tests can run
beside each other and beside real data on the same servers. Set-up goes through
the servers' own command-line clients, independent of the code under test.
"""

import os
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

POSTGRES_HOST = os.environ.get("NPS_TEST_POSTGRES_HOST", "127.0.0.1")
POSTGRES_PORT = int(os.environ.get("NPS_TEST_POSTGRES_PORT", "5432"))
POSTGRES_USER = os.environ.get("NPS_TEST_POSTGRES_USER", "postgres")
MARIADB_HOST = os.environ.get("NPS_TEST_MARIADB_HOST", "127.0.0.1")
MARIADB_PORT = int(os.environ.get("NPS_TEST_MARIADB_PORT", "3306"))
MARIADB_USER = os.environ.get("NPS_TEST_MARIADB_USER", "root")


class ServerUnavailableError(RuntimeError):
    """A test database server does not answer."""


def _run(command: list[str], sql: str) -> str:
    completed = subprocess.run(
        command, input=sql, capture_output=True, text=True, timeout=120, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {completed.stderr.strip()}")
    return completed.stdout


@dataclass
class SourceDatabase:
    """One portal database for a test: run SQL in it, and the URL the ingest reads."""

    dialect: str  # sqlite, postgres or mysql
    name: str
    url: str
    path: Path | None = None

    def execute(self, sql: str) -> None:
        if self.dialect == "sqlite":
            with sqlite3.connect(self.path) as connection:
                connection.executescript(sql)
            return
        _run(self._client(), sql)

    def scalar(self, sql: str) -> str:
        if self.dialect == "sqlite":
            with sqlite3.connect(self.path) as connection:
                return str(connection.execute(sql).fetchone()[0])
        return _run(self._client(tuples=True), sql).strip()

    def _client(self, tuples: bool = False) -> list[str]:
        if self.dialect == "postgres":
            command = ["psql", "-h", POSTGRES_HOST, "-p", str(POSTGRES_PORT)]
            command += ["-U", POSTGRES_USER, "-d", self.name, "-v", "ON_ERROR_STOP=1", "-q"]
            return [*command, "-A", "-t"] if tuples else command
        command = ["mariadb", f"--host={MARIADB_HOST}", f"--port={MARIADB_PORT}"]
        command += [f"--user={MARIADB_USER}", f"--database={self.name}"]
        return [*command, "--batch", "--skip-column-names"] if tuples else command


def unique_name(prefix: str = "nps_test") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def postgres_ready() -> bool:
    completed = subprocess.run(
        ["pg_isready", "-h", POSTGRES_HOST, "-p", str(POSTGRES_PORT), "-q"],
        check=False,
        timeout=30,
    )
    return completed.returncode == 0


def mariadb_ready() -> bool:
    completed = subprocess.run(
        [
            "mariadb-admin",
            f"--host={MARIADB_HOST}",
            f"--port={MARIADB_PORT}",
            f"--user={MARIADB_USER}",
            "ping",
        ],
        capture_output=True,
        check=False,
        timeout=30,
    )
    return completed.returncode == 0


def create_postgres_database() -> SourceDatabase:
    if not postgres_ready():
        raise ServerUnavailableError(
            f"PostgreSQL is not answering on {POSTGRES_HOST}:{POSTGRES_PORT}; "
            "start it (.ci/run does) before running the ingest tests"
        )
    name = unique_name()
    admin = SourceDatabase("postgres", "postgres", "")
    admin.execute(f"create database {name}")
    url = f"postgresql://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"
    return SourceDatabase("postgres", name, url)


def drop_postgres_database(database: SourceDatabase) -> None:
    SourceDatabase("postgres", "postgres", "").execute(
        f"drop database if exists {database.name} with (force)"
    )


def create_mariadb_database() -> SourceDatabase:
    if not mariadb_ready():
        raise ServerUnavailableError(
            f"MariaDB is not answering on {MARIADB_HOST}:{MARIADB_PORT}; "
            "start it (.ci/run does) before running the ingest tests"
        )
    name = unique_name()
    SourceDatabase("mysql", "mysql", "").execute(f"create database {name}")
    url = f"mysql://{MARIADB_USER}@{MARIADB_HOST}:{MARIADB_PORT}/{name}"
    return SourceDatabase("mysql", name, url)


def drop_mariadb_database(database: SourceDatabase) -> None:
    SourceDatabase("mysql", "mysql", "").execute(f"drop database if exists {database.name}")


def create_sqlite_database(folder: Path) -> SourceDatabase:
    path = folder / f"{unique_name('portal')}.sqlite"
    sqlite3.connect(path).close()
    return SourceDatabase("sqlite", path.stem, f"sqlite:///{path}", path=path)
