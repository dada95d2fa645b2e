"""Tests for the demo portal generator: determinism, schemas, defects and comment signal."""

from __future__ import annotations

import hashlib
import random
import re
import sqlite3
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from orchestration.demo import generator
from orchestration.demo.__main__ import main
from orchestration.demo.generator import DemoOptions, generate_demo_portals, uuid4_text

SMALL = DemoOptions(seed=7, responses=2_000)
SIGNAL = DemoOptions(seed=11, responses=3_000)

SCHEMAS = {
    "demo_shop": {
        "customers": (
            "id",
            "email",
            "segment",
            "loyalty_tier",
            "country_region",
            "created_at",
            "is_test",
        ),
        "nps_invitations": (
            "id",
            "customer_id",
            "order_ref",
            "trigger_point",
            "channel",
            "sent_at",
        ),
        "nps_responses": (
            "id",
            "invitation_id",
            "customer_id",
            "score",
            "comment",
            "submitted_at",
            "modified_at",
        ),
        "detractor_cases": ("id", "response_id", "state", "opened_at", "modified_at"),
    },
    "demo_saas": {
        "accounts": (
            "account_uuid",
            "company_name",
            "tier",
            "plan_name",
            "sales_region",
            "signup_date",
            "internal_account",
        ),
        "survey_requests": (
            "request_uuid",
            "account_uuid",
            "source",
            "delivery_channel",
            "requested_at",
        ),
        "survey_answers": (
            "answer_uuid",
            "request_uuid",
            "rating",
            "feedback_text",
            "answered_at",
            "last_modified",
        ),
        "followup_tasks": ("task_uuid", "answer_uuid", "task_status", "created_at", "updated_at"),
    },
}

# An SaaS rating is a clean integer when casting it back and forth gives the same text.
SAAS_IS_INTEGER = "(CAST(rating AS INTEGER) || '' = rating)"
FAR_FUTURE = "2036-11-30"  # ten years after the default end date

DEFECT_QUERIES = {
    "demo_shop": {
        "score missing": "SELECT COUNT(*) FROM nps_responses WHERE score IS NULL",
        "score out of range": (
            "SELECT COUNT(*) FROM nps_responses"
            " WHERE typeof(score) = 'integer' AND score NOT BETWEEN 0 AND 10"
        ),
        "score not an integer": (
            "SELECT COUNT(*) FROM nps_responses WHERE typeof(score) IN ('real', 'text')"
        ),
        "duplicate submission": (
            "SELECT COUNT(*) FROM (SELECT invitation_id FROM nps_responses"
            " WHERE invitation_id IS NOT NULL GROUP BY invitation_id HAVING COUNT(*) > 1)"
        ),
        "edited later": "SELECT COUNT(*) FROM nps_responses WHERE modified_at > submitted_at",
        "no invitation": (
            "SELECT COUNT(*) FROM nps_responses WHERE invitation_id IS NULL"
            " OR invitation_id NOT IN (SELECT id FROM nps_invitations)"
        ),
        "test account answers": (
            "SELECT COUNT(*) FROM nps_responses r JOIN customers c ON c.id = r.customer_id"
            " WHERE c.is_test = 1"
        ),
        "timestamp in the future": (
            f"SELECT COUNT(*) FROM nps_responses WHERE submitted_at >= '{FAR_FUTURE}'"
        ),
    },
    "demo_saas": {
        "score missing": (
            "SELECT COUNT(*) FROM survey_answers WHERE rating IS NULL OR rating = ''"
        ),
        "score out of range": (
            "SELECT COUNT(*) FROM survey_answers"
            f" WHERE {SAAS_IS_INTEGER} AND CAST(rating AS INTEGER) NOT BETWEEN 0 AND 10"
        ),
        "score not an integer": (
            f"SELECT COUNT(*) FROM survey_answers WHERE rating <> '' AND NOT {SAAS_IS_INTEGER}"
        ),
        "duplicate submission": (
            "SELECT COUNT(*) FROM (SELECT request_uuid FROM survey_answers"
            " WHERE request_uuid IS NOT NULL GROUP BY request_uuid HAVING COUNT(*) > 1)"
        ),
        "edited later": "SELECT COUNT(*) FROM survey_answers WHERE last_modified > answered_at",
        "no invitation": (
            "SELECT COUNT(*) FROM survey_answers WHERE request_uuid IS NULL"
            " OR request_uuid NOT IN (SELECT request_uuid FROM survey_requests)"
        ),
        "test account answers": (
            "SELECT COUNT(*) FROM survey_answers a"
            " JOIN survey_requests r ON r.request_uuid = a.request_uuid"
            " JOIN accounts c ON c.account_uuid = r.account_uuid"
            " WHERE c.internal_account = 'Y'"
        ),
        "timestamp in the future": (
            f"SELECT COUNT(*) FROM survey_answers WHERE answered_at >= '{FAR_FUTURE}'"
        ),
    },
}

# Defect kinds that must never share a response, as a per-row condition.
EXCLUSIVE_CONDITIONS = {
    "demo_shop": (
        "score IS NULL",
        "typeof(score) = 'integer' AND score NOT BETWEEN 0 AND 10",
        "typeof(score) IN ('real', 'text')",
        "invitation_id IS NULL OR invitation_id NOT IN (SELECT id FROM nps_invitations)",
        f"submitted_at >= '{FAR_FUTURE}'",
    ),
    "demo_saas": (
        "rating IS NULL OR rating = ''",
        f"{SAAS_IS_INTEGER} AND CAST(rating AS INTEGER) NOT BETWEEN 0 AND 10",
        f"rating <> '' AND NOT {SAAS_IS_INTEGER}",
        "request_uuid IS NULL OR request_uuid NOT IN (SELECT request_uuid FROM survey_requests)",
        f"answered_at >= '{FAR_FUTURE}'",
    ),
}

# Word fragments (lower case, German and English) that mark a theme in a comment.
THEME_PATTERNS = {
    "delivery_time": re.compile(
        "liefer|zustell|versand|verspät|paket|sendung|delivery|delivered|shipping|parcel|courier"
    ),
    "price": re.compile("preis|teuer|günstig|kosten|price|pricing|cost|expensive|cheap"),
    "product_quality": re.compile(
        "qualität|verarbeitung|kaputt|defekt|material|quality|broke|defective|flimsy"
    ),
    "checkout_payment": re.compile("checkout|bezahl|zahlung|kasse|paypal|payment|paid|voucher"),
    "usability": re.compile(
        "benutzeroberfläche|unübersichtlich|bedienung|menü|navigation|klicks|intuitiv"
        "|interface|usability|confusing|clicks|menus"
    ),
    "performance": re.compile(
        "langsam|laden|ladezeit|timeout|abgestürzt|performance|slow|load|crash"
    ),
    "support": re.compile("support|kundendienst|service|ticket"),
}
SHOP_THEMES = ("delivery_time", "price", "product_quality", "checkout_payment", "support")
SAAS_THEMES = ("usability", "performance", "price", "support")


def query(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


def table_digests(path: Path) -> dict[str, str]:
    digests = {}
    for (table,) in query(path, "SELECT name FROM sqlite_master WHERE type = 'table'"):
        rows = query(path, f"SELECT * FROM {table} ORDER BY 1")
        digests[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def portal_digests(paths: dict[str, Path]) -> dict[str, dict[str, str]]:
    return {name: table_digests(path) for name, path in paths.items()}


def theme_counts(comments: list[str], themes: tuple[str, ...]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for comment in comments:
        lowered = comment.lower()
        counts.update(theme for theme in themes if THEME_PATTERNS[theme].search(lowered))
    return counts


def response_total(paths: dict[str, Path]) -> int:
    shop = query(paths["demo_shop"], "SELECT COUNT(*) FROM nps_responses")[0][0]
    saas = query(paths["demo_saas"], "SELECT COUNT(*) FROM survey_answers")[0][0]
    return shop + saas


@pytest.fixture(scope="module")
def small_portals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate_demo_portals(tmp_path_factory.mktemp("small"), SMALL)


@pytest.fixture(scope="module", params=[7, 42, 2026], ids=lambda seed: f"seed{seed}")
def portals_of_several_seeds(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    options = DemoOptions(seed=request.param, responses=2_000)
    return generate_demo_portals(tmp_path_factory.mktemp(f"seed{request.param}"), options)


@pytest.fixture(scope="module")
def signal_portals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate_demo_portals(tmp_path_factory.mktemp("signal"), SIGNAL)


def test_every_table_is_identical_when_the_same_seed_runs_twice(
    tmp_path: Path, small_portals: dict[str, Path]
) -> None:
    """Two runs with the same options produce the same rows in every table."""
    again = generate_demo_portals(tmp_path, SMALL)

    assert portal_digests(again) == portal_digests(small_portals)


def test_every_table_differs_when_the_seed_changes(
    tmp_path: Path, small_portals: dict[str, Path]
) -> None:
    """Another seed gives other data in every table of both portals."""
    other = generate_demo_portals(tmp_path, DemoOptions(seed=8, responses=SMALL.responses))
    before, after = portal_digests(small_portals), portal_digests(other)

    for name, tables in before.items():
        for table, digest in tables.items():
            assert after[name][table] != digest, f"{name}.{table} did not change"


@pytest.mark.parametrize(
    ("portal", "table", "columns"),
    [
        (portal, table, columns)
        for portal, tables in SCHEMAS.items()
        for table, columns in tables.items()
    ],
)
def test_table_has_the_documented_columns_when_generated(
    small_portals: dict[str, Path], portal: str, table: str, columns: tuple[str, ...]
) -> None:
    """Each documented table exists with exactly the documented columns, in order."""
    info = query(small_portals[portal], f"PRAGMA table_info({table})")

    assert tuple(row[1] for row in info) == columns


def test_no_other_tables_exist_when_generated(small_portals: dict[str, Path]) -> None:
    """The portals hold the documented tables and nothing else."""
    for portal, path in small_portals.items():
        tables = query(path, "SELECT name FROM sqlite_master WHERE type = 'table'")

        assert sorted(name for (name,) in tables) == sorted(SCHEMAS[portal])


@pytest.mark.parametrize(
    ("portal", "defect"),
    [(portal, defect) for portal, defects in DEFECT_QUERIES.items() for defect in defects],
)
def test_defect_occurs_when_only_2000_responses_are_generated(
    portals_of_several_seeds: dict[str, Path], portal: str, defect: str
) -> None:
    """Every defect kind shows up at least once in each portal, even in a small demo."""
    (count,) = query(portals_of_several_seeds[portal], DEFECT_QUERIES[portal][defect])[0]

    assert count >= 1


@pytest.mark.parametrize("portal", ["demo_shop", "demo_saas"])
def test_exclusive_defects_never_share_a_response_when_generated(
    small_portals: dict[str, Path], portal: str
) -> None:
    """Missing, out-of-range, non-integer, unlinked and future rows are disjoint sets."""
    table = "nps_responses" if portal == "demo_shop" else "survey_answers"
    flags = " + ".join(f"(CASE WHEN {c} THEN 1 ELSE 0 END)" for c in EXCLUSIVE_CONDITIONS[portal])

    overlapping = query(small_portals[portal], f"SELECT COUNT(*) FROM {table} WHERE {flags} > 1")

    assert overlapping == [(0,)]


def test_delivery_time_leads_the_shop_detractor_comments_when_themes_are_counted(
    signal_portals: dict[str, Path],
) -> None:
    """Shop detractors complain about delivery time more than about anything else."""
    rows = query(
        signal_portals["demo_shop"],
        "SELECT comment FROM nps_responses WHERE typeof(score) = 'integer'"
        " AND score BETWEEN 0 AND 6 AND comment <> ''",
    )

    counts = theme_counts([comment for (comment,) in rows], SHOP_THEMES)

    assert counts.most_common(1)[0][0] == "delivery_time", counts


def test_usability_leads_the_saas_detractor_comments_when_themes_are_counted(
    signal_portals: dict[str, Path],
) -> None:
    """SaaS detractors complain about usability more than about anything else."""
    rows = query(
        signal_portals["demo_saas"],
        "SELECT feedback_text FROM survey_answers"
        " WHERE rating IN ('0', '1', '2', '3', '4', '5', '6') AND feedback_text <> ''",
    )

    counts = theme_counts([comment for (comment,) in rows], SAAS_THEMES)

    assert counts.most_common(1)[0][0] == "usability", counts


@pytest.mark.parametrize("options", [SMALL, SIGNAL], ids=["2000", "3000"])
def test_total_responses_are_within_ten_percent_when_a_size_is_requested(
    tmp_path: Path, options: DemoOptions
) -> None:
    """Both portals together hold about the requested number of responses."""
    paths = generate_demo_portals(tmp_path, options)

    assert abs(response_total(paths) - options.responses) <= 0.1 * options.responses


def test_existing_files_are_kept_when_overwrite_is_false(tmp_path: Path) -> None:
    """A second run without overwrite leaves existing portal files untouched."""
    first = generate_demo_portals(tmp_path, SMALL)
    before = {name: path.stat().st_mtime_ns for name, path in first.items()}

    second = generate_demo_portals(tmp_path, DemoOptions(seed=99, responses=500))

    assert second == first
    assert {name: path.stat().st_mtime_ns for name, path in second.items()} == before


def test_files_are_replaced_when_overwrite_is_true(tmp_path: Path) -> None:
    """With overwrite, existing portal files are rebuilt from the new options."""
    generate_demo_portals(tmp_path, SMALL)

    paths = generate_demo_portals(tmp_path, DemoOptions(seed=99, responses=500), overwrite=True)

    assert response_total(paths) < SMALL.responses


def test_no_temporary_files_remain_when_generation_finishes(tmp_path: Path) -> None:
    """Only the two portal files are left in the target folder."""
    generate_demo_portals(tmp_path, SMALL)

    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "demo_saas.sqlite",
        "demo_shop.sqlite",
    ]


def test_timestamps_stay_inside_the_window_when_no_clock_defect_applies(
    small_portals: dict[str, Path],
) -> None:
    """Apart from the far-future rows, activity lies within the requested months."""
    start, end = "2025-12-01", "2026-11-30 23:59:59"
    shop = query(
        small_portals["demo_shop"],
        "SELECT MIN(submitted_at), MAX(submitted_at) FROM nps_responses"
        f" WHERE submitted_at < '{FAR_FUTURE}'",
    )[0]
    saas = query(
        small_portals["demo_saas"],
        "SELECT MIN(answered_at), MAX(answered_at) FROM survey_answers"
        f" WHERE answered_at < '{FAR_FUTURE}'",
    )[0]

    assert start <= shop[0] <= shop[1] <= end
    assert start <= saas[0].replace("T", " ") <= saas[1].replace("T", " ") <= end


def test_uuid_text_matches_the_uuid_module_when_bits_are_random() -> None:
    """The fast UUID formatter agrees with uuid.UUID(int=..., version=4)."""
    rng = random.Random(3)
    for _ in range(1_000):
        bits = rng.getrandbits(128)

        assert uuid4_text(bits) == str(uuid.UUID(int=bits, version=4))


def test_cli_prints_one_line_per_portal_when_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line writes both portals and reports their row counts."""
    main(["--target-dir", str(tmp_path), "--responses", "500", "--end-date", "2026-06-30"])

    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["demo_shop", "demo_saas"]
    assert "nps_responses=" in lines[0]
    assert "survey_answers=" in lines[1]
    assert (
        query(tmp_path / "demo_shop.sqlite", "SELECT MAX(sent_at) FROM nps_invitations")[0][0]
        <= str(date(2026, 6, 30)) + " 23:59:59"
    )


def test_no_portal_file_is_left_when_building_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash mid-build leaves neither a half-written portal nor a temporary file."""

    def crash(connection: sqlite3.Connection, options: DemoOptions) -> None:
        connection.execute("INSERT INTO customers (id) VALUES (1)")
        raise RuntimeError("simulated crash")

    monkeypatch.setitem(generator.BUILDERS, "demo_shop", crash)

    with pytest.raises(RuntimeError, match="simulated crash"):
        generate_demo_portals(tmp_path, SMALL)

    assert not (tmp_path / "demo_shop.sqlite").exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_parallel_build_matches_the_sequential_one_when_two_processes_are_used(
    tmp_path: Path, small_portals: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building the portals in worker processes gives the same tables as in one process."""
    monkeypatch.setattr(generator, "PARALLEL_FROM_RESPONSES", 0)

    parallel = generate_demo_portals(tmp_path, SMALL)

    assert portal_digests(parallel) == portal_digests(small_portals)


def test_berlin_clock_skips_the_missing_hour_when_clocks_spring_forward() -> None:
    """Shop times never name 02:00-02:59 on the last Sunday of March, which Berlin skips."""
    window = generator.window_for(SMALL)
    clock = generator.Clock(window, 0, " ", berlin=True)
    spring_day = (date(2026, 3, 29) - window.start).days

    assert clock.stamp(spring_day * 86_400 + 2 * 3_600 + 5) == "2026-03-29 03:00:05"
    assert clock.stamp(spring_day * 86_400 + 3_600) == "2026-03-29 01:00:00"
    assert clock.day_parts(spring_day) is None


def test_iban_in_comments_has_valid_check_digits_when_generated() -> None:
    """Generated IBANs pass the mod-97 check, so a masking step cannot skip them as fake."""
    iban = generator.german_iban(37040044, 532013000).replace(" ", "")
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)

    assert iban == "DE89370400440532013000"
    assert int(digits) % 97 == 1
