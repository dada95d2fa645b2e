"""Validating warehouse tables with Great Expectations, a bounded slice at a time.

Great Expectations' SQL path fails on DuckDB (the result is read after the
connection closed; https://github.com/great-expectations/great_expectations/issues/10738),
so rows are validated as pandas DataFrames. A table of millions of rows would
not fit in memory at once, so the rows of a suite's query are split into parts
of at most ``part_rows`` by a hash of the suite's key columns, each part is
validated on its own, and the per-part results are added up.

Splitting by the key keeps every row-by-row expectation exact, and a uniqueness
expectation too: two rows with the same key always land in the same part, so a
key is unique overall exactly when it is unique within its part. Expectations
whose answer depends on all rows at once (a mean, a row count) cannot be split
and are refused; suites express such rules as a query that aggregates first.
"""

import copy
import gc
import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import duckdb
import great_expectations as gx
import pandas as pd
from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
)
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.metadata_types import FailureSeverity

DEFAULT_PART_ROWS = 500_000
DEFAULT_EXAMPLE_COUNT = 5
# Parts at least this large are released at once (a full collection costs time).
COLLECT_AFTER_ROWS = 50_000

# Expectations that judge each row (or row group of one key) on its own: their
# counts add up over parts. Table shape expectations hold for every part alike.
ROW_WISE_EXPECTATIONS = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_values_to_be_unique",
        "expect_compound_columns_to_be_unique",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_pair_values_to_be_equal",
        "expect_column_value_lengths_to_be_between",
    }
)
TABLE_SHAPE_EXPECTATIONS = frozenset(
    {"expect_column_to_exist", "expect_table_columns_to_match_set"}
)
UNIQUENESS_EXPECTATIONS = frozenset(
    {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}
)


class SuiteStatus(Enum):
    PASSED = "passed"
    WARNING = "warning"  # only expectations of severity warning (or info) failed
    FAILED = "failed"  # an expectation of severity critical failed


@dataclass(frozen=True)
class TableSuite:
    """An expectation suite over the rows of one query on the warehouse.

    ``key_columns`` identify a row; they choose the part a row is validated in,
    and they are what a failing expectation reports as examples.
    ``build_expectations`` makes fresh expectation objects on every call: a
    Great Expectations expectation belongs to the one suite it was added to.
    """

    name: str
    description: str
    query: str
    key_columns: tuple[str, ...]
    build_expectations: Callable[[], list[gx.expectations.Expectation]]

    def expectation_suite(self) -> gx.ExpectationSuite:
        return gx.ExpectationSuite(
            name=self.name,
            expectations=self.build_expectations(),
            meta={"description": self.description},
        )


@dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation over all parts, reduced to what a check reports."""

    expectation: str
    columns: tuple[str, ...]
    severity: str
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_share: float | None = None
    examples: tuple[dict, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.expectation}[{','.join(self.columns) or '-'}]"


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    row_count: int
    part_count: int
    outcomes: tuple[ExpectationOutcome, ...]
    validation_result: ExpectationSuiteValidationResult = field(repr=False, compare=False)

    @property
    def failed(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(outcome for outcome in self.outcomes if not outcome.success)

    @property
    def status(self) -> SuiteStatus:
        if any(outcome.severity == FailureSeverity.CRITICAL.value for outcome in self.failed):
            return SuiteStatus.FAILED
        return SuiteStatus.WARNING if self.failed else SuiteStatus.PASSED


def check_suite_can_be_split(suite: TableSuite) -> None:
    """Refuses expectations whose answer would change when the rows are split into parts."""
    for expectation in suite.build_expectations():
        kind = expectation.expectation_type
        if kind not in ROW_WISE_EXPECTATIONS | TABLE_SHAPE_EXPECTATIONS:
            raise ValueError(
                f"suite {suite.name}: {kind} looks at all rows at once and cannot be validated "
                "part by part; aggregate in the suite's query and check the result row by row"
            )
        if kind in UNIQUENESS_EXPECTATIONS:
            columns = set(_expectation_columns(expectation.configuration.kwargs))
            if not set(suite.key_columns) <= columns:
                raise ValueError(
                    f"suite {suite.name}: {kind} on {sorted(columns)} must include the key "
                    f"columns {list(suite.key_columns)}, or duplicates could fall into "
                    "different parts"
                )


def validate_table(
    connection: duckdb.DuckDBPyConnection,
    suite: TableSuite,
    part_rows: int = DEFAULT_PART_ROWS,
    example_count: int = DEFAULT_EXAMPLE_COUNT,
) -> SuiteOutcome:
    """Validates the rows of ``suite.query`` part by part and adds up the results.

    The query runs once, into a Parquet file in a temporary folder, so that
    DuckDB holds no rows in memory while pandas does; each part is read from
    the file, validated and released before the next, so memory holds one part.
    """
    check_suite_can_be_split(suite)
    keys = ", ".join(f'"{column}"' for column in suite.key_columns)
    validator = PartValidator(suite, example_count)
    with tempfile.TemporaryDirectory(prefix="nps-validation-") as folder:
        staged = Path(folder) / "rows.parquet"
        connection.execute(f"copy ({suite.query}) to '{staged}' (format parquet)")
        (row_count,) = connection.execute(f"select count(*) from '{staged}'").fetchone()
        part_count = max(1, math.ceil(row_count / part_rows))
        sources = [f"'{staged}'"]
        if row_count:
            # One file per part, written in one pass, so that each part reads only its rows.
            parts = Path(folder) / "parts"
            connection.execute(
                f"copy (select *, hash({keys}) % {part_count} as _part from '{staged}') "
                f"to '{parts}' (format parquet, partition_by (_part))"
            )
            staged.unlink()
            sources = [
                f"read_parquet('{part}/*.parquet', hive_partitioning = false)"
                for part in sorted(parts.iterdir())
            ]
        results = []
        for source in sources:
            frame = connection.execute(f"select * from {source}").df()
            results.append(validator.validate(frame))
            # Great Expectations' objects hold the frame in reference cycles:
            # collect them now, or large parts pile up until the collector runs.
            if len(frame) >= COLLECT_AFTER_ROWS:
                del frame
                gc.collect()
    return combine_part_results(suite.name, row_count, results, example_count)


class PartValidator:
    """One ephemeral Great Expectations context (no files, no network) for all parts of a suite."""

    def __init__(self, suite: TableSuite, example_count: int = DEFAULT_EXAMPLE_COUNT):
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._batch_definition = (
            context.data_sources.add_pandas("warehouse")
            .add_dataframe_asset(suite.name)
            .add_batch_definition_whole_dataframe("part")
        )
        self._suite = context.suites.add(suite.expectation_suite())
        self._result_format = {
            "result_format": "SUMMARY",
            "unexpected_index_column_names": list(suite.key_columns),
            "partial_unexpected_count": example_count,
        }

    def validate(self, frame: pd.DataFrame) -> ExpectationSuiteValidationResult:
        batch = self._batch_definition.get_batch(batch_parameters={"dataframe": frame})
        return batch.validate(self._suite, result_format=self._result_format)


def combine_part_results(
    suite_name: str,
    row_count: int,
    results: Sequence[ExpectationSuiteValidationResult],
    example_count: int = DEFAULT_EXAMPLE_COUNT,
) -> SuiteOutcome:
    """Adds up the parts' results into one outcome and one Great Expectations result."""
    combined = copy.deepcopy(results[0])
    outcomes = []
    for index, combined_item in enumerate(combined.results):
        items = [result.results[index] for result in results]
        outcome, summary = _combine_expectation(items, example_count)
        combined_item.success = outcome.success
        if summary is not None:
            combined_item.result = summary
        outcomes.append(outcome)

    successful = sum(outcome.success for outcome in outcomes)
    combined.success = successful == len(outcomes)
    combined.statistics = {
        "evaluated_expectations": len(outcomes),
        "successful_expectations": successful,
        "unsuccessful_expectations": len(outcomes) - successful,
        "success_percent": 100.0 * successful / len(outcomes) if outcomes else None,
    }
    combined.meta = {**combined.meta, "rows_validated": row_count, "parts": len(results)}
    return SuiteOutcome(
        suite=suite_name,
        row_count=row_count,
        part_count=len(results),
        outcomes=tuple(outcomes),
        validation_result=combined,
    )


def _combine_expectation(items: list, example_count: int) -> tuple[ExpectationOutcome, dict | None]:
    configuration = items[0].expectation_config
    kind = configuration.type
    columns = _expectation_columns(configuration.kwargs)
    severity = _severity_name(configuration)
    if "element_count" not in items[0].result:
        # A table shape expectation: the same answer for every part.
        success = all(bool(item.success) for item in items)
        return ExpectationOutcome(kind, columns, severity, success), None

    element_count = sum(item.result["element_count"] for item in items)
    unexpected_count = sum(item.result.get("unexpected_count") or 0 for item in items)
    # Great Expectations leaves missing values out of the share, except for the
    # expectations about missing values themselves (they report no missing_count).
    missing_count = sum(item.result.get("missing_count") or 0 for item in items)
    judged = element_count - missing_count
    share = unexpected_count / judged if judged else 0.0
    mostly = configuration.kwargs.get("mostly")
    mostly = 1.0 if mostly is None else mostly
    # The same tolerance as Great Expectations' own comparison of floats.
    success = judged == 0 or (1.0 - share) >= mostly - 1e-12

    examples = tuple(
        example
        for item in items
        for example in (item.result.get("partial_unexpected_index_list") or [])
    )[:example_count]
    values = [
        value for item in items for value in (item.result.get("partial_unexpected_list") or [])
    ][:example_count]
    summary = {
        **items[0].result,
        "element_count": element_count,
        "unexpected_count": unexpected_count,
        "unexpected_percent": 100.0 * share,
        "partial_unexpected_list": values,
        "partial_unexpected_index_list": list(examples),
        "partial_unexpected_counts": [],
    }
    if "missing_count" in items[0].result:
        summary["missing_count"] = missing_count
        summary["missing_percent"] = 100.0 * missing_count / element_count if element_count else 0.0
        summary["unexpected_percent_total"] = (
            100.0 * unexpected_count / element_count if element_count else 0.0
        )
        summary["unexpected_percent_nonmissing"] = 100.0 * share
    outcome = ExpectationOutcome(
        expectation=kind,
        columns=columns,
        severity=severity,
        success=success,
        element_count=element_count,
        unexpected_count=unexpected_count,
        unexpected_share=share,
        examples=examples,
    )
    return outcome, summary


def _expectation_columns(kwargs: dict) -> tuple[str, ...]:
    if "column" in kwargs:
        return (kwargs["column"],)
    if "column_A" in kwargs:
        return (kwargs["column_A"], kwargs["column_B"])
    return tuple(kwargs.get("column_list") or ())


def _severity_name(configuration) -> str:
    severity = getattr(configuration, "severity", None) or FailureSeverity.CRITICAL
    return severity.value if isinstance(severity, FailureSeverity) else str(severity)
