"""Prints where the warehouse is and a short NPS summary per portal.

Run after the pipeline (``make demo`` does): ``python -m orchestration.summary``.
"""

import sys

import duckdb

from orchestration.settings import warehouse_path

SUMMARY_QUERY = """
with

months as (
    select * from marts.nps_by_period where period_grain = 'month'
),

per_portal_month as (
    select
        portal,
        period_start,
        sum(count_responses) as count_responses,
        sum(count_promoters) as count_promoters,
        sum(count_detractors) as count_detractors
    from months
    group by portal, period_start
),

ranked as (
    select
        *,
        row_number() over (partition by portal order by period_start desc) as recency
    from per_portal_month
),

overall as (
    select
        portal,
        sum(count_responses) as count_responses,
        sum(count_promoters) as count_promoters,
        sum(count_detractors) as count_detractors
    from per_portal_month
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
    100.0 * (latest.count_promoters - latest.count_detractors)
    / latest.count_responses as nps_latest_month,
    coalesce(quarantined.count_quarantined, 0) as count_quarantined
from overall
inner join ranked as latest on overall.portal = latest.portal and latest.recency = 1
left join quarantined on overall.portal = quarantined.portal
order by overall.portal
"""


def format_summary(rows: list[tuple]) -> str:
    header = (
        f"{'portal':<12} {'responses':>9} {'NPS':>6}   {'latest month':<12} "
        f"{'responses':>9} {'NPS':>6}   {'quarantined':>11}"
    )
    lines = [header, "-" * len(header)]
    for portal, responses, nps, month, month_responses, month_nps, quarantined in rows:
        lines.append(
            f"{portal:<12} {responses:>9,} {nps:>+6.1f}   {month!s:<12} "
            f"{month_responses:>9,} {month_nps:>+6.1f}   {quarantined:>11,}"
        )
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
        "NPS tables: marts.nps_by_period, marts.fct_survey_responses, "
        "marts.quarantined_survey_responses"
    )
    print()
    print(format_summary(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
