"""Dagster orchestration of the NPS pipeline: ingest, dbt transform, quality checks."""
