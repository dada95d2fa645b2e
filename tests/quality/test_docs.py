"""The Data Docs site: built from stored validations, latest first, readable offline."""

import re

import duckdb
import great_expectations as gx

from data_quality.docs import DataDocs, make_offline
from data_quality.runner import TableSuite, validate_table


def scores_suite() -> TableSuite:
    return TableSuite(
        name="docs_scores",
        description="scores 0-10",
        query="select * from scores",
        key_columns=("response_id",),
        build_expectations=lambda: [
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="score", min_value=0, max_value=10, severity="warning"
            )
        ],
    )


def test_site_lists_the_latest_validation_first_and_needs_no_network(tmp_path):
    connection = duckdb.connect()
    connection.execute(
        "create table scores as "
        "select cast(i as varchar) as response_id, i % 12 as score from range(100) t (i)"
    )
    docs = DataDocs(tmp_path / "quality", keep_per_suite=2)
    suite = scores_suite()
    pages = [
        docs.record(suite, validate_table(connection, suite), run_name=f"run-{n}") for n in range(3)
    ]

    index = docs.index_page.read_text(encoding="utf-8")
    # The newest run heads the "latest" table; only the two newest are kept.
    latest_section = index.split("Latest validation of each suite")[1].split("All kept")[0]
    assert "run-2" in latest_section
    assert "run-1" not in latest_section
    assert "run-0" not in index
    assert "run-1" in index
    assert not pages[0].exists()
    assert pages[2].exists()
    assert ">warning<" in latest_section

    page = pages[2].read_text(encoding="utf-8")
    assert "run-2" in page
    assert "docs_scores" in page
    # Scores are i % 12 for i < 100: eight rows hold 11, out of the range 0-10.
    assert "8 unexpected values found" in page
    for html_file in docs.site_dir.rglob("*.html"):
        text = html_file.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=\"https?://", text), html_file
        assert not re.search(r"url\(['\"]?https?://", text), html_file


def test_make_offline_removes_external_resources_only():
    page = (
        '<html><head><link rel="stylesheet" href="https://cdn.example/x.css">'
        '<link rel="icon" href="static/images/favicon.ico"></head>'
        '<body><script src="https://cdn.example/x.js"></script>'
        '<img src="https://s3.example/logo.png?id=1"><a href="index.html">Home</a></body></html>'
    )
    offline = make_offline(page)
    assert "https://" not in offline
    assert 'href="static/images/favicon.ico"' in offline
    assert 'href="index.html"' in offline
