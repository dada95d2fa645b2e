"""Benchmark: validating a 10-million-row raw table, next to the dbt build of the same data.

Fills a fresh DuckDB warehouse with the synthetic raw data of the model
benchmark (canonical shape, about 3.3 invitations per response, the usual
defects), then, each in its own process so that its peak memory is its own:
validates ``raw.survey_responses`` with the Great Expectations suite that the
pipeline runs as a blocking check (it joins the invitations for the timing
rules), and builds the dbt models. Prints seconds, rows per second and peak
memory of both, and their ratio.

Usage: ``python bench/validation_benchmark.py [--rows 10000000] [--part-rows 500000]``
(``make bench-validation``).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from models_benchmark import dbt_command, fill_warehouse, run_step

AS_OF = datetime(2026, 12, 1, 5, 0)
MEMORY_LIMIT = "1GB"  # the dbt profile's default cap, used by the pipeline's checks too


def validate(warehouse: Path, part_rows: int, report: Path) -> None:
    """The step run in its own process: one suite over the whole raw table."""
    import duckdb

    from data_quality.runner import validate_table
    from data_quality.suites import raw

    rules = raw.RawRules(
        portals=(raw.PortalRules("bench_shop"), raw.PortalRules("bench_saas")), as_of=AS_OF
    )
    started = time.perf_counter()
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        connection.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
        outcome = validate_table(connection, raw.survey_responses_suite(rules), part_rows)
    seconds = time.perf_counter() - started
    report.write_text(
        json.dumps(
            {
                "seconds": seconds,
                "rows": outcome.row_count,
                "parts": outcome.part_count,
                "status": outcome.status.value,
                "bad_rows": {item.label: item.unexpected_count for item in outcome.failed},
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--part-rows", type=int, default=500_000)
    parser.add_argument("--validate", nargs=2, metavar=("WAREHOUSE", "REPORT"), help="internal")
    options = parser.parse_args()
    if options.validate:
        validate(Path(options.validate[0]), options.part_rows, Path(options.validate[1]))
        return 0

    with tempfile.TemporaryDirectory(prefix="nps-bench-validation-") as folder:
        folder = Path(folder)
        warehouse = folder / "warehouse.duckdb"
        started = time.perf_counter()
        fill_warehouse(warehouse, options.rows)
        fill_seconds = time.perf_counter() - started
        print(f"filled the warehouse: {options.rows:,} responses in {fill_seconds:.1f} s")

        report = folder / "validation.json"
        validation_seconds, validation_peak = run_step(
            [sys.executable, __file__, "--part-rows", str(options.part_rows),
             "--validate", str(warehouse), str(report)],
            dict(os.environ),
        )  # fmt: skip
        validation = json.loads(report.read_text())

        # The whole project: seeds and models, without data tests.
        arguments, environment = dbt_command(warehouse, folder / "target", [])
        dbt_seconds, dbt_peak = run_step(arguments, environment)

    rows, parts = validation["rows"], validation["parts"]
    validation_step = f"validate raw.survey_responses ({rows:,} rows, {parts} parts)"
    dbt_step = "dbt build of the models on the same warehouse"
    print()
    print(f"{'step':<58} {'seconds':>9} {'peak MB':>9}")
    print(f"{validation_step:<58} {validation_seconds:>9.2f} {validation_peak:>9.0f}")
    print(f"{dbt_step:<58} {dbt_seconds:>9.2f} {dbt_peak:>9.0f}")
    print()
    print(
        f"validation: {rows / validation['seconds']:,.0f} rows/s inside its process "
        f"({validation['seconds']:.2f} s without start-up), suite {validation['status']}"
    )
    for label, count in validation["bad_rows"].items():
        print(f"  {count:>10,}  {label}")
    print(f"validation / dbt build: {validation_seconds / dbt_seconds:.2f}")
    print(f"peak memory of the validation: {validation_peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
