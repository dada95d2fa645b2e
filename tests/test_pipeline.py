"""End to end: the demo portals through the Dagster job into the NPS marts.

Every figure is compared with tests/reference_nps.py, which computes it from
the SQLite files on its own.
"""

import sqlite3
from collections import Counter
from datetime import UTC, datetime

import dagster as dg
import pytest

from tests.reference_nps import (
    change_p_value,
    classify_responses,
    nps_cells,
    previous_period_start,
    rate_invitations,
    read_demo_saas,
    read_demo_shop,
)

pytestmark = pytest.mark.integration

SOURCE_RESPONSE_TABLES = {"demo_shop": "nps_responses", "demo_saas": "survey_answers"}


@pytest.fixture(scope="module")
def reference(pipeline_run):
    """Counted responses, rate invitations and quarantine reasons, from the source files."""
    # The pipeline judged "in the future" against its own build time; any moment
    # between the run's start and now gives the same split for the demo data.
    now = datetime.now(UTC)
    counted, invitations, reasons = [], [], {}
    for portal in (
        read_demo_shop(pipeline_run.portals["demo_shop"]),
        read_demo_saas(pipeline_run.portals["demo_saas"]),
    ):
        portal_counted, portal_reasons = classify_responses(portal, now)
        counted += portal_counted
        invitations += rate_invitations(portal, portal_counted)
        reasons[portal.name] = portal_reasons
    return counted, invitations, reasons


def test_pipeline_run_succeeds_with_every_check_passing(pipeline_run):
    """The job materializes every asset, and every asset check (GE and dbt tests) passes.

    The one exception is the warning of the raw response suite, which reports the
    demo's planted defects (tests/quality/test_demo_checks.py counts them).
    """
    result = pipeline_run.result
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert evaluations, "the run evaluated no asset checks"
    failed = [str(evaluation.check_name) for evaluation in evaluations if not evaluation.passed]
    assert failed == ["great_expectations_raw_survey_responses"]
    assert all(
        evaluation.severity == dg.AssetCheckSeverity.WARN
        for evaluation in evaluations
        if not evaluation.passed
    )
    names = {evaluation.check_name for evaluation in evaluations}
    assert "great_expectations_raw_survey_responses" in names
    assert "assert_raw_responses_are_all_accounted_for" in names


def test_asset_graph_runs_from_ingest_through_the_marts(pipeline_run):
    """Each layer was materialized in the run: portal tables, canonical views, dbt models."""
    materialized = {
        "/".join(event.asset_key.path)
        for event in pipeline_run.result.get_asset_materialization_events()
    }
    for key in (
        "raw/demo_shop__survey_responses",
        "raw/demo_saas__survey_responses",
        "raw/survey_responses",
        "staging/stg_portals__survey_responses",
        "intermediate/int_survey_responses_validated",
        "marts/fct_survey_responses",
        "marts/nps_by_period",
    ):
        assert key in materialized


def test_lineage_leads_from_each_portal_table_to_the_mart():
    """The mart's ancestors include every portal's raw tables, through the dbt sources."""
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    ancestors = graph.get_ancestor_asset_keys(dg.AssetKey(["marts", "nps_by_period"]))
    for portal in SOURCE_RESPONSE_TABLES:
        for entity in ("survey_responses", "survey_invitations", "customers"):
            assert dg.AssetKey(["raw", f"{portal}__{entity}"]) in ancestors
    assert dg.AssetKey(["staging", "stg_portals__survey_responses"]) in ancestors


def test_raw_tables_hold_every_source_row_as_text(pipeline_run):
    """Counts per portal in the raw layer equal the source tables; scores stay text."""
    for portal, table in SOURCE_RESPONSE_TABLES.items():
        with sqlite3.connect(pipeline_run.portals[portal]) as source:
            (expected,) = source.execute(f"select count(*) from {table}").fetchone()
        [(loaded,)] = pipeline_run.query(
            "select count(*) from raw.survey_responses where portal = ?", [portal]
        )
        assert loaded == expected
    [(score_type,)] = pipeline_run.query(
        "select data_type from information_schema.columns "
        "where table_schema = 'raw' and table_name = 'survey_responses' "
        "and column_name = 'score'"
    )
    assert score_type == "VARCHAR"


def test_every_raw_response_is_counted_or_quarantined_per_portal(pipeline_run):
    """raw = counted + quarantined, portal by portal."""
    rows = pipeline_run.query(
        """
        select raw.portal, raw.n, coalesce(counted.n, 0), coalesce(quarantined.n, 0)
        from (select portal, count(*) as n from raw.survey_responses group by 1) as raw
        left join (select portal, count(*) as n from marts.fct_survey_responses group by 1)
            as counted using (portal)
        left join (
            select portal, count(*) as n from marts.quarantined_survey_responses group by 1
        ) as quarantined using (portal)
        """
    )
    assert {portal for portal, *_ in rows} == set(SOURCE_RESPONSE_TABLES)
    for portal, raw, counted, quarantined in rows:
        assert raw == counted + quarantined, portal
        assert quarantined > 0, portal


def test_quarantine_reasons_match_the_independent_rules(pipeline_run, reference):
    """Each defect kind of the demo lands in quarantine with its reason, in the right number."""
    *_, reasons = reference
    rows = pipeline_run.query(
        "select portal, quarantine_reason, count(*) "
        "from marts.quarantined_survey_responses group by 1, 2"
    )
    loaded = {portal: Counter() for portal in reasons}
    for portal, reason, count in rows:
        loaded[portal][reason] = count
    for portal, expected in reasons.items():
        assert loaded[portal] == +expected, portal
    every_reason = set().union(*(set(+counter) for counter in reasons.values()))
    assert {
        "test_account",
        "missing_invitation",
        "score_missing",
        "score_not_integer",
        "score_out_of_range",
        "responded_in_future",
        "duplicate_submission",
    } <= every_reason


def test_scores_at_the_category_boundaries_are_classified_correctly(pipeline_run):
    """0-6 are detractors, 7-8 passives, 9-10 promoters (6/7 and 8/9 are the boundaries)."""
    rows = pipeline_run.query(
        "select distinct score, nps_category, nps_points from marts.fct_survey_responses"
    )
    expected = {
        score: ("detractor", -100)
        if score <= 6
        else ("passive", 0)
        if score <= 8
        else ("promoter", 100)
        for score in range(11)
    }
    assert {score: (category, points) for score, category, points in rows} == expected


DIMENSIONS = ("portal", "touchpoint", "channel", "customer_segment", "region")


def mart_cells(pipeline_run, grain: str, dimensions: tuple[str, ...]) -> dict[tuple, tuple]:
    """nps_by_period rows of one breakdown, keyed like reference_nps.nps_cells."""
    breakdown = " and ".join(
        f"{column} {'!=' if column in dimensions else '='} 'all'" for column in DIMENSIONS
    )
    rows = pipeline_run.query(
        f"""
        select {", ".join(("period_start", *dimensions))},
            count_responses, count_promoters, count_passives, count_detractors,
            count_invitations, count_answered_invitations, nps, nps_standard_error,
            nps_ci_lower, nps_ci_upper, response_rate, nps_previous, nps_change_p_value
        from marts.nps_by_period
        where period_grain = ? and {breakdown}
        """,
        [grain],
    )
    width = 1 + len(dimensions)
    return {tuple(row[:width]): row[width:] for row in rows}


@pytest.mark.parametrize(
    ("grain", "dimensions"),
    [
        ("month", ("portal",)),
        ("month", ("touchpoint",)),
        ("month", ("portal", "touchpoint")),
        ("week", ("portal", "touchpoint")),
        ("day", ("portal",)),
        ("quarter", ("portal",)),
        ("month", ()),
    ],
    ids=lambda value: value if isinstance(value, str) else "x".join(value) or "total",
)
def test_nps_by_period_equals_the_independent_computation(
    pipeline_run, reference, grain, dimensions
):
    """Counts, NPS, standard error, CI, response rate and change p-value of every cell."""
    counted, invitations, _ = reference
    expected = nps_cells(counted, invitations, grain, dimensions)
    actual = mart_cells(pipeline_run, grain, dimensions)
    assert set(actual) == set(expected)
    for key, cell in expected.items():
        (
            responses, promoters, passives, detractors, invited, answered,
            nps, standard_error, ci_lower, ci_upper, response_rate, nps_previous, p_value,
        ) = actual[key]  # fmt: skip
        assert (responses, promoters, passives, detractors, invited, answered) == (
            cell.count_responses,
            cell.count_promoters,
            cell.count_passives,
            cell.count_detractors,
            cell.count_invitations,
            cell.count_answered_invitations,
        ), key
        previous = expected.get((previous_period_start(key[0], grain), *key[1:]))
        if cell.count_responses:
            assert nps == pytest.approx(cell.nps, abs=1e-9), key
            assert standard_error == pytest.approx(cell.standard_error, abs=1e-9), key
            assert (ci_lower, ci_upper) == pytest.approx(cell.interval, abs=1e-9), key
        else:
            assert nps is None, key
        assert response_rate == pytest.approx(cell.response_rate, abs=1e-12), key
        expected_previous = previous.nps if previous else None
        assert nps_previous == pytest.approx(expected_previous, abs=1e-9), key
        expected_p = change_p_value(cell, previous)
        if expected_p is None:
            assert p_value is None, key
        else:
            assert p_value == pytest.approx(expected_p, abs=1e-6), key


def test_reference_cells_cover_significant_changes(pipeline_run):
    """The demo holds both significant and insignificant monthly changes, so both are tested."""
    [(significant, insignificant)] = pipeline_run.query(
        "select count(*) filter (where is_significant_change), "
        "count(*) filter (where not is_significant_change and nps_previous is not null) "
        "from marts.nps_by_period where period_grain = 'month'"
    )
    assert significant > 0
    assert insignificant > 0


def test_mart_nps_column_agrees_with_its_counts(pipeline_run):
    """The stored nps equals 100 * (promoters - detractors) / responses on every row."""
    [(worst,)] = pipeline_run.query(
        "select max(abs(nps - 100.0 * (count_promoters - count_detractors) / count_responses)) "
        "from marts.nps_by_period"
    )
    assert worst < 1e-9


def test_summary_prints_each_portals_nps_as_computed_from_the_source(pipeline_run, reference):
    """The summary `make demo` prints: all-time NPS and counts per portal, and the warehouse."""
    from orchestration.summary import SUMMARY_QUERY, format_summary

    counted, _, reasons = reference
    rows = pipeline_run.query(SUMMARY_QUERY)
    assert [row[0] for row in rows] == sorted(SOURCE_RESPONSE_TABLES)
    for portal, responses, nps, *_, quarantined in rows:
        scores = [response.score for response in counted if response.portal == portal]
        promoters = sum(score >= 9 for score in scores)
        detractors = sum(score <= 6 for score in scores)
        assert responses == len(scores)
        assert nps == pytest.approx(100 * (promoters - detractors) / len(scores), abs=1e-9)
        assert quarantined == sum(reasons[portal].values())
    text = format_summary(rows)
    for portal in SOURCE_RESPONSE_TABLES:
        assert portal in text
