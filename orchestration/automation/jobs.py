"""Jobs over the asset graph."""

import dagster as dg

# Every run that writes the warehouse carries this tag; dagster.yaml lets one such
# run proceed at a time, because DuckDB admits a single writing process.
WAREHOUSE_WRITER_TAG = "nps/warehouse_writer"
WAREHOUSE_WRITER_TAGS = {WAREHOUSE_WRITER_TAG: "duckdb"}

nps_pipeline_job = dg.define_asset_job(
    name="nps_pipeline",
    selection=dg.AssetSelection.all(),
    description=(
        "Copies every configured portal into the warehouse, validates the raw "
        "responses, builds and tests the dbt models up to the NPS marts, and publishes "
        "the checked marts for BI tools (serving file, PostgreSQL, Parquet, report)."
    ),
    tags=WAREHOUSE_WRITER_TAGS,
)
