"""The data-quality checks in the demo pipeline run, against the demo's source files.

The demo portals carry planted defects below the tolerated share (see
orchestration/demo/DEFECTS.md), so the raw response suite warns and nothing
fails or blocks. The counts it reports are recomputed here from the SQLite
files with the reference reader, which shares no code with the suites.
"""

from datetime import datetime, timedelta

import dagster as dg
import pytest

from orchestration.settings import quality_dir
from tests.conftest import TEST_QUALITY_AS_OF
from tests.reference_nps import read_demo_saas, read_demo_shop, whole_number

GE_CHECKS = {
    "raw/customers": ["great_expectations_raw_customers"],
    "raw/survey_invitations": ["great_expectations_raw_survey_invitations"],
    "raw/survey_responses": [
        "great_expectations_raw_survey_responses",
        "great_expectations_raw_response_freshness",
        "great_expectations_raw_response_volume",
    ],
    "marts/nps_by_period": ["great_expectations_marts_nps_by_period"],
    "marts/nps_rolling": ["great_expectations_marts_nps_rolling"],
    "marts/quarantined_survey_responses": ["great_expectations_marts_response_accounting"],
}
RESPONSE_WINDOW_DAYS = 14  # config/portals.yaml
LOCAL_CLOCK_LEAD = timedelta(hours=14)


@pytest.fixture(scope="module")
def evaluations(pipeline_run) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        evaluation.check_name: evaluation
        for evaluation in pipeline_run.result.get_asset_check_evaluations()
    }


@pytest.fixture(scope="module")
def source_defects(pipeline_run) -> dict[str, int]:
    """Bad raw responses of each kind, counted in the portals' own files."""
    clock = datetime.fromisoformat(TEST_QUALITY_AS_OF).replace(tzinfo=None)
    counts = dict.fromkeys(("score", "future", "before_invitation", "beyond_window"), 0)
    for portal in (
        read_demo_shop(pipeline_run.portals["demo_shop"]),
        read_demo_saas(pipeline_run.portals["demo_saas"]),
    ):
        for response in portal.responses:
            score = whole_number(response.score)
            counts["score"] += score is None or not 0 <= score <= 10
            responded = datetime.fromisoformat(response.responded_at.replace("T", " "))
            counts["future"] += responded > clock + LOCAL_CLOCK_LEAD
            invitation = portal.invitations.get(response.invitation_id or "")
            if invitation is not None:
                sent = datetime.fromisoformat(invitation[2].replace("T", " "))
                counts["before_invitation"] += responded < sent
                counts["beyond_window"] += responded - sent > timedelta(days=RESPONSE_WINDOW_DAYS)
    return counts


def test_every_suite_is_a_check_on_its_asset(evaluations):
    for asset, names in GE_CHECKS.items():
        for name in names:
            assert "/".join(evaluations[name].asset_key.path) == asset


def test_on_the_demo_nothing_fails_and_only_planted_defects_warn(pipeline_run, evaluations):
    assert pipeline_run.result.success
    not_passed = {name: item for name, item in evaluations.items() if not item.passed}
    assert {name: item.severity for name, item in not_passed.items()} == {
        "great_expectations_raw_survey_responses": dg.AssetCheckSeverity.WARN
    }
    for names in GE_CHECKS.values():
        for name in names:
            assert evaluations[name].metadata["rows_validated"].value > 0


def test_raw_response_warnings_count_the_planted_defects(evaluations, source_defects):
    metadata = evaluations["great_expectations_raw_survey_responses"].metadata

    def count(label: str) -> int:
        entry = metadata.get(f"{label} unexpected_count")
        return 0 if entry is None else entry.value

    assert source_defects["score"] > 0
    assert source_defects["future"] > 0
    assert count("expect_column_values_to_match_regex[score]") == source_defects["score"]
    assert (
        count("expect_column_values_to_be_between[hours_after_clock]") == source_defects["future"]
    )
    assert (
        count("expect_column_values_to_be_between[hours_after_invitation]")
        == source_defects["before_invitation"]
    )
    assert (
        count("expect_column_values_to_be_between[days_beyond_response_window]")
        == source_defects["beyond_window"]
    )
    assert metadata["expect_column_values_to_match_regex[score] verdict"].value == "warning"
    examples = metadata["expect_column_values_to_match_regex[score] examples"].value
    assert examples
    assert {"portal", "response_id"} <= set(examples[0])
    assert metadata["data_docs_page"].value.startswith("file://")


def test_data_docs_show_the_latest_validation_of_every_suite(pipeline_run, monkeypatch):
    monkeypatch.setenv("NPS_WAREHOUSE_PATH", str(pipeline_run.warehouse))
    index = quality_dir() / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    text = index.read_text(encoding="utf-8")
    latest = text.split("Latest validation of each suite")[1].split("All kept")[0]
    run_id = pipeline_run.result.run_id
    suites = [
        name.removeprefix("great_expectations_") for names in GE_CHECKS.values() for name in names
    ]
    for suite in suites:
        assert f"<td>{suite}</td>" in latest
    assert latest.count(f"<td>{run_id}</td>") == len(suites)
    page = next((index.parent / "validations" / "raw_survey_responses" / run_id).rglob("*.html"))
    assert "unexpected values found" in page.read_text(encoding="utf-8")
