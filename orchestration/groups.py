"""Asset groups and their owners, as the Dagster UI shows them.

The groups follow the flow of the data: ingest (portal tables into the raw
layer), staging and intermediate (dbt's typed and validated layers), marts (the
tables for BI), quality (what was left out and why), exports (files for
other tools) and serving (the checked marts published for BI tools: a read-only
DuckDB file, a PostgreSQL schema, Parquet, the HTML report). Owners say whom
to ask about an asset; they are teams, not people.
"""

INGEST = "ingest"
STAGING = "staging"
INTERMEDIATE = "intermediate"
MARTS = "marts"
QUALITY = "quality"
EXPORTS = "exports"
SERVING = "serving"

DATA_ENGINEERING = "team:data-engineering"
ANALYTICS = "team:analytics"

OWNERS_BY_GROUP = {
    INGEST: [DATA_ENGINEERING],
    STAGING: [DATA_ENGINEERING],
    INTERMEDIATE: [DATA_ENGINEERING],
    MARTS: [ANALYTICS, DATA_ENGINEERING],
    QUALITY: [DATA_ENGINEERING, ANALYTICS],
    EXPORTS: [ANALYTICS],
    SERVING: [ANALYTICS, DATA_ENGINEERING],
}


def owners_of(group: str | None) -> list[str]:
    return list(OWNERS_BY_GROUP.get(group or "", [DATA_ENGINEERING]))
