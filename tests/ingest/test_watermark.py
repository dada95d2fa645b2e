"""The watermark arithmetic and the choice between full and incremental loads."""

from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from orchestration.ingest.watermark import (
    LoadMode,
    WatermarkKind,
    candidate_sql,
    later_watermark,
    lower_bound,
    plan_load,
    watermark_cap,
    watermark_kind,
)

HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("watermark", "kind", "bound"),
    [
        ("2026-03-02 17:20:00", WatermarkKind.TIMESTAMP, "2026-03-02 16:20:00"),
        ("2026-03-02 17:20:00.250000", WatermarkKind.TIMESTAMP, "2026-03-02 16:20:00.250000"),
        ("2026-03-02 17:20:00+00", WatermarkKind.TIMESTAMPTZ, "2026-03-02 16:20:00+00:00"),
        ("2026-03-02", WatermarkKind.DATE, "2026-03-01"),
        ("2026-03-02T17:20:00Z", WatermarkKind.TEXT, "2026-03-02T16:20:00"),
        ("2026-03-02 17:20:00", WatermarkKind.TEXT, "2026-03-02 16:20:00"),
        ("02.03.2026 17:20", WatermarkKind.TEXT, "02.03.2026 17:20"),
    ],
)
def test_lower_bound_subtracts_the_overlap_in_the_column_notation_when_given_a_watermark(
    watermark, kind, bound
):
    """Text keeps its separator; dates round the overlap up to whole days; unreadable text
    is used as it is."""
    assert lower_bound(watermark, kind, HOUR) == bound


def test_text_bound_orders_correctly_against_portal_values_when_compared_as_text():
    """A portal comparing text must see the bound before the watermark's own value."""
    bound = lower_bound("2026-03-02T17:20:00Z", WatermarkKind.TEXT, HOUR)
    assert bound < "2026-03-02T16:59:00Z" < "2026-03-02T17:20:00Z"
    assert bound > "2026-03-02T16:19:59Z"


def test_watermark_never_moves_back_when_a_load_reads_only_older_rows():
    """A late row older than the watermark is merged but does not lower the watermark."""
    assert later_watermark("2026-03-02 17:20:00", "2026-03-02 17:00:00") == "2026-03-02 17:20:00"
    assert later_watermark("2026-03-02 17:20:00", "2026-03-02 18:00:00") == "2026-03-02 18:00:00"
    assert later_watermark("2026-03-02 17:20:00", None) == "2026-03-02 17:20:00"
    assert later_watermark(None, "2026-03-02 17:20:00") == "2026-03-02 17:20:00"


def test_cap_is_the_current_wall_clock_time_of_the_portal_when_it_writes_local_times():
    """Berlin is UTC+1 in winter: the cap of a naive timestamp column is Berlin time."""
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert watermark_cap(WatermarkKind.TIMESTAMP, "Europe/Berlin", now) == "2026-12-03 13:00:00"
    assert watermark_cap(WatermarkKind.DATE, "Europe/Berlin", now) == "2026-12-03"
    assert watermark_cap(WatermarkKind.TIMESTAMPTZ, "Europe/Berlin", now).endswith("+00:00")


@pytest.mark.parametrize(
    ("kind", "values", "expected"),
    [
        (
            WatermarkKind.TIMESTAMP,
            ["2026-03-01 10:00:00", "2026-03-02 09:00:00", "2037-01-01 00:00:00", None],
            "2026-03-02 09:00:00",
        ),
        (
            WatermarkKind.TEXT,
            ["2026-03-01T10:00:00Z", "yesterday", "2040-05-05T00:00:00Z"],
            "2026-03-01T10:00:00Z",
        ),
    ],
)
def test_candidate_ignores_future_and_unreadable_values_when_taking_the_latest(
    kind, values, expected
):
    """A device clock years ahead must not carry the watermark past every later edit."""
    connection = duckdb.connect()
    connection.execute("create table loaded (updated_at varchar)")
    connection.executemany("insert into loaded values (?)", [[value] for value in values])
    sql = candidate_sql("updated_at", kind)
    (candidate,) = connection.execute(
        f"select {sql} from loaded", ["2026-12-03 12:00:00"]
    ).fetchone()
    assert candidate == expected


@pytest.mark.parametrize(
    ("duckdb_type", "kind"),
    [
        ("TIMESTAMP", WatermarkKind.TIMESTAMP),
        ("TIMESTAMP WITH TIME ZONE", WatermarkKind.TIMESTAMPTZ),
        ("DATE", WatermarkKind.DATE),
        ("VARCHAR", WatermarkKind.TEXT),
        ("INTEGER", None),
    ],
)
def test_watermark_kind_follows_the_source_type_when_inspecting_updated_at(duckdb_type, kind):
    """Only times, dates and text can be a watermark; a number cannot."""
    assert watermark_kind(duckdb_type) is kind


@pytest.mark.parametrize(
    ("arguments", "mode", "reason"),
    [
        ({"watermark_kind": None}, LoadMode.FULL, "no updated_at"),
        ({"full_refresh": True}, LoadMode.FULL, "requested"),
        ({"target_ready": False}, LoadMode.FULL, "first load"),
        ({"stored_watermark": None}, LoadMode.FULL, "no watermark"),
        ({"stored_kind": "text"}, LoadMode.FULL, "changed type"),
        ({}, LoadMode.INCREMENTAL, "since the watermark"),
    ],
)
def test_load_plan_falls_back_to_a_full_load_when_incremental_is_not_safe(arguments, mode, reason):
    """Each reason for a full load is named, so the metadata explains the run."""
    settings = {
        "full_refresh": False,
        "watermark_kind": WatermarkKind.TIMESTAMP,
        "stored_watermark": "2026-03-02 17:20:00",
        "stored_kind": "timestamp",
        "target_ready": True,
    } | arguments
    plan = plan_load(**settings)
    assert plan.mode is mode
    assert reason in plan.reason
