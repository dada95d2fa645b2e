"""The serving assets in the Definitions: gated on every mart, grouped, owned, in the job."""

from orchestration.serving.assets import (
    PARQUET_KEY,
    POSTGRES_KEY,
    REPORT_KEY,
    SERVING_FILE_KEY,
)

SERVING_KEYS = {SERVING_FILE_KEY, POSTGRES_KEY, PARQUET_KEY, REPORT_KEY}


def test_publication_depends_on_every_mart_and_the_outputs_on_the_publication():
    """Dagster runs the publication only after all marts (and their blocking checks)."""
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    assert len(marts) >= 12
    assert graph.get(SERVING_FILE_KEY).parent_keys == marts
    for key in (POSTGRES_KEY, PARQUET_KEY, REPORT_KEY):
        assert graph.get(key).parent_keys == {SERVING_FILE_KEY}


def test_serving_assets_are_grouped_owned_described_and_in_the_pipeline_job():
    """Group serving with its owners, a kind and a description each, selected by nps_pipeline."""
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    for key in SERVING_KEYS:
        node = graph.get(key)
        assert node.group_name == "serving"
        assert node.owners == ["team:analytics", "team:data-engineering"]
        assert node.kinds
        assert node.description
    job = defs.resolve_job_def("nps_pipeline")
    assert job.asset_layer.selected_asset_keys >= SERVING_KEYS
