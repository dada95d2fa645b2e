"""Reading SQLite text that is not valid UTF-8, repaired the same way every time.

SQLite stores whatever bytes a program hands it in a TEXT column: a portal that
once wrote Latin-1 or Windows-1252 ("Gr\\xfc\\xdfe") keeps those bytes, and a
BLOB can sit in a TEXT column too. DuckDB holds only valid UTF-8, yet its SQLite
scanner passes such bytes on unchecked: some reach a table (and break every
later query of it), others stop the load ("Invalid unicode"). The extraction
query therefore checks each SQLite value with ``decode``, which fails on them.

When that happens, the load reads the table once more through Python's
``sqlite3`` instead: every value as SQLite renders it as text, and every byte
that is not part of a valid UTF-8 sequence decoded as Windows-1252 (the five
bytes Windows-1252 leaves undefined as the Latin-1 control characters
U+0081, U+008D, U+008F, U+0090, U+009D). Valid UTF-8 in the same value stays as
it is, so "Grüße" written in UTF-8 next to a stray Latin-1 "é" reads
"Grüße é". The repaired rows are handed to the same DuckDB query as before,
so masking, filters and casts apply unchanged. Nothing is dropped, and the
load reports how many values it repaired.
"""

import codecs
import sqlite3
from pathlib import Path

import duckdb
import pandas as pd

# DuckDB's messages when a string it is given, or decodes, is not valid UTF-8.
INVALID_UNICODE_MESSAGES = ("Invalid unicode", "invalid UTF8")
_ERROR_HANDLER = "nps_windows_1252"


def _byte_as_windows_1252(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)  # undefined in Windows-1252: the Latin-1 control character


_WINDOWS_1252 = tuple(_byte_as_windows_1252(byte) for byte in range(256))


def _decode_invalid_byte(error: UnicodeError) -> tuple[str, int]:
    # One byte at a time: the decoder resumes after it, so any valid UTF-8
    # sequence that follows is decoded as UTF-8 again.
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return _WINDOWS_1252[error.object[error.start]], error.start + 1


codecs.register_error(_ERROR_HANDLER, _decode_invalid_byte)


def decode_text(raw: bytes) -> str:
    """``raw`` as UTF-8, with every byte outside a valid sequence read as Windows-1252."""
    return raw.decode("utf-8", errors=_ERROR_HANDLER)


def is_invalid_unicode_error(error: Exception) -> bool:
    """Whether DuckDB refused a value because it is not valid UTF-8."""
    return any(message in str(error) for message in INVALID_UNICODE_MESSAGES)


def _quote_sqlite(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def read_sqlite_table_repaired(
    path: Path, table_sql: str, columns: list[str]
) -> tuple[pd.DataFrame, int]:
    """Every row of the table (``columns`` only) as text, repaired; and the number repaired.

    ``table_sql`` is the table as SQLite SQL names it, quoted.

    Each value is SQLite's own text rendering (``cast(... as text)``, as the
    scanner reads it), NULL stays None, and bytes that are not UTF-8 are decoded
    by ``decode_text``.
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    selected = ", ".join(f"cast({_quote_sqlite(column)} as text)" for column in columns)
    source = sqlite3.connect(uri, uri=True)
    source.text_factory = bytes
    repaired = 0
    values: list[list[str | None]] = [[] for _ in columns]
    try:
        for row in source.execute(f"select {selected} from {table_sql}"):
            for index, raw in enumerate(row):
                if raw is None:
                    values[index].append(None)
                    continue
                try:
                    values[index].append(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    values[index].append(decode_text(raw))
                    repaired += 1
    finally:
        source.close()
    frame = pd.DataFrame(
        {column: pd.Series(values[index], dtype=object) for index, column in enumerate(columns)}
    )
    return frame, repaired


def register_repaired_sqlite_table(
    connection: duckdb.DuckDBPyConnection,
    name: str,
    path: Path,
    table_sql: str,
    columns: list[str],
) -> int:
    """Registers the repaired rows of a SQLite table as the DuckDB view ``name``.

    Returns the number of values that were not valid UTF-8.
    """
    frame, repaired = read_sqlite_table_repaired(path, table_sql, columns)
    connection.register(name, frame)
    return repaired
