"""The benchmark scripts still run end to end, on tiny sizes.

The benchmarks themselves run by their own commands (`make bench-*`); these
runs only keep the scripts working as the project changes. Their figures are
not looked at, so no test depends on the machine's speed.
"""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"


def run_benchmark(script: str, *arguments: str) -> str:
    completed = subprocess.run(
        [sys.executable, str(BENCH_DIR / script), *arguments],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed.stdout


def test_model_benchmark_runs_and_prints_both_ratios():
    output = run_benchmark("models_benchmark.py", "--small", "500", "--large", "2000")
    assert "NPS models: marginal cost (large - small)" in output
    assert "whole project (both steps)" in output
    assert "x the plain query" in output
    assert "one query from raw to daily counts, storing nothing" in output


def test_validation_benchmark_runs_and_compares_with_the_dbt_build():
    output = run_benchmark("validation_benchmark.py", "--rows", "2000")
    assert "validate raw.survey_responses (2,000 rows, 1 parts)" in output
    assert "validation / dbt build:" in output
