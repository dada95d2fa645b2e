"""Expectation suites, written as code, one module per table."""
