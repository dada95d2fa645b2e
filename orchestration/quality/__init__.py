"""Great Expectations suites from data_quality as Dagster asset checks."""
