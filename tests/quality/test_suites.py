"""The raw and mart suites on small hand-made warehouses, each rule seen to fail.

The tables are built here row by row, so every expected count is read off the
rows themselves, not off the suites' output.
"""

from datetime import date, datetime

import duckdb
import pytest

from data_quality.runner import SuiteStatus, validate_table
from data_quality.suites import marts, raw

AS_OF = datetime(2026, 12, 1, 5, 0)
RULES = raw.RawRules(
    portals=(
        raw.PortalRules(
            portal="shop",
            live_since=date(2025, 1, 1),
            touchpoints=("checkout",),
            channels=("email",),
            response_window_days=10,
        ),
    ),
    as_of=AS_OF,
    max_invalid_share=0.25,
)


def create_raw(connection: duckdb.DuckDBPyConnection, invitations: list, responses: list) -> None:
    connection.execute("create schema raw")
    connection.execute(
        "create table raw.survey_invitations (portal varchar, invitation_id varchar, "
        "customer_id varchar, touchpoint varchar, channel varchar, sent_at varchar)"
    )
    connection.execute(
        "create table raw.survey_responses (portal varchar, response_id varchar, "
        "invitation_id varchar, score varchar, responded_at varchar)"
    )
    connection.execute(
        "create table raw.customers (portal varchar, customer_id varchar, "
        "customer_segment varchar, signed_up_at varchar)"
    )
    if invitations:
        connection.executemany(
            "insert into raw.survey_invitations values (?, ?, ?, ?, ?, ?)", invitations
        )
    if responses:
        connection.executemany("insert into raw.survey_responses values (?, ?, ?, ?, ?)", responses)


def unexpected(outcome, column: str, severity: str) -> int:
    """The bad rows of the one single-column expectation on ``column`` of ``severity``."""
    [item] = [
        item for item in outcome.outcomes if item.columns == (column,) and item.severity == severity
    ]
    return item.unexpected_count


@pytest.fixture
def connection():
    connection = duckdb.connect()
    yield connection
    connection.close()


def test_responses_suite_sees_each_kind_of_bad_row(connection):
    invitations = [
        ("shop", "i1", "c1", "checkout", "email", "2026-11-20 10:00:00"),
        ("shop", "i2", "c1", "checkout", "email", "2026-11-20 10:00:00"),
    ]
    responses = [
        ("shop", "r1", "i1", "9", "2026-11-20 11:00:00"),  # clean
        ("shop", "r2", "i1", " 08 ", "2026-11-20 12:00:00"),  # clean, as staging reads it
        ("shop", "r3", "i1", "10.0", "2026-11-21 12:00:00"),  # clean
        ("shop", "r4", "i2", "ten", "2026-11-20 11:00:00"),  # score not an integer
        ("shop", "r5", "i2", None, "2026-11-20 11:00:00"),  # score missing
        ("shop", "r6", "i2", "11", "2026-11-20 11:00:00"),  # out of range
        ("shop", "r7", "i2", "5", "2038-01-01 00:00:00"),  # future, beyond the window
        (
            "shop",
            "r8",
            "i2",
            "5",
            "2024-06-01 00:00:00",
        ),  # before the portal, before its invitation
        ("shop", "r9", "i2", "5", "someday"),  # unreadable time
        ("shop", "r9", "i2", "5", "2026-11-20 11:00:00"),  # duplicate id
        ("shop", None, "i2", "5", "2026-11-20 11:00:00"),  # no id
        ("shop", "r10", "i2", "6", "2026-12-15 00:00:00"),  # 25 days later: beyond the window
    ]
    create_raw(connection, invitations, responses)

    outcome = validate_table(connection, raw.survey_responses_suite(RULES), part_rows=3)

    assert outcome.row_count == len(responses)
    assert unexpected(outcome, "score", "warning") == 3
    assert unexpected(outcome, "response_id", "warning") == 1
    assert unexpected(outcome, "responded_at", "warning") == 1
    assert unexpected(outcome, "hours_after_clock", "warning") == 2  # 2038 and 2026-12-15
    assert unexpected(outcome, "days_after_portal_start", "warning") == 1
    assert unexpected(outcome, "hours_after_invitation", "warning") == 1
    assert unexpected(outcome, "days_beyond_response_window", "warning") == 2
    duplicates = [
        item
        for item in outcome.outcomes
        if item.expectation == "expect_compound_columns_to_be_unique" and item.severity == "warning"
    ]
    assert duplicates[0].unexpected_count == 2
    assert {example["response_id"] for example in duplicates[0].examples} == {"r9"}
    # 3 bad scores of 12 rows is 25 %: just within the tolerated share.
    score_critical = [
        item
        for item in outcome.outcomes
        if item.columns == ("score",) and item.severity == "critical"
    ]
    assert score_critical[0].success
    # 2 of 12 in the future is within 25 % too: the suite only warns.
    assert outcome.status is SuiteStatus.WARNING


def test_a_share_of_bad_scores_above_the_threshold_fails(connection):
    invitations = [("shop", "i1", "c1", "checkout", "email", "2026-11-20 10:00:00")]
    responses = [
        ("shop", f"r{index}", "i1", score, "2026-11-20 11:00:00")
        for index, score in enumerate(["9", "x", "y", "7"])
    ]
    create_raw(connection, invitations, responses)
    outcome = validate_table(connection, raw.survey_responses_suite(RULES))
    assert outcome.status is SuiteStatus.FAILED
    assert [item.label for item in outcome.failed if item.severity == "critical"] == [
        "expect_column_values_to_match_regex[score]"
    ]


def test_invitations_suite_reports_unknown_touchpoints_and_channels(connection):
    invitations = [
        ("shop", "i1", "c1", "checkout", "email", "2026-11-20 10:00:00"),
        ("shop", "i2", "c1", "newsletter", "email", "2026-11-20 10:00:00"),
        ("shop", "i3", "c1", "checkout", "pigeon", "2026-11-20 10:00:00"),
        ("shop", "i3", "c1", "checkout", None, "1999-01-01 10:00:00"),
    ]
    create_raw(connection, invitations, [])
    outcome = validate_table(connection, raw.survey_invitations_suite(RULES))
    assert unexpected(outcome, "portal_touchpoint", "warning") == 1
    assert unexpected(outcome, "portal_channel", "warning") == 2
    assert unexpected(outcome, "days_after_portal_start", "warning") == 1
    failed = {item.label for item in outcome.failed if item.severity == "critical"}
    # Two of four rows share an id: 50 % is above the tolerated 25 %.
    assert failed == {"expect_compound_columns_to_be_unique[portal,invitation_id]"}


def test_freshness_warns_when_the_newest_response_is_too_old(connection):
    responses = [
        ("shop", "r1", "i1", "9", "2026-11-30 20:00:00"),
        ("shop", "r2", "i1", "9", "2031-01-01 00:00:00"),  # a future row does not count
    ]
    create_raw(connection, [], responses)
    fresh = validate_table(connection, raw.response_freshness_suite(RULES))
    assert fresh.status is SuiteStatus.PASSED

    later = raw.RawRules(portals=RULES.portals, as_of=datetime(2026, 12, 4, 5, 0))
    stale = validate_table(connection, raw.response_freshness_suite(later))
    assert stale.status is SuiteStatus.WARNING
    [item] = stale.failed
    assert item.columns == ("hours_since_newest_response",)


def test_freshness_warns_for_a_portal_without_responses(connection):
    create_raw(connection, [], [])
    outcome = validate_table(connection, raw.response_freshness_suite(RULES))
    assert [item.label for item in outcome.failed] == [
        "expect_column_values_to_not_be_null[newest_response_at]"
    ]


def daily_responses(counts_by_day: dict[str, int]) -> list[tuple]:
    return [
        ("shop", f"{day}-{index}", "i1", "9", f"{day} 12:00:00")
        for day, count in counts_by_day.items()
        for index in range(count)
    ]


@pytest.mark.parametrize(
    ("last_day_count", "status"),
    [(10, SuiteStatus.PASSED), (4, SuiteStatus.WARNING), (21, SuiteStatus.WARNING)],
)
def test_volume_compares_the_last_day_with_the_trailing_median(connection, last_day_count, status):
    # 28 days of 10 responses, then 2026-11-30: the last complete day before AS_OF.
    baseline = {f"2026-11-{day:02d}": 10 for day in range(2, 30)}
    create_raw(connection, [], daily_responses({**baseline, "2026-11-30": last_day_count}))
    outcome = validate_table(connection, raw.response_volume_suite(RULES))
    assert outcome.status is status
    assert connection.execute("select 1").fetchone() == (1,)


def create_nps_by_period(connection: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    connection.execute("create schema marts")
    connection.execute(
        """
        create table marts.nps_by_period (
            period_grain varchar, period_start date, portal varchar, touchpoint varchar,
            channel varchar, customer_segment varchar, region varchar, nps double,
            count_responses int, count_promoters int, count_passives int,
            count_detractors int, nps_ci_lower double, nps_ci_upper double,
            is_small_sample boolean
        )
        """
    )
    connection.executemany(
        "insert into marts.nps_by_period values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
    )


def monthly_row(month: int, *figures) -> tuple:
    """A portal-wide month: nps, responses, promoters, passives, detractors, CI, small."""
    return ("month", date(2026, month, 1), "all", "all", "all", "all", "all", *figures)


def test_mart_invariants_fail_on_a_broken_row(connection):
    good = monthly_row(11, 20.0, 50, 20, 20, 10, 8.0, 32.0, False)
    # Counts that do not add up, and an interval that misses the NPS.
    broken = monthly_row(10, 20.0, 50, 20, 20, 9, 21.0, 32.0, False)
    # Too small a sample for the interval to be held to the NPS.
    tiny = monthly_row(9, 100.0, 1, 1, 0, 0, -60.0, 60.0, True)
    create_nps_by_period(connection, [good, tiny])
    assert validate_table(connection, marts.nps_by_period_suite()).status is SuiteStatus.PASSED

    connection.execute("drop schema marts cascade")
    create_nps_by_period(connection, [good, broken, tiny])
    outcome = validate_table(connection, marts.nps_by_period_suite())
    assert outcome.status is SuiteStatus.FAILED
    assert {item.label for item in outcome.failed} == {
        "expect_column_values_to_be_between[categories_minus_responses]",
        "expect_column_pair_values_a_to_be_greater_than_b[nps_of_sufficient_sample,nps_ci_lower]",
    }


def test_portals_without_known_touchpoints_are_not_checked_for_them(connection):
    invitations = [("shop", "i1", "c1", "anything", "any channel", "2026-11-20 10:00:00")]
    create_raw(connection, invitations, [])
    unconfigured = raw.RawRules(portals=(raw.PortalRules("shop"),), as_of=AS_OF)
    outcome = validate_table(connection, raw.survey_invitations_suite(unconfigured))
    assert outcome.status is SuiteStatus.PASSED
