"""Declarative automation: the marts follow a new load, but not past a failed blocking check.

The conditions are evaluated by Dagster's own evaluator against a real instance;
materializations and check results are recorded as events, so nothing runs.
"""

import dagster as dg
import pytest

RAW_RESPONSES = dg.AssetKey(["raw", "survey_responses"])
NPS_BY_PERIOD = dg.AssetKey(["marts", "nps_by_period"])
SERVING_FILE = dg.AssetKey(["serving", "marts_duckdb"])
GE_CHECK = "great_expectations_raw_survey_responses"


class Automation:
    """Ticks of the automation conditions on one instance, with the cursor kept between them."""

    def __init__(self, definitions: dg.Definitions, instance: dg.DagsterInstance):
        self.definitions = definitions
        self.instance = instance
        self.cursor = None

    def tick(self) -> set[dg.AssetKey]:
        result = dg.evaluate_automation_conditions(
            defs=self.definitions, instance=self.instance, cursor=self.cursor
        )
        self.cursor = result.cursor
        return {
            asset_key
            for asset_key in self.definitions.resolve_asset_graph().get_all_asset_keys()
            if result.get_num_requested(asset_key)
        }

    def materialize(self, keys) -> None:
        for key in keys:
            self.instance.report_runless_asset_event(dg.AssetMaterialization(key))

    def settle(self) -> None:
        """Materializes everything until the conditions request nothing more."""
        graph = self.definitions.resolve_asset_graph()
        self.tick()
        self.materialize(graph.get_all_asset_keys())
        for check_key in graph.asset_check_keys:
            self.instance.report_runless_asset_event(
                dg.AssetCheckEvaluation(
                    asset_key=check_key.asset_key, check_name=check_key.name, passed=True
                )
            )
        for _ in range(6):
            requested = self.tick()
            if not requested:
                return
            self.materialize(requested)
        raise AssertionError(f"automation does not settle: {sorted(requested)}")

    def load_raw_responses(self, check_passed: bool) -> set[dg.AssetKey]:
        """A load of the raw responses and its blocking check; returns what automation rebuilds."""
        self.materialize([RAW_RESPONSES])
        self.instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(
                asset_key=RAW_RESPONSES,
                check_name=GE_CHECK,
                passed=check_passed,
                severity=dg.AssetCheckSeverity.ERROR,
            )
        )
        requested = set()
        for _ in range(8):
            step = self.tick()
            if not step:
                break
            requested |= step
            self.materialize(step)
        return requested


@pytest.fixture
def automation(tmp_path, monkeypatch):
    monkeypatch.setenv("NPS_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    from orchestration.definitions import build_definitions

    definitions = build_definitions()
    with dg.instance_for_test() as instance:
        automation = Automation(definitions, instance)
        automation.settle()
        yield automation


def test_a_checked_load_is_followed_up_to_the_published_marts(automation):
    requested = automation.load_raw_responses(check_passed=True)
    assert NPS_BY_PERIOD in requested
    assert SERVING_FILE in requested


def test_a_load_whose_blocking_check_failed_rebuilds_and_publishes_nothing(automation):
    requested = automation.load_raw_responses(check_passed=False)
    assert requested == set()
