"""Jobs over the asset graph."""

import dagster as dg

nps_pipeline_job = dg.define_asset_job(
    name="nps_pipeline",
    selection=dg.AssetSelection.all(),
    description=(
        "Copies every configured portal into the warehouse, validates the raw "
        "responses and builds and tests the dbt models up to the NPS marts."
    ),
)
