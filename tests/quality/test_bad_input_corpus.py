"""The pipeline survives the bad-input corpus: it completes, quarantines each bad
row with the right reason, loses nothing, keeps hostile text intact (or repaired
as documented), and its checks report the defects with the expected counts.

One pipeline run per session (``bad_input_run`` in ``conftest.py``).
"""

import html
import json
import sqlite3
from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from orchestration.settings import DBT_PROJECT_DIR
from tests.quality import bad_input_corpus as corpus
from tests.quality.conftest import RAW_CHECK_NAME, RAW_CHECKED_ENTITIES

pytestmark = pytest.mark.integration

# dbt tests that warn on this corpus (and only on it): name -> the defect they count.
EXPECTED_WARNINGS = {
    "source_not_null_portals_customers_customer_id": ("customers", "customer_id_null"),
    "source_unique_combination_portals_customers_portal__customer_id": (
        "customers",
        "customer_id_duplicated_ids",
    ),
    "source_not_null_portals_survey_invitations_invitation_id": (
        "survey_invitations",
        "invitation_id_null",
    ),
    "source_unique_combination_portals_survey_invitations_portal__invitation_id": (
        "survey_invitations",
        "invitation_id_duplicated_ids",
    ),
    "accepted_values_stg_portals__detractor_followups_followup_status__open__contacted__resolved": (
        "detractor_followups",
        "status_unknown",
    ),
}


# Great Expectations checks that warn on this corpus: the share of bad rows is
# tolerated by the run's setting, the newest response is months old.
EXPECTED_GE_WARNINGS = (
    "great_expectations_raw_customers",
    "great_expectations_raw_survey_invitations",
    "great_expectations_raw_survey_responses",
    "great_expectations_raw_response_freshness",
)
# (check, expectation label in its metadata) -> the defect kinds it counts, added up.
GE_COUNTS = {
    ("great_expectations_raw_customers", "expect_column_values_to_not_be_null[customer_id]"): [
        ("customers", "customer_id_null")
    ],
    (
        "great_expectations_raw_customers",
        "expect_compound_columns_to_be_unique[portal,customer_id]",
    ): [("customers", "customer_id_repeated_rows_null_included")],
    (
        "great_expectations_raw_survey_invitations",
        "expect_column_values_to_not_be_null[invitation_id]",
    ): [("survey_invitations", "invitation_id_null")],
    (
        "great_expectations_raw_survey_invitations",
        "expect_compound_columns_to_be_unique[portal,invitation_id]",
    ): [("survey_invitations", "invitation_id_repeated_rows_null_included")],
    (
        "great_expectations_raw_survey_invitations",
        "expect_column_values_to_not_be_null[sent_at]",
    ): [("survey_invitations", "sent_at_unparseable")],
    (
        "great_expectations_raw_survey_invitations",
        "expect_column_values_to_be_between[days_after_portal_start]",
    ): [("survey_invitations", "sent_before_portal_existed")],
    (
        "great_expectations_raw_survey_invitations",
        "expect_column_values_to_be_in_set[portal_touchpoint]",
    ): [("survey_invitations", "unknown_touchpoint")],
    (
        "great_expectations_raw_survey_invitations",
        "expect_column_values_to_be_in_set[portal_channel]",
    ): [("survey_invitations", "unknown_channel")],
    (
        "great_expectations_raw_survey_responses",
        "expect_column_values_to_not_be_null[response_id]",
    ): [("survey_responses", "response_id_null")],
    (
        "great_expectations_raw_survey_responses",
        "expect_compound_columns_to_be_unique[portal,response_id]",
    ): [("survey_responses", "response_id_repeated_rows_null_included")],
    (
        "great_expectations_raw_survey_responses",
        "expect_column_values_to_match_regex[score]",
    ): [("survey_responses", "score_unreadable")],
    (
        "great_expectations_raw_survey_responses",
        "expect_column_values_to_not_be_null[responded_at]",
    ): [("survey_responses", "responded_at_unreadable")],
    (
        "great_expectations_raw_survey_responses",
        "expect_column_values_to_be_between[hours_after_clock]",
    ): [("survey_responses", "responded_in_future")],
    (
        "great_expectations_raw_survey_responses",
        "expect_column_values_to_be_between[days_after_portal_start]",
    ): [("survey_responses", "responded_before_portal_existed")],
    (
        "great_expectations_raw_survey_responses",
        "expect_column_values_to_be_between[hours_after_invitation]",
    ): [("survey_responses", "responded_before_invitation")],
    (
        "great_expectations_raw_survey_responses",
        "expect_column_values_to_be_between[days_beyond_response_window]",
    ): [("survey_responses", "responded_long_after_invitation")],
}


def _dump(database: Path) -> list[tuple]:
    """Every row of every table, text as its stored bytes and numbers as numbers."""
    connection = sqlite3.connect(database)
    connection.text_factory = bytes
    try:
        tables = [
            name.decode()
            for (name,) in connection.execute(
                "select name from sqlite_master where type = 'table' order by name"
            )
        ]
        return [
            (table, *row)
            for table in tables
            for row in connection.execute(f'select * from "{table}"').fetchall()
        ]
    finally:
        connection.close()


def test_corpus_is_the_same_on_every_write(tmp_path):
    """No clock and no randomness: two writes give the same rows and expectation."""
    first = corpus.write_bad_input_corpus(tmp_path / "first")
    second = corpus.write_bad_input_corpus(tmp_path / "second")
    assert _dump(first.database) == _dump(second.database)
    assert first.responses == second.responses
    assert first.defect_counts == second.defect_counts


def test_corpus_covers_every_quarantine_reason_of_the_model(bad_input_corpus):
    """Each reason the model's accepted_values list allows occurs at least once."""
    models = yaml.safe_load(
        (DBT_PROJECT_DIR / "models/intermediate/_intermediate__models.yml").read_text()
    )
    (model,) = [m for m in models["models"] if m["name"] == "int_survey_responses_validated"]
    (column,) = [c for c in model["columns"] if c["name"] == "quarantine_reason"]
    (test,) = [t for t in column["data_tests"] if "accepted_values" in t]
    known = set(test["accepted_values"]["arguments"]["values"])
    assert known <= set(bad_input_corpus.reasons)
    assert bad_input_corpus.reasons[None] > 0, "the corpus needs counted responses for an NPS"


def test_corpus_holds_every_hostile_kind(bad_input_corpus):
    """The file really holds what the expectation claims: bad bytes, NUL, long text."""
    connection = sqlite3.connect(bad_input_corpus.database)
    connection.text_factory = bytes
    remarks = [row[0] for row in connection.execute("select remark from answers")]
    kinds = dict(connection.execute("select typeof(score), count(*) from answers group by 1"))
    connection.close()

    def not_utf8(value: bytes | None) -> bool:
        try:
            (value or b"").decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False

    counts = bad_input_corpus.defect_counts["survey_responses"]
    assert sum(not_utf8(r) for r in remarks) == counts["comment_invalid_utf8"] == 4
    assert sum(b"\x00" in (r or b"") for r in remarks) == counts["comment_with_nul"]
    assert max(len((r or b"").decode("utf-8", "replace")) for r in remarks) == 10_000
    assert {b"integer", b"real", b"text", b"null"} <= set(kinds)


def test_run_completes_without_a_failed_step(bad_input_run):
    """Every asset of the job is materialized; nothing crashes."""
    result = bad_input_run.result
    failures = [event.step_key for event in result.all_events if event.is_step_failure]
    assert failures == []
    assert result.success
    materialized = {
        "/".join(event.asset_key.path) for event in result.get_asset_materialization_events()
    }
    for key in (
        "raw/bad_input__survey_responses",
        "marts/quarantined_survey_responses",
        "marts/fct_survey_responses",
        "marts/nps_rolling",
        "exports/detractor_followups",
        "serving/marts_duckdb",
        "serving/nps_report",
    ):
        assert key in materialized


def test_every_raw_response_gets_its_expected_outcome(bad_input_run):
    """Per response id, the quarantine reasons (None: counted) equal the expectation."""
    rows = bad_input_run.query(
        "select response_id, quarantine_reason from marts.quarantined_survey_responses "
        "where portal = ? "
        "union all "
        "select response_id, null from marts.fct_survey_responses where portal = ?",
        [corpus.PORTAL, corpus.PORTAL],
    )
    assert Counter(rows) == bad_input_run.expectation.reasons_by_response_id


def test_raw_responses_are_counted_or_quarantined_and_none_lost(bad_input_run):
    """raw = counted + quarantined, and raw = the rows of the portal's table."""
    ((raw, counted, quarantined),) = bad_input_run.query(
        "select "
        "(select count(*) from raw.survey_responses where portal = $1), "
        "(select count(*) from marts.fct_survey_responses where portal = $1), "
        "(select count(*) from marts.quarantined_survey_responses where portal = $1)",
        [corpus.PORTAL],
    )
    assert raw == counted + quarantined == len(bad_input_run.expectation.responses)
    for entity, rows in bad_input_run.expectation.raw_row_counts.items():
        ((loaded,),) = bad_input_run.query(f"select count(*) from raw.{entity}")
        assert loaded == rows, entity


def test_hostile_comments_arrive_intact_or_repaired_as_documented(bad_input_run):
    """Raw comments equal the written text (bytes repaired, personal data masked)."""
    stored = Counter(
        bad_input_run.query(
            "select response_id, comment from raw.survey_responses where portal = ?",
            [corpus.PORTAL],
        )
    )
    expected = Counter((r.response_id, r.comment) for r in bad_input_run.expectation.responses)
    assert stored == expected

    # The counted responses carry the comment on to the marts, trimmed of spaces.
    counted = dict(
        bad_input_run.query(
            "select response_id, comment_text from marts.fct_survey_responses where portal = ?",
            [corpus.PORTAL],
        )
    )
    # Staging trims with the engine's trim (DuckDB's also strips no-break spaces).
    with duckdb.connect() as connection:
        for response in bad_input_run.expectation.responses:
            if response.quarantine_reason is None:
                ((trimmed,),) = connection.execute(
                    "select nullif(trim(?), '')", [response.comment]
                ).fetchall()
                assert counted[response.response_id] == trimmed, response.note
    assert counted["R-01"] == corpus.SQL_DROP
    assert counted["R-06"] == corpus.NUL_TEXT
    assert counted["R-10"] == corpus.LATIN1_REPAIRED
    assert len(counted["R-09"]) == 10_000 - len("anna@example.org") + len("[email]")


def test_hostile_labels_arrive_as_values(bad_input_run):
    """SQL, Jinja, emoji and repaired bytes in segments and touchpoints are just values."""
    rows = bad_input_run.query(
        "select response_id, touchpoint, channel, customer_segment, region "
        "from marts.fct_survey_responses where portal = ?",
        [corpus.PORTAL],
    )
    by_id = {row[0]: row[1:] for row in rows}
    assert by_id["R-HOSTILE"][:2] == (corpus.SQL_DROP, ("📧 " + corpus.JINJA).lower())
    assert by_id["R-ODD"][:2] == ("carrier_pigeon", "smoke_signal")
    segments = {row[3] for row in rows}
    assert {"großkunde", "🦄 vip", "<script>alert(1)</script>", corpus.SQL_DROP} <= segments
    assert corpus.RIGHT_TO_LEFT in {row[4] for row in rows}
    # The raw tables the text passed through still exist.
    ((tables,),) = bad_input_run.query(
        "select count(*) from information_schema.tables where table_schema = 'raw'"
    )
    assert tables > 0


def test_invalid_utf8_is_repaired_and_reported_by_the_load(bad_input_run):
    """Each portal table's load reports how many values it repaired."""
    counts = bad_input_run.expectation.defect_counts
    expected = {
        "raw/bad_input__survey_responses": counts["survey_responses"]["comment_invalid_utf8"]
        + counts["survey_responses"]["score_invalid_utf8"],
        "raw/bad_input__customers": counts["customers"]["segment_invalid_utf8"],
        "raw/bad_input__survey_invitations": 0,
    }
    reported = {
        "/".join(event.asset_key.path): event.materialization.metadata["repaired_text_values"].value
        for event in bad_input_run.result.get_asset_materialization_events()
        if "/".join(event.asset_key.path) in expected
    }
    assert reported == expected
    ((score,),) = bad_input_run.query(
        "select score_text from marts.quarantined_survey_responses where response_id = ?",
        ["R-LATIN1SCORE"],
    )
    assert score == "9°"


def _failed_checks(bad_input_run) -> dict:
    return {
        evaluation.check_name: evaluation
        for evaluation in bad_input_run.result.get_asset_check_evaluations()
        if not evaluation.passed
    }


def test_only_the_expected_checks_fail_and_only_as_warnings(bad_input_run):
    """Every failed check warns; none blocks, so the run goes through to the publication."""
    failed = _failed_checks(bad_input_run)
    assert set(failed) == set(EXPECTED_WARNINGS) | set(EXPECTED_GE_WARNINGS)
    assert {str(e.severity.value) for e in failed.values()} == {"WARN"}
    names = {
        evaluation.check_name for evaluation in bad_input_run.result.get_asset_check_evaluations()
    }
    assert "assert_raw_responses_are_all_accounted_for" in names
    assert "assert_nps_rolling_reaches_the_last_response_day" in names
    assert RAW_CHECK_NAME in names


def test_dbt_checks_report_the_defects_with_the_expected_counts(bad_input_run):
    """The dbt warnings count the rows (or repeated ids) the expectation says."""
    counts = bad_input_run.expectation.defect_counts
    failed = _failed_checks(bad_input_run)
    for name, (table, kind) in EXPECTED_WARNINGS.items():
        assert counts[table][kind] > 0
        assert failed[name].metadata["dagster_dbt/failed_row_count"].value == counts[table][kind]


def test_great_expectations_checks_report_the_defects_with_the_expected_counts(bad_input_run):
    """Each raw rule counts the bad rows of its defect kind, and only warns in this run."""
    counts = bad_input_run.expectation.defect_counts
    failed = _failed_checks(bad_input_run)
    for (check, label), kinds in GE_COUNTS.items():
        metadata = failed[check].metadata
        expected = sum(counts[table][kind] for table, kind in kinds)
        assert expected > 0
        assert metadata[f"{label} unexpected_count"].value == expected, label
        assert metadata[f"{label} verdict"].value == "warning", label
        assert metadata[f"{label} examples"].value, label


def test_with_the_default_tolerance_the_blocking_checks_stop_the_marts(bad_input_blocked_run):
    """Far more bad scores than the tolerated 5 %: an ERROR, and nothing after the raw layer."""
    result = bad_input_blocked_run.result
    corpus = bad_input_blocked_run.expectation
    assert not result.success
    evaluations = {
        evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()
    }
    responses_check = evaluations[RAW_CHECK_NAME]
    assert not responses_check.passed
    assert responses_check.severity == dg.AssetCheckSeverity.ERROR
    score_label = "expect_column_values_to_match_regex[score]"
    bad_scores = corpus.defect_counts["survey_responses"]["score_unreadable"]
    share = bad_scores / corpus.raw_row_counts["survey_responses"]
    assert share > 0.05
    assert responses_check.metadata[f"{score_label} unexpected_count"].value == bad_scores
    assert responses_check.metadata[f"{score_label} unexpected_share"].value == pytest.approx(
        share, abs=1e-6
    )
    assert responses_check.metadata[f"{score_label} verdict"].value == "error"
    # Every raw check ran; none of the models, marts or published outputs did.
    for entity in RAW_CHECKED_ENTITIES:
        assert f"great_expectations_raw_{entity}" in evaluations
    materialized = {event.asset_key.path[0] for event in result.get_asset_materialization_events()}
    assert materialized == {"raw"}
    started = {event.step_key for event in result.all_events if event.is_step_start}
    assert "nps_dbt_models" not in started
    assert not any(key.startswith("serving__") for key in started)


def test_long_history_keeps_the_rolling_nps_up_to_the_last_response(bad_input_run):
    """A response on 1970-01-01 does not cut the rolling calendar short."""
    ((first_day, last_day, responses_last_day),) = bad_input_run.query(
        "select min(date_day), max(date_day), "
        "max(count_responses) filter (where date_day = (select max(date_day) "
        "from marts.nps_rolling)) "
        "from marts.nps_rolling where window_days = 30 and portal = ? "
        "and touchpoint = 'all' and channel = 'all' and customer_segment = 'all' "
        "and region = 'all'",
        [corpus.PORTAL],
    )
    ((last_response_day,),) = bad_input_run.query(
        "select max(response_date) from marts.fct_survey_responses where portal = ?",
        [corpus.PORTAL],
    )
    assert str(first_day) == "1970-01-01"
    assert last_day == last_response_day
    assert responses_last_day >= 1


def test_followup_queue_and_exports_keep_the_hostile_text(bad_input_run):
    """The queue's CSV and JSON carry control characters and emoji; unknown statuses read open."""
    queue = json.loads(
        (bad_input_run.export_dir / "detractor_followups.json").read_text(encoding="utf-8")
    )
    by_id = {row["response_id"]: row for row in queue}
    assert by_id["R-05"]["comment_text"] == corpus.CONTROL_CHARACTERS
    assert by_id["R-06"]["comment_text"] == corpus.NUL_TEXT
    assert by_id["R-07"]["comment_text"] == corpus.EMOJI_AND_COMBINING
    assert by_id["R-07"]["followup_status"] == "open"  # its case has a hostile status
    # The last month's segments (markup and SQL among them) are escaped in the report.
    report = (bad_input_run.export_dir / "nps_report.html").read_text(encoding="utf-8")
    assert "<script" not in report
    assert html.escape("<script>alert(1)</script>") in report
    assert corpus.SQL_DROP not in report
    assert html.escape(corpus.SQL_DROP) in report


def test_postgres_publication_replaces_nul_characters(bad_input_run):
    """PostgreSQL text cannot hold NUL: the publication writes U+FFFD in its place."""
    from orchestration.serving.postgres import NUL_REPLACEMENT, publish_to_postgres
    from tests.ingest.servers import (
        ServerUnavailableError,
        create_postgres_database,
        drop_postgres_database,
    )

    try:
        database = create_postgres_database()
    except ServerUnavailableError as error:
        pytest.fail(str(error))
    try:
        serving = bad_input_run.warehouse.parent / "serving" / "nps.duckdb"
        publication = publish_to_postgres(serving, database.url, "bi_corpus")
        assert (
            publication.row_counts["fct_survey_responses"]
            == (bad_input_run.expectation.reasons[None])
        )
        comment = database.scalar(
            "select comment_text from bi_corpus.fct_survey_responses where response_id = 'R-06'"
        )
        assert comment == corpus.NUL_TEXT.replace("\x00", NUL_REPLACEMENT)
    finally:
        drop_postgres_database(database)
