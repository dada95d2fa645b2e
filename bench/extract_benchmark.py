"""Benchmark: this project's PostgreSQL extraction against `psql \\copy` to CSV + DuckDB.

Loads N survey responses (default 5 million) into a new PostgreSQL database,
then, interleaved and each in a fresh process with a fresh DuckDB file:

- baseline: ``psql \\copy (select ...) to '<file>' csv`` followed by DuckDB
  ``read_csv`` (all columns as text) into a table;
- this project: a full load of the table through ``load_portal_entity``; then 1 %
  of the rows are edited at the source (not timed) and an incremental load runs in
  the same process, so interpreter start-up blurs neither.

Prints medians of the repeats: seconds, rows per second, peak memory (maximum
resident set of the process and its children) and the ratios. The database is
dropped at the end. Not a test: run it with ``make bench-extract``.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

HOST = os.environ.get("NPS_BENCH_POSTGRES_HOST", "127.0.0.1")
PORT = os.environ.get("NPS_BENCH_POSTGRES_PORT", "5432")
USER = os.environ.get("NPS_BENCH_POSTGRES_USER", "postgres")
TABLE = "nps_answers"
COLUMNS = "id, invitation_id, customer_id, score, comment, submitted_at, modified_at"

CREATE_AND_FILL = """
create table nps_answers (
    id bigint primary key,
    invitation_id bigint,
    customer_id bigint,
    score smallint,
    comment text,
    submitted_at timestamp,
    modified_at timestamp not null
);
insert into nps_answers
select
    g,
    g + 7,
    g % 200000,
    (g * 7) % 11,
    case when g % 3 = 0 then 'Quick delivery, as described, would order again ' || g end,
    timestamp '2025-12-01' + g * interval '6 seconds',
    timestamp '2025-12-01' + g * interval '6 seconds'
from generate_series(1, {rows}) as g;
create index on nps_answers (modified_at);
vacuum analyze nps_answers;
"""


def psql(database: str, *arguments: str, sql: str | None = None) -> str:
    command = ["psql", "-h", HOST, "-p", PORT, "-U", USER, "-d", database]
    command += ["-v", "ON_ERROR_STOP=1", "-q", "-A", "-t", *arguments]
    completed = subprocess.run(command, input=sql, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"psql failed: {completed.stderr.strip()}")
    return completed.stdout.strip()


def peak_memory_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024  # ru_maxrss is in KiB on Linux


def run_baseline(database: str, workdir: Path) -> dict:
    import duckdb

    csv_path = workdir / "answers.csv"
    started = time.perf_counter()
    psql(database, "-c", f"\\copy (select {COLUMNS} from {TABLE}) to '{csv_path}' with csv header")
    connection = duckdb.connect(str(workdir / "baseline.duckdb"))
    connection.execute(
        "create table answers as select * from read_csv(?, header = true, all_varchar = true, "
        "allow_quoted_nulls = false)",
        [str(csv_path)],
    )
    (rows,) = connection.execute("select count(*) from answers").fetchone()
    connection.close()
    seconds = time.perf_counter() - started
    csv_path.unlink()
    return {"rows": rows, "seconds": seconds, "peak_mb": peak_memory_mb()}


def run_project(database: str, workdir: Path, repeat: int) -> dict:
    import duckdb

    from orchestration.ingest.config import parse_portals
    from orchestration.ingest.load import load_portal_entity

    os.environ["NPS_BENCH_PORTAL_URL"] = f"postgresql://{USER}@{HOST}:{PORT}/{database}"
    [portal] = parse_portals(
        {
            "version": 1,
            "portals": [
                {
                    "name": "bench",
                    "connection": {"url_env": "NPS_BENCH_PORTAL_URL"},
                    "timezone": "UTC",
                    "entities": {
                        "survey_responses": {
                            "table": TABLE,
                            "columns": {
                                "response_id": "id",
                                "invitation_id": "invitation_id",
                                "customer_id": "customer_id",
                                "score": "score",
                                "comment": "comment",
                                "responded_at": "submitted_at",
                                "updated_at": "modified_at",
                            },
                        }
                    },
                }
            ],
        }
    )
    connection = duckdb.connect(str(workdir / "project.duckdb"))
    started = time.perf_counter()
    full = load_portal_entity(connection, portal, "survey_responses")
    full_seconds = time.perf_counter() - started

    # Edit 1 % of the responses at the source, stamped a minute ago (not timed).
    edited_at = (datetime.now(UTC) - timedelta(minutes=1)).replace(tzinfo=None)
    psql(
        database,
        "-c",
        f"update {TABLE} set score = (score + 1) % 11, modified_at = '{edited_at.isoformat()}' "
        f"where id % 100 = {repeat % 100}",
    )
    edited = int(
        psql(database, "-c", f"select count(*) from {TABLE} where id % 100 = {repeat % 100}")
    )

    started = time.perf_counter()
    incremental = load_portal_entity(connection, portal, "survey_responses")
    incremental_seconds = time.perf_counter() - started
    connection.close()
    return {
        "rows": full.rows_read,
        "seconds": full_seconds,
        "incremental_seconds": incremental_seconds,
        "incremental_rows_read": incremental.rows_read,
        "incremental_rows_merged": incremental.rows_merged,
        "edited": edited,
        "peak_mb": peak_memory_mb(),
    }


def child(kind: str, database: str, repeat: int) -> dict:
    """Runs one measurement in a fresh process and returns its figures."""
    with tempfile.TemporaryDirectory(prefix="nps-bench-") as workdir:
        command = [sys.executable, __file__, "--child", kind, "--database", database]
        command += ["--repeat", str(repeat), "--workdir", workdir]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{kind} run failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", choices=["baseline", "project"], help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    if arguments.child:
        workdir = Path(arguments.workdir)
        if arguments.child == "baseline":
            result = run_baseline(arguments.database, workdir)
        else:
            result = run_project(arguments.database, workdir, arguments.repeat)
        print(json.dumps(result))
        return

    database = f"nps_bench_{uuid.uuid4().hex[:8]}"
    print(f"PostgreSQL {HOST}:{PORT}, database {database}: loading {arguments.rows:,} rows ...")
    psql("postgres", "-c", f"create database {database}")
    try:
        started = time.perf_counter()
        psql(database, sql=CREATE_AND_FILL.format(rows=arguments.rows))
        print(f"  loaded in {time.perf_counter() - started:.1f} s")
        baseline, project = [], []
        for repeat in range(1, arguments.repeats + 1):
            baseline.append(child("baseline", database, repeat))
            project.append(child("project", database, repeat))
            print(
                f"  run {repeat}: copy+read_csv {baseline[-1]['seconds']:.1f} s, "
                f"full load {project[-1]['seconds']:.1f} s, "
                f"incremental {project[-1]['incremental_seconds']:.2f} s "
                f"({project[-1]['incremental_rows_merged']:,} rows merged)"
            )
        report(arguments.rows, baseline, project)
    finally:
        psql("postgres", "-c", f"drop database if exists {database} with (force)")


def report(rows: int, baseline: list[dict], project: list[dict]) -> None:
    def median(results: list[dict], key: str) -> float:
        return statistics.median(result[key] for result in results)

    copy_seconds = median(baseline, "seconds")
    full_seconds = median(project, "seconds")
    incremental_seconds = median(project, "incremental_seconds")
    assert all(result["rows"] == rows for result in baseline + project), "row counts differ"
    print()
    print(f"{rows:,} rows, medians of {len(project)} interleaved runs")
    print(f"{'method':<44}{'seconds':>9}{'rows/s':>12}{'peak MB':>9}")
    lines = [
        ("psql \\copy to CSV + DuckDB read_csv", copy_seconds, median(baseline, "peak_mb")),
        ("this project, full load", full_seconds, median(project, "peak_mb")),
    ]
    for name, seconds, peak in lines:
        print(f"{name:<44}{seconds:>9.2f}{rows / seconds:>12,.0f}{peak:>9.0f}")
    edited = project[-1]["edited"]
    print(
        f"{'this project, incremental (1 % edited)':<44}{incremental_seconds:>9.2f}"
        f"{edited / incremental_seconds:>12,.0f}{'':>9}"
    )
    print()
    print(f"full load / copy baseline:   {full_seconds / copy_seconds:.2f}  (target <= 0.80)")
    print(f"peak memory, full load:      {median(project, 'peak_mb'):.0f} MB  (target < 1024)")
    print(
        f"incremental / full load:     {incremental_seconds / full_seconds:.3f}  (target <= 0.10)"
    )
    merged = [result["incremental_rows_merged"] for result in project]
    print(f"incremental rows merged:     {merged} (edited per run: {edited:,})")


if __name__ == "__main__":
    main()
