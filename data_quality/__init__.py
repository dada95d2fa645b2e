"""Great Expectations suites and a runner for the warehouse tables.

Knows nothing of Dagster: ``orchestration.quality`` wraps these as asset checks.
"""
