"""Exporting the serving file's marts as Parquet, with a manifest, replaced in one step.

Layout under the export folder::

    marts -> .marts-versions/<version>/      (a symbolic link)
    .marts-versions/<version>/manifest.json   (<version>: built_at, publication, a token)
    .marts-versions/<version>/<table>/<partition>=<value>/data_0.parquet
    .marts-versions/<version>/<table>/data_0.parquet         (unpartitioned tables)

Each version is written completely into its own folder first; then the link
``marts`` is replaced by a new link in one rename, so a reader that resolves
``marts/`` always gets one complete version. The version before stays on disk
(a reader may still be in the middle of it); older ones are removed.

Large tables are partitioned hive-style by the column people filter on
(``period_grain=month/``), and every file also holds its partition columns,
so a tool that ignores the folder names still gets every column.
"""

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.sources import quote_identifier, quote_literal
from orchestration.serving.publish import MARTS_SCHEMA, Publication, list_tables, read_publication

LINK_NAME = "marts"
VERSIONS_DIR = ".marts-versions"
MANIFEST_NAME = "manifest.json"
VERSIONS_KEPT = 2
SERVING_ALIAS = "serving_file"


@dataclass(frozen=True)
class Partitioning:
    """How one table is split into folders; ``derived`` columns are added for it."""

    columns: tuple[str, ...]
    derived: tuple[tuple[str, str], ...] = ()  # (column, SQL expression)


# Month folders for the facts (a BI tool reads the months it filters on), the
# grain or window for the NPS tables (every query picks exactly one).
PARTITIONING: dict[str, Partitioning] = {
    "fct_survey_responses": Partitioning(
        ("response_month",), (("response_month", "date_trunc('month', response_date)"),)
    ),
    "fct_survey_invitations": Partitioning(
        ("sent_month",), (("sent_month", "date_trunc('month', sent_date)"),)
    ),
    "nps_daily_counts": Partitioning(
        ("activity_month",), (("activity_month", "date_trunc('month', activity_date)"),)
    ),
    "nps_by_period": Partitioning(("period_grain",)),
    "nps_rolling": Partitioning(("window_days",)),
    "nps_theme_impact": Partitioning(("period_grain",)),
}


@dataclass(frozen=True)
class ParquetExport:
    link: Path
    version_dir: Path
    manifest: dict
    size_bytes: int


def version_name(publication: Publication) -> str:
    """Names a version by its publication, plus a token: a re-export never overwrites one."""
    stamp = f"{publication.built_at:%Y%m%dT%H%M%S}-{publication.publication_id[:8]}"
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


def export_select(source: str, partitioning: Partitioning | None) -> str:
    derived = "".join(
        f", cast({expression} as date) as {quote_identifier(column, 'duckdb')}"
        for column, expression in (partitioning.derived if partitioning else ())
    )
    return f"select *{derived} from {source}"


def write_table(
    connection: duckdb.DuckDBPyConnection, table: str, folder: Path
) -> tuple[int, list[dict]]:
    """Writes one mart into ``folder``; returns its rows and columns."""
    source = f"{SERVING_ALIAS}.{MARTS_SCHEMA}.{quote_identifier(table, 'duckdb')}"
    partitioning = PARTITIONING.get(table)
    query = export_select(source, partitioning)
    if partitioning:
        columns = ", ".join(quote_identifier(column, "duckdb") for column in partitioning.columns)
        target = quote_literal(str(folder))
        options = f"format parquet, partition_by ({columns}), write_partition_columns true"
    else:
        folder.mkdir()
        target = quote_literal(str(folder / "data_0.parquet"))
        options = "format parquet"
    connection.execute(f"copy ({query}) to {target} ({options})")
    described = connection.execute(f"describe {query}").fetchall()
    columns = [{"name": name, "type": kind} for name, kind, *_ in described]
    (rows,) = connection.execute(f"select count(*) from {source}").fetchone()
    return rows, columns


def build_manifest(publication: Publication, tables: dict[str, dict]) -> dict:
    return {
        "built_at": publication.built_at.isoformat() + "Z",
        "run_id": publication.run_id,
        "publication_id": publication.publication_id,
        "format": "parquet",
        "tables": tables,
    }


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def point_link_at(link: Path, target: Path) -> None:
    """Replaces ``link`` by a symbolic link to ``target`` in one rename."""
    if link.exists() and not link.is_symlink():
        raise FileExistsError(f"{link} exists and is not a link; move it away to export there")
    temporary = link.with_name(f".{link.name}.{uuid.uuid4().hex[:12]}.link")
    temporary.symlink_to(os.path.relpath(target, link.parent), target_is_directory=True)
    try:
        os.replace(temporary, link)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def remove_old_versions(versions: Path, keep: set[Path]) -> None:
    """Deletes every version folder but the newest ``VERSIONS_KEPT``, never one in ``keep``."""
    folders = sorted(
        (path for path in versions.iterdir() if path.is_dir() and not path.name.startswith(".")),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    for folder in folders[VERSIONS_KEPT:]:
        if folder.resolve() not in keep:
            shutil.rmtree(folder, ignore_errors=True)


def export_parquet(serving_path: Path, export_dir: Path) -> ParquetExport:
    """Writes every mart of the serving file as Parquet and points ``marts`` at the new version."""
    versions = export_dir / VERSIONS_DIR
    versions.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as connection:
        connection.execute(
            f"attach {quote_literal(str(serving_path))} as {SERVING_ALIAS} (read_only)"
        )
        with connection.cursor() as reader:
            reader.execute(f"use {SERVING_ALIAS}")
            publication = read_publication(reader)
        final = versions / version_name(publication)
        building = versions / f".{final.name}.{uuid.uuid4().hex[:8]}.building"
        building.mkdir()
        try:
            tables = {}
            for table in list_tables(connection, SERVING_ALIAS, MARTS_SCHEMA):
                rows, columns = write_table(connection, table, building / table)
                partitioning = PARTITIONING.get(table)
                tables[table] = {
                    "path": f"{table}/",
                    "rows": rows,
                    "columns": columns,
                    "partitioned_by": list(partitioning.columns) if partitioning else [],
                    "derived_columns": dict(partitioning.derived) if partitioning else {},
                }
            manifest = build_manifest(publication, tables)
            (building / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1) + "\n")
            building.rename(final)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    link = export_dir / LINK_NAME
    previous = link.resolve() if link.is_symlink() else None
    point_link_at(link, final)
    remove_old_versions(versions, keep={final.resolve(), *([previous] if previous else [])})
    return ParquetExport(link, final, manifest, folder_size(final))
