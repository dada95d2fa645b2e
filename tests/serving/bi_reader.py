"""A BI-style reader: opens the serving file read-only in a loop and checks every mart.

Run as ``python -m tests.serving.bi_reader SERVING_FILE RESULT_JSON STOP_FILE``.
Each iteration opens the file by its path (as a BI tool does for each query
or dashboard refresh), reads the publication record, counts every table of
schema marts and compares the counts with the record. It stops when STOP_FILE
appears and writes what it saw to RESULT_JSON: iterations, errors (anything
raised, and any table whose rows differ from the record, or that is missing),
and the publications seen.
"""

import json
import sys
import time
import traceback
from pathlib import Path

import duckdb


def read_once(serving: Path) -> tuple[str, list[str]]:
    """One BI session: the publication id it saw and the problems it found."""
    problems = []
    with duckdb.connect(str(serving), read_only=True) as connection:
        (publication_id,) = connection.execute(
            "select publication_id from serving.publication"
        ).fetchone()
        recorded = dict(
            connection.execute(
                "select table_name, row_count from serving.published_tables"
            ).fetchall()
        )
        present = {
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        if present != set(recorded):
            problems.append(f"tables {sorted(present)} but recorded {sorted(recorded)}")
        for table, rows in recorded.items():
            (counted,) = connection.execute(f'select count(*) from marts."{table}"').fetchone()
            if counted != rows:
                problems.append(f"{table}: {counted} rows, recorded {rows}")
        # A typical dashboard query on top.
        connection.execute(
            "select portal, sum(count_promoters - count_detractors) * 100.0 / sum(count_responses) "
            "from marts.nps_by_period where period_grain = 'month' and touchpoint = 'all' "
            "and channel = 'all' and customer_segment = 'all' and region = 'all' group by 1"
        ).fetchall()
    return publication_id, problems


def main(serving: Path, result: Path, stop: Path) -> None:
    iterations, errors, seen = 0, [], []
    started = time.monotonic()
    while not stop.exists():
        try:
            publication_id, problems = read_once(serving)
        except Exception:
            errors.append(traceback.format_exc(limit=3))
        else:
            errors += problems
            if not seen or seen[-1] != publication_id:
                seen.append(publication_id)
        iterations += 1
    result.write_text(
        json.dumps(
            {
                "iterations": iterations,
                "errors": errors,
                "publications_seen": seen,
                "seconds": time.monotonic() - started,
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
