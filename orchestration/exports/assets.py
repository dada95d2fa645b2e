"""Files for tools that do not read the warehouse: the monthly NPS per portal."""

from pathlib import Path

import dagster as dg

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


def export_query(connection, sql: str, folder: Path, name: str) -> tuple[int, Path, Path]:
    """Writes the query's rows as ``<name>.csv`` and ``<name>.parquet``; returns the row count."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
    connection.execute(f"create or replace temp table _export as {sql}")
    (rows,) = connection.execute("select count(*) from _export").fetchone()
    # Written to a temporary name and renamed, so a reader never sees half a file.
    for path, options in ((csv_path, "format csv, header"), (parquet_path, "format parquet")):
        partial = path.with_suffix(path.suffix + ".partial")
        connection.execute(f"copy _export to {quote_literal(str(partial))} ({options})")
        partial.replace(path)
    connection.execute("drop table _export")
    return rows, csv_path, parquet_path


@dg.asset(
    key=dg.AssetKey(["exports", "monthly_nps_by_portal"]),
    deps=[dg.AssetKey(["marts", "nps_by_period"])],
    group_name=EXPORTS,
    owners=owners_of(EXPORTS),
    kinds={"csv", "parquet"},
    automation_condition=dg.AutomationCondition.eager(),
    description=(
        "The monthly NPS per portal with its 95 % interval, response rate and change, as "
        "CSV and Parquet files in NPS_EXPORT_DIR (default data/exports)."
    ),
)
def monthly_nps_by_portal(warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    with warehouse.connect() as connection:
        rows, csv_path, parquet_path = export_query(
            connection, MONTHLY_NPS_BY_PORTAL_SQL, export_dir(), "monthly_nps_by_portal"
        )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "csv": dg.MetadataValue.path(str(csv_path)),
            "parquet": dg.MetadataValue.path(str(parquet_path)),
        }
    )
