"""The part-by-part runner: the same answers as one Great Expectations run, in bounded memory."""

import duckdb
import great_expectations as gx
import pytest

from data_quality.runner import SuiteStatus, TableSuite, validate_table

ROWS = 2_000


@pytest.fixture
def connection() -> duckdb.DuckDBPyConnection:
    """A table with known defects: every 50th score is bad, ids 7 and 1507 repeat."""
    connection = duckdb.connect()
    connection.execute(
        f"""
        create table responses as
        select
            'p' || (i % 3) as portal,
            case when i = 1507 then '7' else cast(i as varchar) end as response_id,
            case when i % 50 = 0 then 'ten' else cast(i % 11 as varchar) end as score,
            i % 7 as hours_after_invitation
        from range({ROWS}) as t (i)
        """
    )
    yield connection
    connection.close()


def responses_suite(mostly: float = 1.0) -> TableSuite:
    return TableSuite(
        name="test_responses",
        description="test",
        query="select * from responses",
        key_columns=("portal", "response_id"),
        build_expectations=lambda: [
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="score",
                value_set=[str(score) for score in range(11)],
                mostly=mostly,
                severity="warning",
            ),
            gx.expectations.ExpectCompoundColumnsToBeUnique(
                column_list=["portal", "response_id"], severity="critical"
            ),
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="hours_after_invitation", min_value=0, max_value=5, severity="critical"
            ),
        ],
    )


def independent_counts(connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = connection.execute(
        "select portal, response_id, score, hours_after_invitation from responses"
    ).fetchall()
    keys = [(portal, response_id) for portal, response_id, _, _ in rows]
    return {
        "score": sum(score not in {str(value) for value in range(11)} for _, _, score, _ in rows),
        "unique": sum(keys.count(key) > 1 for key in keys),
        "hours": sum(not 0 <= hours <= 5 for *_, hours in rows),
    }


@pytest.mark.parametrize("part_rows", [ROWS * 10, 333, 41])
def test_counts_do_not_depend_on_the_parts(connection, part_rows):
    outcome = validate_table(connection, responses_suite(), part_rows=part_rows)
    expected = independent_counts(connection)
    score, unique, hours = outcome.outcomes

    assert outcome.row_count == ROWS
    assert outcome.part_count == -(-ROWS // part_rows)
    assert score.unexpected_count == expected["score"] == ROWS // 50
    # Duplicates are found however many parts the rows are split into.
    assert unique.unexpected_count == expected["unique"] == 2
    assert hours.unexpected_count == expected["hours"]
    assert score.unexpected_share == pytest.approx(expected["score"] / ROWS)
    assert {tuple(sorted(example)) for example in unique.examples} >= {("portal", "response_id")}
    assert all(example["response_id"] == "7" for example in unique.examples)


def test_status_follows_the_severity_of_what_failed(connection):
    outcome = validate_table(connection, responses_suite(), part_rows=500)
    assert outcome.status is SuiteStatus.FAILED  # the critical uniqueness rule failed

    connection.execute(
        "delete from responses where response_id = '7' or hours_after_invitation > 5"
    )
    warned = validate_table(connection, responses_suite(), part_rows=500)
    assert warned.status is SuiteStatus.WARNING
    assert [item.expectation for item in warned.failed] == ["expect_column_values_to_be_in_set"]

    tolerated = validate_table(connection, responses_suite(mostly=0.97), part_rows=500)
    assert tolerated.status is SuiteStatus.PASSED
    assert tolerated.outcomes[0].unexpected_count > 0


def test_the_combined_result_matches_one_great_expectations_run(connection):
    whole = validate_table(connection, responses_suite(mostly=0.99), part_rows=ROWS)
    split = validate_table(connection, responses_suite(mostly=0.99), part_rows=100)
    for one, parts in zip(
        whole.validation_result.results, split.validation_result.results, strict=True
    ):
        assert one.success == parts.success
        assert one.result["unexpected_count"] == parts.result["unexpected_count"]
        assert one.result["unexpected_percent"] == pytest.approx(parts.result["unexpected_percent"])
    assert whole.validation_result.success == split.validation_result.success


def test_an_empty_table_validates(connection):
    connection.execute("delete from responses")
    outcome = validate_table(connection, responses_suite())
    assert outcome.row_count == 0
    assert outcome.status is SuiteStatus.PASSED


def test_expectations_that_need_all_rows_are_refused(connection):
    suite = TableSuite(
        name="mean",
        description="",
        query="select * from responses",
        key_columns=("portal", "response_id"),
        build_expectations=lambda: [
            gx.expectations.ExpectColumnMeanToBeBetween(
                column="hours_after_invitation", max_value=3
            )
        ],
    )
    with pytest.raises(
        ValueError, match=r"expect_column_mean_to_be_between .* cannot be validated"
    ):
        validate_table(connection, suite)


def test_uniqueness_must_include_the_key(connection):
    suite = TableSuite(
        name="unique_score",
        description="",
        query="select * from responses",
        key_columns=("portal", "response_id"),
        build_expectations=lambda: [gx.expectations.ExpectColumnValuesToBeUnique(column="score")],
    )
    with pytest.raises(ValueError, match="must include the key columns"):
        validate_table(connection, suite)
