"""The orchestration's pure parts: backfill ranges, change detection, alerts, figures, settings."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import yaml
from dagster._utils.error import SerializableErrorInfo

from orchestration.automation.alerts import FailedStep, alert_payload, root_cause
from orchestration.ingest.backfill import (
    BackfillRangeError,
    UpdatedRange,
    parse_updated_range,
    range_bounds,
)
from orchestration.ingest.changes import changed_entities, decode_cursor, encode_cursor
from orchestration.ingest.extract import SourceInspection, native_incremental_query
from orchestration.ingest.sources import Dialect
from orchestration.ingest.watermark import LoadMode, WatermarkKind, plan_load
from orchestration.transform.figures import figures_metadata, nps, read_mart_figures, share
from tests.automation.conftest import LOCAL_INSTANCE_CONFIG, PRODUCTION_INSTANCE_CONFIG


def test_backfill_range_reads_both_days_inclusive():
    updated = parse_updated_range("2026-11-01", " 2026-11-07 ")
    assert updated == UpdatedRange(date(2026, 11, 1), date(2026, 11, 7))
    assert range_bounds(updated, WatermarkKind.TIMESTAMP) == ("2026-11-01", "2026-11-08")
    assert range_bounds(updated, WatermarkKind.TIMESTAMPTZ) == (
        "2026-11-01 00:00:00+00",
        "2026-11-08 00:00:00+00",
    )


def test_no_backfill_when_neither_day_is_given():
    assert parse_updated_range(None, "") is None


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2026-11-01", None, "needs both"),
        ("yesterday", "2026-11-02", "is not a date"),
        ("2026-11-08", "2026-11-01", r"ends \(2026-11-01\) before it starts"),
        ("2016-01-01", "2026-11-01", "at most"),
    ],
)
def test_backfill_range_refuses_unusable_input_with_a_reason(first, last, message):
    with pytest.raises(BackfillRangeError, match=message):
        parse_updated_range(first, last)


def test_day_bounds_order_iso_text_correctly_at_both_ends():
    lower, upper = range_bounds(
        UpdatedRange(date(2026, 11, 1), date(2026, 11, 7)), WatermarkKind.TEXT
    )
    inside = ["2026-11-01 00:00:00", "2026-11-01T08:00:00", "2026-11-07 23:59:59"]
    outside = ["2026-10-31 23:59:59", "2026-11-08 00:00:00", "2026-11-08T00:00"]
    assert all(lower <= value < upper for value in inside)
    assert not any(lower <= value < upper for value in outside)


def test_backfill_query_reads_only_the_range_and_no_undated_rows():
    inspection = SourceInspection(
        table_ref='"a"."public"."answers"',
        native_table='"public"."answers"',
        columns={"response_id": "id", "updated_at": "modified_at"},
        ignored_columns=(),
        watermark_kind=WatermarkKind.TIMESTAMP,
    )
    sql = native_incremental_query(inspection, Dialect.POSTGRES, "2026-11-01", "2026-11-08")
    assert sql.endswith("""where "modified_at" >= '2026-11-01' and "modified_at" < '2026-11-08'""")


def test_backfill_plan_falls_back_to_a_full_load_for_a_table_never_loaded():
    common = {"full_refresh": False, "watermark_kind": WatermarkKind.TIMESTAMP}
    first = plan_load(
        **common, stored_watermark=None, stored_kind=None, target_ready=False,
        backfill_range="2026-11-01 to 2026-11-07",
    )  # fmt: skip
    later = plan_load(
        **common, stored_watermark="2026-11-30 10:00:00", stored_kind="timestamp",
        target_ready=True, backfill_range="2026-11-01 to 2026-11-07",
    )  # fmt: skip
    assert first.mode is LoadMode.FULL
    assert later.mode is LoadMode.BACKFILL
    assert "2026-11-01 to 2026-11-07" in later.reason


def test_sensor_sees_a_change_when_any_entity_moved_forward_or_back():
    previous = {"survey_responses": "2026-11-30 10:00:00", "detractor_followups": None}
    assert changed_entities(previous, dict(previous)) == []
    moved = {**previous, "survey_responses": "2026-11-30 10:05:00"}
    assert changed_entities(previous, moved) == ["survey_responses"]
    restored = {**previous, "survey_responses": "2026-11-29 00:00:00"}
    assert changed_entities(previous, restored) == ["survey_responses"]
    assert changed_entities({}, previous) == ["detractor_followups", "survey_responses"]


def test_sensor_cursor_round_trips_and_tolerates_garbage():
    newest = {"survey_responses": "2026-11-30 10:00:00", "detractor_followups": None}
    assert decode_cursor(encode_cursor(newest)) == newest
    assert decode_cursor("not json") == {}
    assert decode_cursor(None) == {}


def test_alert_names_the_failed_asset_the_root_cause_and_links_the_run():
    inner = SerializableErrorInfo(
        "portal 'shop_eu': cannot connect to postgres database 'shop' on db:5432\n", [], "E"
    )
    wrapper = SerializableErrorInfo("Error occurred while executing op", [], "W", cause=inner)
    step = FailedStep(
        "raw__shop_eu__survey_responses", ("raw/shop_eu__survey_responses",), root_cause(wrapper)
    )
    payload = alert_payload(
        run_id="abc123",
        job_name="nps_pipeline",
        failed_steps=[step],
        run_error="Execution of run for nps_pipeline failed.",
        base_url="https://dagster.example.com/",
    )
    assert payload["run_url"] == "https://dagster.example.com/runs/abc123"
    assert payload["failed_assets"] == ["raw/shop_eu__survey_responses"]
    assert (
        payload["error"]
        == "portal 'shop_eu': cannot connect to postgres database 'shop' on db:5432"
    )
    assert payload["text"].startswith(
        "Dagster run of nps_pipeline failed at raw/shop_eu__survey_responses: portal 'shop_eu'"
    )


def test_alert_without_step_failures_reports_the_run_error():
    payload = alert_payload(
        run_id="r", job_name="j", failed_steps=[], run_error="run worker died", base_url="http://x"
    )
    assert payload["error"] == "run worker died"
    assert payload["failed_assets"] == []


def test_figures_are_nps_and_shares_of_the_marts_tables():
    import duckdb

    with duckdb.connect(":memory:") as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.fct_survey_responses as select * from (values "
            "(true, false), (true, false), (false, true), (false, false)) "
            "as t(is_promoter, is_detractor)"
        )
        connection.execute(
            "create table marts.quarantined_survey_responses as select 1 as x from range(4)"
        )
        figures = read_mart_figures(connection, ["fct_survey_responses", "nps_by_period"])
    assert figures.overall_nps == 25.0  # (2 - 1) / 4
    assert figures.share_quarantined == 0.5  # 4 of 8 raw responses
    metadata = figures_metadata(figures, "fct_survey_responses")
    assert metadata["dagster/row_count"] == 4
    assert "dagster/row_count" not in figures_metadata(figures, "nps_by_period")  # not built
    assert nps(0, 0, 0) is None
    assert share(1, 0) is None


def test_daily_schedule_keeps_its_local_hour_across_daylight_saving(monkeypatch):
    from orchestration.automation.schedules import build_daily_schedule

    schedule = build_daily_schedule()
    assert schedule.execution_timezone == "Europe/Berlin"
    winter = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 12, 3, 6, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    )
    [request] = schedule.evaluate_tick(winter).run_requests
    assert request.run_key == "nps_daily:2026-12-03"
    berlin = ZoneInfo("Europe/Berlin")
    ticks = schedule.cron_schedule, schedule.execution_timezone
    assert ticks == ("0 6 * * *", "Europe/Berlin")
    # 06:00 in Berlin is 05:00 UTC in winter and 04:00 UTC in summer.
    assert datetime(2026, 12, 3, 6, tzinfo=berlin).astimezone(UTC).hour == 5
    assert datetime(2026, 7, 3, 6, tzinfo=berlin).astimezone(UTC).hour == 4

    monkeypatch.setenv("NPS_REPORTING_TIMEZONE", "America/New_York")
    monkeypatch.setenv("NPS_DAILY_SCHEDULE_CRON", "30 5 * * 1-5")
    other = build_daily_schedule()
    assert (other.cron_schedule, other.execution_timezone) == ("30 5 * * 1-5", "America/New_York")


def test_assets_carry_groups_owners_kinds_descriptions_pools_and_retries():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert {"ingest", "staging", "intermediate", "marts", "quality", "exports"} <= groups
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners, key
        assert node.kinds, key
        assert node.description, key
    assert graph.get(dg.AssetKey(["marts", "quarantined_survey_responses"])).group_name == "quality"
    assert graph.get(dg.AssetKey(["marts", "nps_by_period"])).automation_condition is not None

    shop_responses = defs.get_assets_def(dg.AssetKey(["raw", "demo_shop__survey_responses"]))
    assert shop_responses.op.pool == "portal_demo_shop"
    policy = shop_responses.op.retry_policy
    assert policy.max_retries == 3
    assert policy.backoff is dg.Backoff.EXPONENTIAL


def test_instance_configurations_limit_warehouse_writers_and_portal_pools():
    for path in (LOCAL_INSTANCE_CONFIG, PRODUCTION_INSTANCE_CONFIG):
        config = yaml.safe_load(path.read_text())
        assert config["telemetry"] == {"enabled": False}
        assert config["concurrency"]["pools"]["default_limit"] == 1
        assert config["concurrency"]["runs"]["tag_concurrency_limits"] == [
            {"key": "nps/warehouse_writer", "limit": 1}
        ]
    assert "sqlite" in yaml.safe_load(LOCAL_INSTANCE_CONFIG.read_text())["storage"]
    production = yaml.safe_load(PRODUCTION_INSTANCE_CONFIG.read_text())
    assert production["storage"]["postgres"]["postgres_url"] == {"env": "NPS_DAGSTER_PG_URL"}
