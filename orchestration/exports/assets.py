"""Files for spreadsheets: the monthly NPS per portal as CSV.

Parquet of every mart, nps_by_period included, comes from the serving export
(orchestration/serving/parquet.py), made from the published, checked version.
"""

from pathlib import Path

import dagster as dg

from orchestration.automation.conditions import follows_checked_inputs
from orchestration.groups import EXPORTS, owners_of
from orchestration.ingest.sources import quote_literal
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import export_dir

# The monthly NPS per portal, all other dimensions summed: what a spreadsheet or a
# slide deck wants, with the interval and the significance of the change.
MONTHLY_NPS_BY_PORTAL_SQL = """
    select period_start, portal, count_responses, count_promoters, count_passives,
           count_detractors, nps, nps_ci_lower, nps_ci_upper, response_rate, nps_change,
           is_significant_change, is_small_sample
    from marts.nps_by_period
    where period_grain = 'month' and portal != 'all'
      and touchpoint = 'all' and channel = 'all' and customer_segment = 'all' and region = 'all'
    order by portal, period_start
"""


def export_csv(connection, sql: str, folder: Path, name: str) -> tuple[int, Path]:
    """Writes the query's rows as ``<name>.csv``; returns the row count and the path."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / f"{name}.csv"
    connection.execute(f"create or replace temp table _export as {sql}")
    (rows,) = connection.execute("select count(*) from _export").fetchone()
    # Written to a temporary name and renamed, so a reader never sees half a file.
    partial = csv_path.with_suffix(".csv.partial")
    connection.execute(f"copy _export to {quote_literal(str(partial))} (format csv, header)")
    partial.replace(csv_path)
    connection.execute("drop table _export")
    return rows, csv_path


@dg.asset(
    key=dg.AssetKey(["exports", "monthly_nps_by_portal"]),
    deps=[dg.AssetKey(["marts", "nps_by_period"])],
    group_name=EXPORTS,
    owners=owners_of(EXPORTS),
    kinds={"csv"},
    automation_condition=follows_checked_inputs(),
    description=(
        "The monthly NPS per portal with its 95 % interval, response rate and change, as "
        "monthly_nps_by_portal.csv in NPS_EXPORT_DIR (default data/exports)."
    ),
)
def monthly_nps_by_portal(warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    with warehouse.connect() as connection:
        rows, csv_path = export_csv(
            connection, MONTHLY_NPS_BY_PORTAL_SQL, export_dir(), "monthly_nps_by_portal"
        )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "csv": dg.MetadataValue.path(str(csv_path)),
        }
    )
