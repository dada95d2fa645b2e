"""Command line entry point: python -m orchestration.demo --help."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from orchestration.demo.generator import DemoOptions, generate_demo_portals, table_row_counts

DEFAULTS = DemoOptions()


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.demo",
        description="Write the two demo portal databases (web shop and SaaS portal) as SQLite.",
    )
    parser.add_argument(
        "--target-dir",
        type=Path,
        # The Makefile and README let NPS_DEMO_DIR move the demo data without extra flags.
        default=Path(os.environ.get("NPS_DEMO_DIR", "data/portals")),
        help="folder for demo_shop.sqlite and demo_saas.sqlite (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULTS.seed, help="default: %(default)s")
    parser.add_argument(
        "--responses",
        type=int,
        default=DEFAULTS.responses,
        help="approximate responses over both portals (default: %(default)s)",
    )
    parser.add_argument(
        "--end-date",
        type=date.fromisoformat,
        default=DEFAULTS.end_date,
        help="last day of data, YYYY-MM-DD (default: %(default)s)",
    )
    parser.add_argument(
        "--months", type=int, default=DEFAULTS.months, help="history length (default: %(default)s)"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace existing files instead of keeping them"
    )
    return parser.parse_args(argv)


def describe(name: str, path: Path) -> str:
    counts = ", ".join(f"{table}={rows:,}" for table, rows in table_row_counts(path).items())
    return f"{name}: {path} ({counts})"


def main(argv: Sequence[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    options = DemoOptions(
        seed=arguments.seed,
        responses=arguments.responses,
        end_date=arguments.end_date,
        months=arguments.months,
    )
    paths = generate_demo_portals(arguments.target_dir, options, overwrite=arguments.overwrite)
    for name, path in paths.items():
        print(describe(name, path))


if __name__ == "__main__":
    main()
