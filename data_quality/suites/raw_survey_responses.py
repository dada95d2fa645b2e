"""Expectations for ``raw.survey_responses``: the canonical responses as portals sent them.

Invalid scores are expected in raw data (they are quarantined downstream), so
the score expectation tolerates a small share of them; a larger share means a
broken portal or mapping rather than ordinary noise.
"""

import great_expectations as gx

from orchestration.ingest.contract import SURVEY_RESPONSES

SUITE_NAME = "raw_survey_responses"
VALID_SCORES = [str(score) for score in range(11)]
# Share of non-null scores that must be plain 0-10 integers.
MIN_VALID_SCORE_SHARE = 0.95


def build_suite() -> gx.ExpectationSuite:
    expectations = [
        gx.expectations.ExpectColumnToExist(column=column)
        for column in ("portal", *SURVEY_RESPONSES.columns)
    ]
    expectations += [
        gx.expectations.ExpectColumnValuesToNotBeNull(column="portal"),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="response_id"),
        gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=["portal", "response_id"]),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="score", value_set=VALID_SCORES, mostly=MIN_VALID_SCORE_SHARE
        ),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="responded_at", mostly=0.99),
    ]
    return gx.ExpectationSuite(name=SUITE_NAME, expectations=expectations)
