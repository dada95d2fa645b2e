"""Validating a table's rows against an expectation suite with Great Expectations.

Validation runs on a pandas DataFrame: Great Expectations' SQL path fails on
DuckDB (the result is read after the connection closed; see
https://github.com/great-expectations/great_expectations/issues/10738).
"""

from dataclasses import dataclass

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig


@dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation, reduced to what a check reports."""

    expectation: str
    column: str | None
    success: bool
    element_count: int | None
    unexpected_count: int | None
    unexpected_percent: float | None


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    success: bool
    row_count: int
    outcomes: tuple[ExpectationOutcome, ...]

    @property
    def failed(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(outcome for outcome in self.outcomes if not outcome.success)


def validate_dataframe(dataframe: pd.DataFrame, suite: gx.ExpectationSuite) -> SuiteOutcome:
    """Runs ``suite`` on ``dataframe`` in an ephemeral context (no files, no network)."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset(suite.name)
        .add_batch_definition_whole_dataframe("whole_table")
    )
    suite = context.suites.add(suite)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": dataframe})
    result = batch.validate(suite)

    outcomes = tuple(
        ExpectationOutcome(
            expectation=item.expectation_config.type,
            column=item.expectation_config.kwargs.get("column"),
            success=bool(item.success),
            element_count=item.result.get("element_count"),
            unexpected_count=item.result.get("unexpected_count"),
            unexpected_percent=item.result.get("unexpected_percent"),
        )
        for item in result.results
    )
    return SuiteOutcome(
        suite=suite.name,
        success=bool(result.success),
        row_count=len(dataframe),
        outcomes=outcomes,
    )
