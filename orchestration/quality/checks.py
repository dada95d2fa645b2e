"""Asset checks that run the data_quality suites on warehouse tables."""

import dagster as dg

from data_quality.runner import SuiteOutcome, validate_dataframe
from data_quality.suites import raw_survey_responses
from orchestration.ingest.assets import canonical_asset_key
from orchestration.resources import DuckDBWarehouse


def outcome_metadata(outcome: SuiteOutcome) -> dict[str, dg.MetadataValue]:
    """Counts per expectation, so the check's history shows in the UI."""
    metadata: dict[str, dg.MetadataValue] = {
        "rows_validated": dg.MetadataValue.int(outcome.row_count),
        "expectations": dg.MetadataValue.int(len(outcome.outcomes)),
        "expectations_failed": dg.MetadataValue.int(len(outcome.failed)),
    }
    for item in outcome.outcomes:
        if item.unexpected_count is None:
            continue
        name = f"{item.expectation}[{item.column or '...'}]"
        metadata[f"{name} unexpected_count"] = dg.MetadataValue.int(item.unexpected_count)
        metadata[f"{name} unexpected_percent"] = dg.MetadataValue.float(
            round(item.unexpected_percent or 0.0, 4)
        )
    return metadata


@dg.asset_check(
    asset=canonical_asset_key("survey_responses"),
    name="great_expectations_raw_survey_responses",
    description=(
        "Great Expectations suite raw_survey_responses: ids present and unique per portal, "
        "scores mostly whole numbers 0-10 (the rest is quarantined downstream), "
        "response times present. Blocks the dbt models when it fails."
    ),
    blocking=True,
)
def check_raw_survey_responses(warehouse: DuckDBWarehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as connection:
        dataframe = connection.execute("select * from raw.survey_responses").df()
    outcome = validate_dataframe(dataframe, raw_survey_responses.build_suite())
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=outcome_metadata(outcome),
    )
