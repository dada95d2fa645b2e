"""Writing the follow-up queue (``marts.detractor_followups``) as CSV and JSON for a CRM.

The files are replaced atomically (written beside the target, then renamed),
so a CRM that picks them up never reads half a file.
"""

import csv
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

QUEUE_TABLE = "marts.detractor_followups"
EXPORT_NAME = "detractor_followups"


@dataclass(frozen=True)
class QueueSnapshot:
    columns: tuple[str, ...]
    rows: list[tuple]


def read_queue(connection: duckdb.DuckDBPyConnection) -> QueueSnapshot:
    """Every row of the queue, due first, in a stable order."""
    cursor = connection.execute(f"select * from {QUEUE_TABLE} order by due_at, portal, response_id")
    columns = tuple(column[0] for column in cursor.description)
    return QueueSnapshot(columns, cursor.fetchall())


def portable_value(value: object) -> object:
    """A value as JSON carries it: times in ISO 8601 (UTC, no offset), others unchanged."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(portable_value(value))


def _replace_atomically(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            write(file)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    def write(file) -> None:
        writer = csv.writer(file)
        writer.writerow(columns)
        writer.writerows([csv_value(value) for value in row] for row in rows)

    _replace_atomically(path, write)


def write_json(path: Path, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """A JSON array with one object per queue row."""
    records = [
        {column: portable_value(value) for column, value in zip(columns, row, strict=True)}
        for row in rows
    ]

    def write(file) -> None:
        json.dump(records, file, ensure_ascii=False, indent=1)
        file.write("\n")

    _replace_atomically(path, write)


def export_queue(snapshot: QueueSnapshot, folder: Path) -> dict[str, Path]:
    """Writes the queue as ``detractor_followups.csv`` and ``.json`` into ``folder``."""
    paths = {"csv": folder / f"{EXPORT_NAME}.csv", "json": folder / f"{EXPORT_NAME}.json"}
    write_csv(paths["csv"], snapshot.columns, snapshot.rows)
    write_json(paths["json"], snapshot.columns, snapshot.rows)
    return paths
