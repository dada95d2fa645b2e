"""Suites for the canonical raw tables: what the portals sent, before any cleaning.

Raw data is expected to hold some bad rows: the dbt models quarantine them
with a reason. So each rule about single rows comes twice: once strict, as a
warning that reports every bad row, and once with the tolerated share
(``max_invalid_share``) as a critical failure, because a larger share means a
broken portal or mapping rather than ordinary noise.

Raw timestamps are text in the portal's own time zone. A row is "in the
future" when it lies more than 14 hours (the widest time zone offset) after the
check's clock, so that no portal's zone needs converting here.
"""

from dataclasses import dataclass
from datetime import date, datetime

import great_expectations as gx

from data_quality.runner import TableSuite

WARNING = "warning"
CRITICAL = "critical"
# A local time may run this far ahead of UTC (UTC+14) without being in the future.
LOCAL_CLOCK_LEAD_HOURS = 14
# A score as staging reads it: a whole number 0-10 with optional sign, leading
# zeros, ".0" and surrounding spaces (staging accepts at most nine digits).
VALID_SCORE_PATTERN = r"^ *(?:\+?(?:0{0,8}[0-9]|0{0,7}10)|-0{1,9})(?:\.0+)? *$"


@dataclass(frozen=True)
class PortalRules:
    """What a portal's raw data must look like, from its configuration."""

    portal: str
    live_since: date | None = None
    touchpoints: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    response_window_days: int = 30


@dataclass(frozen=True)
class RawRules:
    portals: tuple[PortalRules, ...]
    # The check's clock (UTC, naive): "now" in production, fixed for a replayed day.
    as_of: datetime
    max_invalid_share: float = 0.05
    freshness_max_age_hours: float = 48.0
    volume_min_ratio: float = 0.5
    volume_max_ratio: float = 2.0
    volume_baseline_days: int = 28


def _tolerated(
    expectation_type: type[gx.expectations.Expectation], max_invalid_share: float, **kwargs
) -> list[gx.expectations.Expectation]:
    """The strict rule as a warning, and the tolerated share as a critical failure."""
    return [
        expectation_type(**kwargs, severity=WARNING),
        expectation_type(**kwargs, mostly=round(1.0 - max_invalid_share, 6), severity=CRITICAL),
    ]


def _identity(rules: RawRules, id_column: str) -> list[gx.expectations.Expectation]:
    """Rows of configured portals only, and an id present and unique per portal."""
    share = rules.max_invalid_share
    return [
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="portal",
            value_set=[portal.portal for portal in rules.portals],
            severity=CRITICAL,
        ),
        *_tolerated(gx.expectations.ExpectColumnValuesToNotBeNull, share, column=id_column),
        *_tolerated(
            gx.expectations.ExpectCompoundColumnsToBeUnique,
            share,
            column_list=["portal", id_column],
        ),
    ]


def _plausible_time(rules: RawRules, prefix: str = "") -> list[gx.expectations.Expectation]:
    """Not in the future, and (where the query knows the portal's start) not before it."""
    share = rules.max_invalid_share
    expectations = _tolerated(
        gx.expectations.ExpectColumnValuesToBeBetween,
        share,
        column=f"{prefix}hours_after_clock",
        max_value=LOCAL_CLOCK_LEAD_HOURS,
    )
    if not prefix:
        expectations += _tolerated(
            gx.expectations.ExpectColumnValuesToBeBetween,
            share,
            column="days_after_portal_start",
            min_value=0,
        )
    return expectations


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _rules_values(rules: RawRules) -> str:
    """The portal rules as a SQL VALUES list, joined to the raw rows by portal."""
    rows = [
        "({portal}, {live_since}, {window})".format(
            portal=_sql_text(portal.portal),
            live_since=f"date '{portal.live_since.isoformat()}'" if portal.live_since else "null",
            window=int(portal.response_window_days),
        )
        for portal in rules.portals
    ]
    return (
        "select * from (values "
        + ", ".join(rows)
        + ") as rules (portal, live_since, response_window_days)"
    )


def _as_of(rules: RawRules) -> str:
    return f"timestamp '{rules.as_of.strftime('%Y-%m-%d %H:%M:%S')}'"


def _hours_after_clock(column: str, rules: RawRules) -> str:
    return f"date_diff('minute', {_as_of(rules)}, {column}) / 60.0"


def _portal_values(rules: RawRules, attribute: str) -> list[str]:
    """``portal/value`` for every configured value of ``attribute`` (touchpoints, channels)."""
    return [
        f"{portal.portal}/{value}"
        for portal in rules.portals
        for value in getattr(portal, attribute)
    ]


def _checked_portals(rules: RawRules, attribute: str) -> str:
    names = [portal.portal for portal in rules.portals if getattr(portal, attribute)]
    # "in (null)" holds for no row: no portal is checked.
    return "(" + (", ".join(_sql_text(name) for name in names) or "null") + ")"


def survey_responses_suite(rules: RawRules) -> TableSuite:
    share = rules.max_invalid_share
    query = f"""
        with
        invitations as (
            select portal, invitation_id, min(try_cast(trim(sent_at) as timestamp)) as sent_at
            from raw.survey_invitations
            group by portal, invitation_id
        ),
        rules as ({_rules_values(rules)}),
        responses as (
            select
                responses.portal,
                responses.response_id,
                coalesce(responses.score, '') as score,
                try_cast(trim(responses.responded_at) as timestamp) as responded_at,
                invitations.sent_at,
                rules.live_since,
                rules.response_window_days
            from raw.survey_responses as responses
            left join invitations
                on responses.portal = invitations.portal
                and responses.invitation_id = invitations.invitation_id
            left join rules on responses.portal = rules.portal
        )
        select
            portal,
            response_id,
            score,
            responded_at,
            {_hours_after_clock("responded_at", rules)} as hours_after_clock,
            date_diff('day', live_since, responded_at) as days_after_portal_start,
            date_diff('minute', sent_at, responded_at) / 60.0 as hours_after_invitation,
            date_diff('minute', sent_at, responded_at) / 1440.0 - response_window_days
                as days_beyond_response_window
        from responses
    """

    def expectations() -> list[gx.expectations.Expectation]:
        return [
            *_identity(rules, "response_id"),
            *_tolerated(
                gx.expectations.ExpectColumnValuesToMatchRegex,
                share,
                column="score",
                regex=VALID_SCORE_PATTERN,
            ),
            *_tolerated(
                gx.expectations.ExpectColumnValuesToNotBeNull, share, column="responded_at"
            ),
            *_plausible_time(rules),
            # Timing against the invitation: the rows still count, so these only warn.
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="hours_after_invitation", min_value=0, severity=WARNING
            ),
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="days_beyond_response_window", max_value=0, severity=WARNING
            ),
        ]

    return TableSuite(
        name="raw_survey_responses",
        description=(
            "Responses as the portals sent them: ids present and unique per portal, scores "
            "whole numbers 0-10, response times readable, not in the future, not before the "
            "portal existed, after their invitation and within the survey's validity window."
        ),
        query=query,
        key_columns=("portal", "response_id"),
        build_expectations=expectations,
    )


def survey_invitations_suite(rules: RawRules) -> TableSuite:
    share = rules.max_invalid_share
    query = f"""
        with
        rules as ({_rules_values(rules)}),
        invitations as (
            select
                invitations.portal,
                invitations.invitation_id,
                invitations.customer_id,
                try_cast(trim(invitations.sent_at) as timestamp) as sent_at,
                case when invitations.portal in {_checked_portals(rules, "touchpoints")}
                    then invitations.portal || '/' || coalesce(invitations.touchpoint, '')
                end as portal_touchpoint,
                case when invitations.portal in {_checked_portals(rules, "channels")}
                    then invitations.portal || '/' || coalesce(invitations.channel, '')
                end as portal_channel,
                rules.live_since
            from raw.survey_invitations as invitations
            left join rules on invitations.portal = rules.portal
        )
        select
            portal,
            invitation_id,
            customer_id,
            sent_at,
            portal_touchpoint,
            portal_channel,
            {_hours_after_clock("sent_at", rules)} as hours_after_clock,
            date_diff('day', live_since, sent_at) as days_after_portal_start
        from invitations
    """

    def expectations() -> list[gx.expectations.Expectation]:
        return [
            *_identity(rules, "invitation_id"),
            *_tolerated(gx.expectations.ExpectColumnValuesToNotBeNull, share, column="sent_at"),
            *_plausible_time(rules),
            # An unknown touchpoint or channel is counted under its own name; it
            # usually means a new survey or a changed mapping, worth a look.
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="portal_touchpoint",
                value_set=_portal_values(rules, "touchpoints"),
                severity=WARNING,
            ),
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="portal_channel",
                value_set=_portal_values(rules, "channels"),
                severity=WARNING,
            ),
        ]

    return TableSuite(
        name="raw_survey_invitations",
        description=(
            "Invitations as the portals sent them: ids present and unique per portal, sending "
            "times readable, not in the future and not before the portal existed, touchpoints "
            "and channels among the configured ones."
        ),
        query=query,
        key_columns=("portal", "invitation_id"),
        build_expectations=expectations,
    )


def customers_suite(rules: RawRules) -> TableSuite:
    query = f"""
        select
            portal,
            customer_id,
            customer_segment,
            {_hours_after_clock("try_cast(trim(signed_up_at) as timestamp)", rules)}
                as signed_up_hours_after_clock
        from raw.customers
    """

    def expectations() -> list[gx.expectations.Expectation]:
        return [
            *_identity(rules, "customer_id"),
            *_plausible_time(rules, prefix="signed_up_"),
            gx.expectations.ExpectColumnValuesToNotBeNull(
                column="customer_segment", severity=WARNING
            ),
        ]

    return TableSuite(
        name="raw_customers",
        description=(
            "Customers as the portals sent them: ids present and unique per portal, sign-up "
            "times not in the future, a segment for the NPS breakdowns."
        ),
        query=query,
        key_columns=("portal", "customer_id"),
        build_expectations=expectations,
    )


def response_freshness_suite(rules: RawRules) -> TableSuite:
    """The newest response of each portal is not older than ``freshness_max_age_hours``."""
    query = f"""
        with
        rules as ({_rules_values(rules)}),
        newest as (
            select portal, max(responded_at) as newest_response_at
            from (
                select portal, try_cast(trim(responded_at) as timestamp) as responded_at
                from raw.survey_responses
            )
            where {_hours_after_clock("responded_at", rules)} <= {LOCAL_CLOCK_LEAD_HOURS}
            group by portal
        )
        select
            rules.portal,
            newest.newest_response_at,
            date_diff('minute', newest.newest_response_at, {_as_of(rules)}) / 60.0
                as hours_since_newest_response
        from rules
        left join newest on rules.portal = newest.portal
    """

    def expectations() -> list[gx.expectations.Expectation]:
        return [
            gx.expectations.ExpectColumnValuesToNotBeNull(
                column="newest_response_at", severity=WARNING
            ),
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="hours_since_newest_response",
                max_value=rules.freshness_max_age_hours,
                severity=WARNING,
            ),
        ]

    return TableSuite(
        name="raw_response_freshness",
        description=(
            f"Each portal's newest response is at most {rules.freshness_max_age_hours:g} hours "
            "old (times in the portal's zone, against the check's clock)."
        ),
        query=query,
        key_columns=("portal",),
        build_expectations=expectations,
    )


def response_volume_suite(rules: RawRules) -> TableSuite:
    """Yesterday's responses per portal within a band around the trailing daily median."""
    days = int(rules.volume_baseline_days)
    query = f"""
        with
        rules as ({_rules_values(rules)}),
        calendar as (
            select rules.portal, cast(day as date) as day
            from rules
            cross join range(
                cast({_as_of(rules)} as date) - {days + 1},
                cast({_as_of(rules)} as date),
                interval 1 day
            ) as days (day)
        ),
        daily as (
            select portal, cast(responded_at as date) as day, count(*) as responses
            from (
                select portal, try_cast(trim(responded_at) as timestamp) as responded_at
                from raw.survey_responses
            )
            where responded_at is not null
            group by portal, cast(responded_at as date)
        ),
        days as (
            select calendar.portal, calendar.day, coalesce(daily.responses, 0) as responses
            from calendar
            left join daily on calendar.portal = daily.portal and calendar.day = daily.day
        ),
        summary as (
            select
                portal,
                max(day) as checked_day,
                max(responses) filter (where day = cast({_as_of(rules)} as date) - 1)
                    as responses_on_checked_day,
                median(responses) filter (where day < cast({_as_of(rules)} as date) - 1)
                    as baseline_median
            from days
            group by portal
        )
        select
            *,
            responses_on_checked_day / nullif(baseline_median, 0) as ratio_to_baseline
        from summary
    """

    def expectations() -> list[gx.expectations.Expectation]:
        return [
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="ratio_to_baseline",
                min_value=rules.volume_min_ratio,
                max_value=rules.volume_max_ratio,
                severity=WARNING,
            ),
        ]

    return TableSuite(
        name="raw_response_volume",
        description=(
            f"Each portal's responses on the last complete day are {rules.volume_min_ratio:g} "
            f"to {rules.volume_max_ratio:g} times the median of the {days} days before "
            "(no baseline, no judgement)."
        ),
        query=query,
        key_columns=("portal",),
        build_expectations=expectations,
    )
