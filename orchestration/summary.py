"""Prints where the warehouse is and a short NPS summary per portal.

Run after the pipeline (``make demo`` does): ``python -m orchestration.summary``.
"""

import sys

import duckdb

from orchestration.settings import export_dir, quality_dir, warehouse_path

# Where Great Expectations builds its site inside the quality directory.
DATA_DOCS_INDEX = "gx/uncommitted/data_docs/local_site/index.html"

SUMMARY_QUERY = """
with

portal_months as (
    select *
    from marts.nps_by_period
    where
        period_grain = 'month'
        and portal != 'all'
        and touchpoint = 'all'
        and channel = 'all'
        and customer_segment = 'all'
        and region = 'all'
),

last_response as (
    select portal, max(response_date) as last_response_date
    from marts.fct_survey_responses
    group by portal
),

-- The latest month that the data covers to its end: a month that has only
-- begun would show a handful of responses.
latest_complete as (
    select
        portal_months.*,
        row_number() over (
            partition by portal_months.portal order by portal_months.period_start desc
        ) as recency
    from portal_months
    inner join last_response on portal_months.portal = last_response.portal
    where portal_months.period_end <= last_response.last_response_date
),

overall as (
    select
        portal,
        sum(count_responses) as count_responses,
        sum(count_promoters) as count_promoters,
        sum(count_detractors) as count_detractors
    from portal_months
    group by portal
),

quarantined as (
    select portal, count(*) as count_quarantined
    from marts.quarantined_survey_responses
    group by portal
)

select
    overall.portal,
    overall.count_responses,
    100.0 * (overall.count_promoters - overall.count_detractors)
    / overall.count_responses as nps_all_time,
    latest.period_start as latest_month,
    latest.count_responses as latest_month_responses,
    latest.nps as nps_latest_month,
    latest.nps_ci_lower,
    latest.nps_ci_upper,
    coalesce(quarantined.count_quarantined, 0) as count_quarantined
from overall
left join latest_complete as latest on overall.portal = latest.portal and latest.recency = 1
left join quarantined on overall.portal = quarantined.portal
order by overall.portal
"""


def format_summary(rows: list[tuple]) -> str:
    """One line per portal: all-time NPS, the latest complete month with its 95 % interval."""
    header = (
        f"{'portal':<12} {'responses':>9} {'NPS':>6}   {'month':<10} {'responses':>9} "
        f"{'NPS':>6} {'95 % interval':>15}   {'quarantined':>11}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        portal, responses, nps, month, month_responses, month_nps, lower, upper, quarantined = row
        latest = (
            f"{month!s:<10} {month_responses:>9,} {month_nps:>+6.1f} "
            f"{f'{lower:+.1f} to {upper:+.1f}':>15}"
            if month is not None
            else f"{'-':<10} {'':>9} {'':>6} {'':>15}"
        )
        lines.append(f"{portal:<12} {responses:>9,} {nps:>+6.1f}   {latest}   {quarantined:>11,}")
    return "\n".join(lines)


def main() -> int:
    path = warehouse_path()
    if not path.exists():
        print(f"No warehouse at {path}: run the pipeline first (make demo).", file=sys.stderr)
        return 1
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute(SUMMARY_QUERY).fetchall()
    print(f"Warehouse: {path}")
    print(
        "Marts: nps_by_period, nps_rolling, nps_daily_counts, fct_survey_responses, "
        "fct_survey_invitations, quarantined_survey_responses"
    )
    print(
        "Comments and follow-up: comment_themes, nps_theme_impact, detractor_followups, "
        f"repeat_respondent_movements; queue exports in {export_dir()}"
    )
    data_docs = quality_dir() / DATA_DOCS_INDEX
    if data_docs.exists():
        print(f"Data Docs (data-quality validations): {data_docs}")
    print()
    print(format_summary(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
