"""The follow-up queue exported as files for a CRM."""

import dagster as dg

from orchestration.automation.conditions import follows_checked_inputs
from orchestration.followups.export import export_queue, read_queue
from orchestration.groups import EXPORTS, owners_of
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import export_dir

QUEUE_ASSET_KEY = dg.AssetKey(["marts", "detractor_followups"])


@dg.asset(
    key=dg.AssetKey(["exports", "detractor_followups"]),
    deps=[QUEUE_ASSET_KEY],
    group_name=EXPORTS,
    owners=owners_of(EXPORTS),
    kinds={"csv", "json"},
    automation_condition=follows_checked_inputs(),
    description=(
        "The follow-up queue (marts.detractor_followups) as detractor_followups.csv and "
        "detractor_followups.json in the export folder (NPS_EXPORT_DIR, default data/exports)."
    ),
)
def detractor_followups_export(warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as connection:
        snapshot = read_queue(connection)
    paths = export_queue(snapshot, export_dir())
    overdue = sum(1 for row in snapshot.rows if row[snapshot.columns.index("is_overdue")])
    return dg.MaterializeResult(
        metadata={
            "rows": dg.MetadataValue.int(len(snapshot.rows)),
            "overdue": dg.MetadataValue.int(overdue),
            "csv": dg.MetadataValue.path(str(paths["csv"])),
            "json": dg.MetadataValue.path(str(paths["json"])),
        }
    )
