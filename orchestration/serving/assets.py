"""Serving assets: the checked marts published for BI tools.

The publication depends on every mart, so Dagster runs it only when all of
them were built and no blocking check stopped the run (a failed blocking asset
check or a failed dbt test skips everything downstream). The PostgreSQL schema,
the Parquet export and the report are made from the published file, not from
the working warehouse: they always show one and the same checked version, and
they never hold the warehouse open.
"""

from collections.abc import Iterator, Sequence
from pathlib import Path

import dagster as dg

from orchestration.automation.conditions import follows_checked_inputs
from orchestration.groups import SERVING, owners_of
from orchestration.resources import DuckDBWarehouse
from orchestration.serving.parquet import export_parquet
from orchestration.serving.postgres import publish_to_postgres
from orchestration.serving.publish import publish_serving_file
from orchestration.serving.report import build_report
from orchestration.settings import (
    SERVING_PG_URL_ENV,
    export_dir,
    report_path,
    serving_path,
    serving_pg_schema,
    serving_pg_url,
)

SERVING_FILE_KEY = dg.AssetKey(["serving", "marts_duckdb"])
POSTGRES_KEY = dg.AssetKey(["serving", "marts_postgres"])
PARQUET_KEY = dg.AssetKey(["serving", "marts_parquet"])
REPORT_KEY = dg.AssetKey(["serving", "nps_report"])


def serving_asset(
    key: dg.AssetKey, kinds: set[str], description: str, deps=(SERVING_FILE_KEY,), **options
):
    """``dg.asset`` with what every serving asset shares: group, owners, automation, inputs.

    The outputs depend on the published file by default; they follow it eagerly,
    like the exports follow the marts.
    """
    return dg.asset(
        key=key,
        deps=list(deps),
        group_name=SERVING,
        owners=owners_of(SERVING),
        kinds=kinds,
        automation_condition=follows_checked_inputs(),
        description=description,
        **options,
    )


def build_serving_assets(mart_keys: Sequence[dg.AssetKey]) -> list[dg.AssetsDefinition]:
    """The publication (gated on every mart) and the three outputs made from it."""

    @serving_asset(
        SERVING_FILE_KEY,
        {"duckdb"},
        deps=mart_keys,
        description=(
            "Every mart copied into a separate read-only DuckDB file for BI tools "
            "(NPS_SERVING_PATH, default data/serving/nps.duckdb), which replaces the previous "
            "version in one rename once all marts are built and their blocking checks passed. "
            "Schema serving records when and from which run it was built, with row counts."
        ),
    )
    def marts_duckdb(
        context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse
    ) -> dg.MaterializeResult:
        published = publish_serving_file(Path(warehouse.path), serving_path(), context.run_id)
        publication = published.publication
        context.log.info(
            "published %d tables (%d rows) to %s in %.2f s",
            len(publication.row_counts),
            sum(publication.row_counts.values()),
            published.path,
            published.seconds,
        )
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(published.path)),
                "publication_id": publication.publication_id,
                "built_at": publication.built_at.isoformat() + "Z",
                "dagster/row_count": sum(publication.row_counts.values()),
                "tables": dg.MetadataValue.json(publication.row_counts),
                "size_bytes": dg.MetadataValue.int(published.size_bytes),
                "seconds": dg.MetadataValue.float(round(published.seconds, 3)),
            }
        )

    return [marts_duckdb, marts_postgres, marts_parquet, nps_report]


@serving_asset(
    POSTGRES_KEY,
    {"postgres"},
    output_required=False,
    description=(
        "The published marts in a PostgreSQL schema (NPS_SERVING_PG_SCHEMA, default nps) of "
        f"the database in {SERVING_PG_URL_ENV}, replaced in one transaction; nothing is "
        "published while the variable is unset."
    ),
)
def marts_postgres(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
    url = serving_pg_url()
    if url is None:
        context.log.info("%s is not set; nothing is published to PostgreSQL.", SERVING_PG_URL_ENV)
        return
    published = publish_to_postgres(serving_path(), url, serving_pg_schema())
    context.log.info(
        "published %d tables to schema %s of the %s in %.2f s",
        len(published.row_counts),
        published.schema,
        published.database,
        published.seconds,
    )
    yield dg.MaterializeResult(
        metadata={
            "schema": published.schema,
            "database": published.database,
            "tables": dg.MetadataValue.json(published.row_counts),
            "seconds": dg.MetadataValue.float(round(published.seconds, 3)),
            "previous_version_dropped": published.previous_version_dropped,
        }
    )


@serving_asset(
    PARQUET_KEY,
    {"parquet"},
    description=(
        "The published marts as Parquet in NPS_EXPORT_DIR/marts/ (default data/exports/marts), "
        "one folder per table, the large ones partitioned hive-style (period_grain, month), "
        "with manifest.json; a new version replaces the link marts in one rename."
    ),
)
def marts_parquet(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    exported = export_parquet(serving_path(), export_dir())
    tables = exported.manifest["tables"]
    context.log.info("exported %d tables to %s", len(tables), exported.version_dir)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(exported.link)),
            "version": exported.version_dir.name,
            "dagster/row_count": sum(table["rows"] for table in tables.values()),
            "size_bytes": dg.MetadataValue.int(exported.size_bytes),
        }
    )


@serving_asset(
    REPORT_KEY,
    {"html"},
    description=(
        "A self-contained HTML report of the published marts (NPS_REPORT_PATH, default "
        "data/exports/nps_report.html): monthly NPS per portal with its 95 % band, NPS by "
        "segment with small samples marked, response rate, top detractor themes."
    ),
)
def nps_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    path = report_path()
    data = build_report(serving_path(), path)
    context.log.info("wrote the report for publication %s", data.publication.publication_id)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "publication_id": data.publication.publication_id,
            "size_bytes": dg.MetadataValue.int(path.stat().st_size),
        }
    )
