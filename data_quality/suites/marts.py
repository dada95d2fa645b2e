"""Suites for the marts: invariants that every published NPS figure must keep.

A mart that breaks one of them is wrong, not noisy, so every expectation here
is critical and stops the publication for BI tools.
"""

import great_expectations as gx

from data_quality.runner import TableSuite

CRITICAL = "critical"
COUNT_COLUMNS = ("count_responses", "count_promoters", "count_passives", "count_detractors")
NPS_BY_PERIOD_KEY = (
    "period_grain",
    "period_start",
    "portal",
    "touchpoint",
    "channel",
    "customer_segment",
    "region",
)
NPS_ROLLING_KEY = (
    "date_day",
    "window_days",
    "portal",
    "touchpoint",
    "channel",
    "customer_segment",
    "region",
)


def _nps_invariants_query(table: str, key: tuple[str, ...]) -> str:
    # The adjusted-Wald interval is centred on the adjusted NPS, so for a small
    # sample it may exclude the raw NPS (see the nps_statistics macros): the
    # containment rule applies from the small-sample threshold on.
    return f"""
        select
            {", ".join(key)},
            nps,
            count_responses,
            count_promoters,
            count_passives,
            count_detractors,
            count_promoters + count_passives + count_detractors - count_responses
                as categories_minus_responses,
            case when not is_small_sample then nps end as nps_of_sufficient_sample,
            case when not is_small_sample then nps_ci_lower end as nps_ci_lower,
            case when not is_small_sample then nps_ci_upper end as nps_ci_upper
        from {table}
    """


def _nps_invariants(key: tuple[str, ...]) -> list[gx.expectations.Expectation]:
    return [
        gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=list(key), severity=CRITICAL),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="nps", min_value=-100, max_value=100, severity=CRITICAL
        ),
        *(
            gx.expectations.ExpectColumnValuesToBeBetween(
                column=column, min_value=0, severity=CRITICAL
            )
            for column in COUNT_COLUMNS
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="categories_minus_responses", min_value=0, max_value=0, severity=CRITICAL
        ),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="nps_of_sufficient_sample",
            column_B="nps_ci_lower",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            severity=CRITICAL,
        ),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="nps_ci_upper",
            column_B="nps_of_sufficient_sample",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            severity=CRITICAL,
        ),
    ]


def nps_by_period_suite() -> TableSuite:
    return TableSuite(
        name="marts_nps_by_period",
        description=(
            "nps_by_period: one row per period and breakdown, NPS within -100..100, promoters, "
            "passives and detractors adding up to the responses, the 95 % interval containing "
            "the NPS (from the small-sample threshold on)."
        ),
        query=_nps_invariants_query("marts.nps_by_period", NPS_BY_PERIOD_KEY),
        key_columns=NPS_BY_PERIOD_KEY,
        build_expectations=lambda: _nps_invariants(NPS_BY_PERIOD_KEY),
    )


def nps_rolling_suite() -> TableSuite:
    return TableSuite(
        name="marts_nps_rolling",
        description=(
            "nps_rolling: the same invariants as nps_by_period for every trailing window."
        ),
        query=_nps_invariants_query("marts.nps_rolling", NPS_ROLLING_KEY),
        key_columns=NPS_ROLLING_KEY,
        build_expectations=lambda: _nps_invariants(NPS_ROLLING_KEY),
    )


def response_accounting_suite() -> TableSuite:
    """Every raw response is either counted or quarantined, per portal."""
    query = """
        with
        raw_rows as (
            select portal, count(*) as raw_responses from raw.survey_responses group by portal
        ),
        counted as (
            select portal, count(*) as counted_responses
            from marts.fct_survey_responses
            group by portal
        ),
        quarantined as (
            select portal, count(*) as quarantined_responses
            from marts.quarantined_survey_responses
            group by portal
        )
        select
            raw_rows.portal,
            raw_rows.raw_responses,
            coalesce(counted.counted_responses, 0) as counted_responses,
            coalesce(quarantined.quarantined_responses, 0) as quarantined_responses,
            raw_rows.raw_responses
            - coalesce(counted.counted_responses, 0)
            - coalesce(quarantined.quarantined_responses, 0) as unaccounted_responses
        from raw_rows
        left join counted on raw_rows.portal = counted.portal
        left join quarantined on raw_rows.portal = quarantined.portal
    """
    return TableSuite(
        name="marts_response_accounting",
        description="Raw responses = counted + quarantined, for every portal.",
        query=query,
        key_columns=("portal",),
        build_expectations=lambda: [
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="unaccounted_responses", min_value=0, max_value=0, severity=CRITICAL
            )
        ],
    )
