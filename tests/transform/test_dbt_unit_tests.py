"""The dbt unit tests (hand-computed inputs) pass, run by the dbt CLI on the built warehouse."""

import json

import pytest

from tests.conftest import run_dbt

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def unit_test_results(pipeline_run, tmp_path_factory) -> dict[str, str]:
    """Runs every dbt unit test once; returns status by test name."""
    target = tmp_path_factory.mktemp("dbt_target")
    completed = run_dbt(["test", "--select", "test_type:unit"], pipeline_run.warehouse, target)
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert completed.returncode == 0, completed.stdout[-3000:]
    return {result["unique_id"].rsplit(".", 1)[-1]: result["status"] for result in results}


@pytest.mark.parametrize(
    "test_name",
    [
        "test_scores_at_the_category_boundaries_are_classified",
        "test_response_date_is_drawn_in_the_reporting_time_zone",
        "test_each_defect_gets_its_quarantine_reason",
        "test_comments_are_tagged_with_every_theme_they_mention",
        "test_theme_impact_arithmetic",
        "test_followup_due_time_and_overdue_flag_follow_the_sla",
        "test_a_repeated_invitation_id_keeps_its_latest_send",
        "test_a_repeated_customer_id_keeps_one_row_test_accounts_first",
    ],
)
def test_dbt_unit_test_passes(unit_test_results, test_name):
    """Each named unit test ran and passed (6/7 and 8/9 boundaries, time zone, quarantine rules)."""
    assert unit_test_results.get(test_name) == "pass"
