"""Dagster asset checks that run the data_quality suites on the warehouse.

One check per suite, on the asset whose table it validates. A failed
expectation of severity critical fails the check with severity ERROR; on a
blocking check that stops every asset downstream (the dbt models after a raw
check, the publication for BI tools after a mart check). Failed warnings give a
WARN result and stop nothing. Every result carries the counts, shares and a few
example keys of each expectation with bad rows, and a link to its page in the
Data Docs site, which each check rebuilds.
"""

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import dagster as dg

from data_quality.docs import DataDocs
from data_quality.runner import SuiteOutcome, SuiteStatus, TableSuite, validate_table
from data_quality.suites import marts, raw
from orchestration.ingest.assets import canonical_asset_key
from orchestration.ingest.config import Portal
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import (
    freshness_max_age_hours,
    quality_as_of,
    quality_dir,
    raw_max_invalid_share,
    volume_band,
)

# Metadata stays readable in the UI: details for this many rules with bad rows
# (more than any suite has today).
MAX_DETAILED_RULES = 20


@dataclass(frozen=True)
class SuiteCheck:
    """Which suite validates which asset, and whether its failure stops what follows."""

    asset: dg.AssetKey
    build_suite: Callable[[raw.RawRules], TableSuite]
    blocking: bool


def raw_rules(portals: Sequence[Portal]) -> raw.RawRules:
    """The raw suites' rules from the portal configuration and the settings, read at run time."""
    low, high = volume_band()
    return raw.RawRules(
        portals=tuple(
            raw.PortalRules(
                portal=portal.name,
                live_since=portal.quality.live_since,
                touchpoints=portal.quality.touchpoints,
                channels=portal.quality.channels,
                response_window_days=portal.quality.response_window_days,
            )
            for portal in portals
        ),
        as_of=quality_as_of(),
        max_invalid_share=raw_max_invalid_share(),
        freshness_max_age_hours=freshness_max_age_hours(),
        volume_min_ratio=low,
        volume_max_ratio=high,
    )


SUITE_CHECKS = (
    SuiteCheck(canonical_asset_key("survey_responses"), raw.survey_responses_suite, True),
    SuiteCheck(canonical_asset_key("survey_invitations"), raw.survey_invitations_suite, True),
    SuiteCheck(canonical_asset_key("customers"), raw.customers_suite, True),
    SuiteCheck(canonical_asset_key("survey_responses"), raw.response_freshness_suite, False),
    SuiteCheck(canonical_asset_key("survey_responses"), raw.response_volume_suite, False),
    SuiteCheck(
        dg.AssetKey(["marts", "nps_by_period"]), lambda _: marts.nps_by_period_suite(), True
    ),
    SuiteCheck(dg.AssetKey(["marts", "nps_rolling"]), lambda _: marts.nps_rolling_suite(), True),
    SuiteCheck(
        dg.AssetKey(["marts", "quarantined_survey_responses"]),
        lambda _: marts.response_accounting_suite(),
        True,
    ),
)


def build_quality_checks(portals: Sequence[Portal]) -> list[dg.AssetChecksDefinition]:
    return [_build_check(suite_check, portals) for suite_check in SUITE_CHECKS]


def _build_check(suite_check: SuiteCheck, portals: Sequence[Portal]) -> dg.AssetChecksDefinition:
    # The suite's name and description are fixed; its rules are read at run time.
    template = suite_check.build_suite(raw_rules(portals))
    blocking_note = (
        " Blocks everything downstream when it fails." if suite_check.blocking else " Warns only."
    )

    @dg.asset_check(
        asset=suite_check.asset,
        name=f"great_expectations_{template.name}",
        description=f"Great Expectations suite {template.name}: {template.description}"
        + blocking_note,
        blocking=suite_check.blocking,
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: DuckDBWarehouse):
        suite = suite_check.build_suite(raw_rules(portals))
        with warehouse.connect(read_only=True) as connection:
            connection.execute(f"set memory_limit = '{_memory_limit()}'")
            outcome = validate_table(connection, suite)
        docs = DataDocs(quality_dir())
        page = docs.record(suite, outcome, run_name=context.run.run_id)
        context.log.info(f"Data Docs of {suite.name}: {page} (site: {docs.index_page})")
        return check_result(outcome, page, docs.index_page)

    return _check


def check_result(outcome: SuiteOutcome, page, index_page) -> dg.AssetCheckResult:
    status = outcome.status
    return dg.AssetCheckResult(
        passed=status is SuiteStatus.PASSED,
        severity=(
            dg.AssetCheckSeverity.ERROR
            if status is SuiteStatus.FAILED
            else dg.AssetCheckSeverity.WARN
        ),
        description=describe(outcome),
        metadata={
            **outcome_metadata(outcome),
            "data_docs_page": dg.MetadataValue.url(page.as_uri()),
            "data_docs_site": dg.MetadataValue.path(str(index_page)),
        },
    )


def describe(outcome: SuiteOutcome) -> str:
    """One line per failed expectation: what failed, how often, how severe."""
    if not outcome.failed:
        return f"{outcome.row_count:,} rows: every expectation holds."
    lines = [f"{outcome.row_count:,} rows, {len(outcome.failed)} expectations failed:"]
    for item in outcome.failed:
        counts = (
            f"{item.unexpected_count:,} rows ({item.unexpected_share:.2%})"
            if item.unexpected_count is not None
            else "not met"
        )
        lines.append(f"- {item.label} [{item.severity}]: {counts}")
    return "\n".join(lines)


def outcome_metadata(outcome: SuiteOutcome) -> dict[str, dg.MetadataValue]:
    """Counts per rule, so that the check's history plots in the UI.

    A raw rule and its tolerated twin count the same rows, so each rule with bad
    rows gets one set of entries: its count, share, a few example keys, and its
    verdict (``warning`` when only the strict form failed, ``error`` when the
    tolerated share was exceeded too).
    """
    metadata: dict[str, dg.MetadataValue] = {
        "status": dg.MetadataValue.text(outcome.status.value),
        "rows_validated": dg.MetadataValue.int(outcome.row_count),
        "parts": dg.MetadataValue.int(outcome.part_count),
        "expectations": dg.MetadataValue.int(len(outcome.outcomes)),
        "expectations_failed": dg.MetadataValue.int(len(outcome.failed)),
    }
    rules: dict[str, list] = {}
    for item in outcome.outcomes:
        if item.unexpected_count:
            rules.setdefault(item.label, []).append(item)
    for label, items in list(rules.items())[:MAX_DETAILED_RULES]:
        first = items[0]
        failed = {item.severity for item in items if not item.success}
        verdict = "error" if "critical" in failed else "warning" if failed else "tolerated"
        metadata[f"{label} unexpected_count"] = dg.MetadataValue.int(first.unexpected_count)
        metadata[f"{label} unexpected_share"] = dg.MetadataValue.float(
            round(first.unexpected_share or 0.0, 6)
        )
        metadata[f"{label} examples"] = dg.MetadataValue.json(
            json.loads(json.dumps(list(first.examples), default=str))
        )
        metadata[f"{label} verdict"] = dg.MetadataValue.text(verdict)
    return metadata


def _memory_limit() -> str:
    # The same cap as the dbt profile's, so a check never needs more than a model.
    value = os.environ.get("NPS_DUCKDB_MEMORY_LIMIT") or "1GB"
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)? ?[KMGT]i?B", value):
        raise ValueError(f"NPS_DUCKDB_MEMORY_LIMIT={value!r} is not a size such as 1GB or 512MB")
    return value
