"""Headline figures of the marts, recorded with each materialization.

Dagster plots numeric materialization metadata over time, so these numbers give
analysts the history of the NPS and of the quarantine share in the UI, next to
the lineage. They are read after dbt has finished, when the warehouse is free.
"""

from dataclasses import dataclass

import duckdb

MARTS_SCHEMA = "marts"


@dataclass(frozen=True)
class MartFigures:
    rows: dict[str, int]  # mart table -> rows
    counted_responses: int
    quarantined_responses: int
    overall_nps: float | None  # all portals, all time
    share_quarantined: float | None  # quarantined / raw responses


def read_mart_figures(connection: duckdb.DuckDBPyConnection, marts: list[str]) -> MartFigures:
    """Row counts of ``marts`` and the overall NPS and quarantine share."""
    existing = {
        name
        for (name,) in connection.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [MARTS_SCHEMA],
        ).fetchall()
    }
    rows = {
        name: connection.execute(f'select count(*) from {MARTS_SCHEMA}."{name}"').fetchone()[0]
        for name in marts
        if name in existing
    }
    counted, promoters, detractors = 0, 0, 0
    if "fct_survey_responses" in existing:
        counted, promoters, detractors = connection.execute(
            "select count(*), count(*) filter (where is_promoter), "
            "count(*) filter (where is_detractor) from marts.fct_survey_responses"
        ).fetchone()
    quarantined = rows.get("quarantined_survey_responses")
    if quarantined is None and "quarantined_survey_responses" in existing:
        (quarantined,) = connection.execute(
            "select count(*) from marts.quarantined_survey_responses"
        ).fetchone()
    quarantined = quarantined or 0
    return MartFigures(
        rows=rows,
        counted_responses=counted,
        quarantined_responses=quarantined,
        overall_nps=nps(promoters, detractors, counted),
        share_quarantined=share(quarantined, counted + quarantined),
    )


def nps(promoters: int, detractors: int, responses: int) -> float | None:
    if not responses:
        return None
    return round(100 * (promoters - detractors) / responses, 4)


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def figures_metadata(figures: MartFigures, mart: str) -> dict[str, float | int]:
    """The metadata recorded with one mart's materialization (numbers only, so they plot)."""
    metadata: dict[str, float | int] = {}
    if mart in figures.rows:
        # Dagster's standard key: the UI shows it as the table's row count.
        metadata["dagster/row_count"] = figures.rows[mart]
    if figures.overall_nps is not None:
        metadata["overall_nps"] = figures.overall_nps
    if figures.share_quarantined is not None:
        metadata["share_quarantined"] = figures.share_quarantined
    metadata["counted_responses"] = figures.counted_responses
    metadata["quarantined_responses"] = figures.quarantined_responses
    return metadata
