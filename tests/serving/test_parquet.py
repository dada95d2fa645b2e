"""The Parquet export: complete versions behind a link, partitions, and the manifest."""

import json
import os

import duckdb

from orchestration.serving.parquet import (
    LINK_NAME,
    MANIFEST_NAME,
    VERSIONS_DIR,
    export_parquet,
)
from orchestration.serving.publish import publish_serving_file
from tests.serving.conftest import write_marts


def test_export_writes_partitions_and_a_manifest_of_every_table(warehouse, tmp_path):
    """Partitioned tables get hive folders; the manifest names rows, columns and partitions."""
    serving = tmp_path / "nps.duckdb"
    publication = publish_serving_file(warehouse, serving, run_id="run-1").publication
    exported = export_parquet(serving, tmp_path / "exports")

    link = tmp_path / "exports" / LINK_NAME
    manifest = json.loads((link / MANIFEST_NAME).read_text())
    assert manifest == exported.manifest
    assert (manifest["run_id"], manifest["publication_id"]) == ("run-1", publication.publication_id)
    responses = manifest["tables"]["fct_survey_responses"]
    assert responses["rows"] == 1_000
    assert responses["partitioned_by"] == ["response_month"]
    assert sorted(path.name for path in (link / "fct_survey_responses").iterdir()) == [
        "response_month=2026-01-01",
        "response_month=2026-02-01",
        "response_month=2026-03-01",
    ]
    assert (link / "nps_by_period" / "period_grain=month").is_dir()
    with duckdb.connect() as connection:
        rows = connection.execute(
            f"select count(*), count(distinct response_id) from read_parquet("
            f"'{link}/fct_survey_responses/**/*.parquet', hive_partitioning = false)"
        ).fetchone()
    assert rows == (1_000, 1_000)


def test_new_export_moves_the_link_and_keeps_only_the_previous_version(warehouse, tmp_path):
    """Each export is a new folder; the link moves to it; at most two versions stay."""
    serving, exports = tmp_path / "nps.duckdb", tmp_path / "exports"
    targets = []
    for responses in (1_000, 2_000, 3_000):
        write_marts(warehouse, responses)
        publish_serving_file(warehouse, serving, run_id=f"run-{responses}")
        export_parquet(serving, exports)
        targets.append(os.readlink(exports / LINK_NAME))
        manifest = json.loads((exports / LINK_NAME / MANIFEST_NAME).read_text())
        assert manifest["tables"]["fct_survey_responses"]["rows"] == responses

    assert len(set(targets)) == 3
    kept = sorted(path.name for path in (exports / VERSIONS_DIR).iterdir())
    assert kept == sorted(os.path.basename(target) for target in targets[1:])
    assert not [path for path in exports.iterdir() if path.name.startswith(f".{LINK_NAME}.")]
