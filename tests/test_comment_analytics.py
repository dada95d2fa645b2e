"""End to end: comment themes, their cost to the NPS, masking and the follow-up queue.

Every figure is compared with tests/reference_comments.py and
tests/reference_nps.py, which compute it from the demo SQLite files on their own.
"""

import csv
import itertools
import json
import re
import sqlite3
import threading
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest

from orchestration.demo.generator import DemoOptions, generate_demo_portals
from tests.reference_comments import (
    cost_ranks,
    expected_followups,
    read_comments,
    read_segments,
    read_taxonomy,
    repeat_movements,
    theme_cells,
    themes_of,
)
from tests.reference_nps import classify_responses, read_demo_saas, read_demo_shop

pytestmark = pytest.mark.integration

PORTALS = ("demo_shop", "demo_saas")
DIMENSIONS = ("portal", "touchpoint", "channel", "customer_segment", "region")
# The breakdowns of nps_theme_impact (dbt var theme_impact_breakdowns).
THEME_BREAKDOWNS = ((), ("portal",), ("portal", "touchpoint"), ("portal", "customer_segment"))
IMPACT_COLUMNS = (
    "period_start, period_end, count_responses, count_promoters, count_passives, "
    "count_detractors, count_comments, count_mentions, count_promoter_mentions, "
    "count_passive_mentions, count_detractor_mentions, detractor_comment_share, "
    "passive_comment_share, promoter_comment_share, nps, nps_mentioning, nps_not_mentioning, "
    "nps_without_theme_detractors, nps_points_cost, cost_rank"
)


@pytest.fixture(scope="module")
def source_portals(pipeline_run):
    return (
        read_demo_shop(pipeline_run.portals["demo_shop"]),
        read_demo_saas(pipeline_run.portals["demo_saas"]),
    )


@pytest.fixture(scope="module")
def counted(source_portals):
    """Counted responses of both portals, from the source files."""
    now = datetime.now(UTC)
    return [
        response for portal in source_portals for response in classify_responses(portal, now)[0]
    ]


@pytest.fixture(scope="module")
def source_comments(pipeline_run):
    return {
        (portal, response_id): text
        for portal in PORTALS
        for response_id, text in read_comments(portal, pipeline_run.portals[portal]).items()
    }


@pytest.fixture(scope="module")
def segments(pipeline_run):
    """Customer segment by (portal, invitation id), from the source files."""
    return {
        key: segment
        for portal in PORTALS
        for key, segment in read_segments(portal, pipeline_run.portals[portal]).items()
    }


def breakdown_filter(dimensions: tuple[str, ...]) -> str:
    """The where clause that picks the rows of one breakdown: 'all' in every other column."""
    return " and ".join(
        f"{column} {'!=' if column in dimensions else '='} 'all'" for column in DIMENSIONS
    )


def impact_rows(pipeline_run, grain: str, dimensions: tuple[str, ...]) -> dict[tuple, dict]:
    """nps_theme_impact rows of one breakdown, keyed like reference_comments.theme_cells."""
    columns = ", ".join(dimensions) + ", " if dimensions else ""
    with duckdb.connect(str(pipeline_run.warehouse), read_only=True) as connection:
        cursor = connection.execute(
            f"select {columns}theme, {IMPACT_COLUMNS} from marts.nps_theme_impact "
            f"where period_grain = ? and {breakdown_filter(dimensions)}",
            [grain],
        )
        names = [description[0] for description in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {
        (
            None if grain == "all" else row["period_start"],
            *(row[dimension] for dimension in dimensions),
            row["theme"],
        ): row
        for row in rows
    }


@pytest.mark.parametrize(
    ("portal", "costliest"), [("demo_shop", "delivery_time"), ("demo_saas", "usability")]
)
def test_theme_impact_ranks_the_planted_pain_point_first(
    pipeline_run, counted, source_comments, portal, costliest
):
    """Delivery time costs the shop most, usability the SaaS portal; ranks follow the costs."""
    expected = theme_cells(counted, source_comments, read_taxonomy(), grain=None)
    own = {theme: cell for (_, name, theme), cell in expected.items() if name == portal}
    independent_order = sorted(own, key=lambda theme: -own[theme].cost)
    assert independent_order[0] == costliest
    assert own[costliest].cost > own[independent_order[1]].cost

    rows = pipeline_run.query(
        "select theme, cost_rank, nps_points_cost from marts.nps_theme_impact "
        "where period_grain = 'all' and portal = ? and touchpoint = 'all' "
        "and channel = 'all' and customer_segment = 'all' and region = 'all' "
        "order by nps_points_cost desc, theme",
        [portal],
    )
    assert rows[0][:2] == (costliest, 1)
    assert [theme for theme, *_ in rows][:4] == independent_order[:4]


@pytest.mark.parametrize("dimensions", THEME_BREAKDOWNS, ids=lambda d: "x".join(d) or "total")
@pytest.mark.parametrize("grain", ["all", "month"])
def test_theme_impact_figures_equal_the_independent_computation(
    pipeline_run, counted, source_comments, segments, grain, dimensions
):
    """Every figure of every row of each breakdown, cost ranks included, per period."""
    expected = theme_cells(
        counted,
        source_comments,
        read_taxonomy(),
        grain=None if grain == "all" else grain,
        dimensions=dimensions,
        segments=segments,
    )
    ranks = cost_ranks(expected)
    actual = impact_rows(pipeline_run, grain, dimensions)
    assert set(actual) == set(expected)
    dates = sorted(response.period_start("day") for response in counted)
    for key, cell in expected.items():
        row = actual[key]
        if grain == "all":
            assert (row["period_start"], row["period_end"]) == (dates[0], dates[-1]), key
        else:
            next_month = (key[0] + timedelta(days=31)).replace(day=1)
            assert row["period_end"] == next_month - timedelta(days=1), key
        counts = (
            "responses", "promoters", "passives", "detractors", "comments", "mentions",
            "promoter_mentions", "passive_mentions", "detractor_mentions",
        )  # fmt: skip
        assert {name: row[f"count_{name}"] for name in counts} == {
            name: getattr(cell, name) for name in counts
        }, key
        for column, value, tolerance in (
            ("detractor_comment_share", cell.detractor_share, 1e-12),
            ("passive_comment_share", cell.passive_share, 1e-12),
            ("promoter_comment_share", cell.promoter_share, 1e-12),
            ("nps", cell.nps_all, 1e-9),
            ("nps_mentioning", cell.nps_mentioning, 1e-9),
            ("nps_not_mentioning", cell.nps_not_mentioning, 1e-9),
            ("nps_without_theme_detractors", cell.nps_without_theme_detractors, 1e-9),
            ("nps_points_cost", cell.cost, 1e-9),
        ):
            if value is None:
                assert row[column] is None, (key, column)
            else:
                assert row[column] == pytest.approx(value, abs=tolerance), (key, column)
        assert row["cost_rank"] == ranks[key], key
    # Passives and promoters mention themes too, so their shares are not all zero or empty.
    assert any(cell.passive_mentions for cell in expected.values())
    assert any(cell.promoter_mentions for cell in expected.values())


def test_theme_cost_rank_orders_the_themes_by_their_cost(counted, source_comments, segments):
    """The README's promise, from the reference alone: a better rank never costs less.

    The rank counts the detractors who mention a theme; within one period and
    segment the cost grows with that count, so rank 1 is the costliest theme.
    """
    terms = read_taxonomy()
    for grain, dimensions in itertools.product((None, "month"), THEME_BREAKDOWNS):
        cells = theme_cells(counted, source_comments, terms, grain, dimensions, segments)
        ranks = cost_ranks(cells)
        by_segment = defaultdict(list)
        for key, cell in cells.items():
            by_segment[key[:-1]].append((ranks[key], cell.cost))
        for segment, themes in by_segment.items():
            costs_in_rank_order = [cost for _, cost in sorted(themes)]
            assert costs_in_rank_order == sorted(costs_in_rank_order, reverse=True), segment


def test_default_demo_ranks_delivery_time_first_for_the_shop_and_usability_for_saas(tmp_path):
    """The must-show holds for the default demo (seed 42, 50,000 responses), not only here.

    Computed with the reference alone, from the files `make demo` builds.
    """
    paths = generate_demo_portals(tmp_path, DemoOptions())
    now = datetime.now(UTC)
    counted = [
        *classify_responses(read_demo_shop(paths["demo_shop"]), now)[0],
        *classify_responses(read_demo_saas(paths["demo_saas"]), now)[0],
    ]
    assert len(counted) > 40_000
    comments = {
        (portal, response_id): text
        for portal in PORTALS
        for response_id, text in read_comments(portal, paths[portal]).items()
    }
    cells = theme_cells(counted, comments, read_taxonomy(), grain=None)
    ranks = cost_ranks(cells)
    for portal, costliest in (("demo_shop", "delivery_time"), ("demo_saas", "usability")):
        own = {theme: ranks[key] for key in cells if key[1] == portal for theme in key[2:]}
        assert [theme for theme, rank in own.items() if rank == 1] == [costliest], own
        runner_up = max(cells[None, portal, theme].cost for theme in own if theme != costliest)
        assert cells[None, portal, costliest].cost > runner_up


def test_every_counted_comment_is_tagged_with_the_themes_it_mentions(
    pipeline_run, counted, source_comments
):
    """comment_themes holds exactly the (response, theme) pairs the taxonomy finds."""
    terms = read_taxonomy()
    counted_ids = {(response.portal, response.response_id) for response in counted}
    expected = {
        (portal, response_id, theme)
        for (portal, response_id), text in source_comments.items()
        if (portal, response_id) in counted_ids
        for theme in themes_of(text, terms)
    }
    rows = pipeline_run.query("select portal, response_id, theme from marts.comment_themes")
    assert set(rows) == expected
    assert len(rows) == len(expected)
    [(versions,)] = pipeline_run.query(
        "select count(distinct taxonomy_version) from marts.comment_themes"
    )
    assert versions == 1


@pytest.mark.parametrize("by_segment", [False, True], ids=["portal", "portalxsegment"])
@pytest.mark.parametrize("grain", ["all", "month"])
def test_repeat_respondent_movements_equal_the_independent_computation(
    pipeline_run, source_portals, counted, segments, grain, by_segment
):
    """Each customer's consecutive pairs of categories, per period of the later response."""
    customer_of = {
        (portal.name, invitation_id): invitation[0]
        for portal in source_portals
        for invitation_id, invitation in portal.invitations.items()
    }
    expected = repeat_movements(
        counted, customer_of, segments, None if grain == "all" else grain, by_segment
    )
    rows = pipeline_run.query(
        "select period_start, portal, customer_segment, previous_nps_category, nps_category, "
        "movement, count_movements, count_customers "
        "from marts.repeat_respondent_movements where period_grain = ? "
        f"and customer_segment {'!=' if by_segment else '='} 'all'",
        [grain],
    )
    actual = {
        (None if grain == "all" else start, *key): (movements, customers)
        for start, *key, movements, customers in rows
    }
    assert len(actual) == len(rows)
    assert actual == expected
    assert any(key[3:5] == ("detractor", "promoter") for key in expected)
    assert any(customers < movements for movements, customers in expected.values())


# ------------------------------------------------------------------ personal data

# The demo's formats (orchestration/demo/DEFECTS.md), matched independently of the pipeline.
SOURCE_PERSONAL_DATA = {
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "phone": re.compile(r"\+49 1\d{2} \d{7}|\(\d{3}\) \d{3}-\d{4}"),
    "iban": re.compile(r"DE\d{2}(?: \d{4}){4} \d{2}"),
}


@pytest.fixture(scope="module")
def planted_personal_data(pipeline_run) -> dict[str, set[str]]:
    found = {kind: set() for kind in SOURCE_PERSONAL_DATA}
    for portal in PORTALS:
        for text in read_comments(portal, pipeline_run.portals[portal]).values():
            for kind, pattern in SOURCE_PERSONAL_DATA.items():
                found[kind].update(pattern.findall(text))
    return found


def test_no_personal_data_from_the_comments_is_in_any_warehouse_table(
    pipeline_run, planted_personal_data
):
    """Every text column of every table and view, in every schema, is free of it."""
    assert all(planted_personal_data.values()), planted_personal_data
    needles = sorted(set().union(*planted_personal_data.values()))
    # Also the forms without spaces, in case some model strips them.
    needles += sorted({needle.replace(" ", "") for needle in needles} - set(needles))
    with duckdb.connect() as connection:
        connection.execute(f"attach '{pipeline_run.warehouse}' as warehouse (read_only)")
        connection.execute("create temp table needles (needle varchar)")
        connection.executemany("insert into needles values (?)", [[n] for n in needles])
        columns = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = 'warehouse' and data_type = 'VARCHAR'"
        ).fetchall()
        schemas = {schema for schema, *_ in columns}
        assert {"raw", "staging", "intermediate", "marts"} <= schemas
        leaks = []
        for schema, table, column in columns:
            (hits,) = connection.execute(
                f'select count(*) from warehouse."{schema}"."{table}" as t '
                f'join needles on contains(t."{column}", needles.needle)'
            ).fetchone()
            if hits:
                leaks.append((schema, table, column, hits))
    assert len(columns) > 50
    assert leaks == []


def test_masked_comments_keep_their_text_with_placeholders(pipeline_run, planted_personal_data):
    """The comments with personal data are still there, with one placeholder per item."""
    rows = pipeline_run.query(
        "select comment from raw.survey_responses "
        "where comment like '%[email]%' or comment like '%[phone]%' or comment like '%[iban]%'"
    )
    placeholders = sum(
        text.count("[email]") + text.count("[phone]") + text.count("[iban]") for (text,) in rows
    )
    with_data = 0
    for portal in PORTALS:
        for text in read_comments(portal, pipeline_run.portals[portal]).values():
            with_data += sum(len(p.findall(text)) for p in SOURCE_PERSONAL_DATA.values())
    assert placeholders == with_data > 0


def test_exports_hold_no_personal_data(pipeline_run, planted_personal_data):
    exports = pipeline_run.warehouse.parent / "exports"
    text = (exports / "detractor_followups.csv").read_text() + (
        exports / "detractor_followups.json"
    ).read_text()
    assert not [n for values in planted_personal_data.values() for n in values if n in text]


# ------------------------------------------------------------------ follow-up queue


@pytest.fixture(scope="module")
def expected_queue(pipeline_run, counted):
    """Expected rows judged at the run's start and now; the demo data gives the same for both."""
    at_start, at_now = {}, {}
    for portal in PORTALS:
        path = pipeline_run.portals[portal]
        at_start |= expected_followups(portal, path, counted, pipeline_run.started_at)
        at_now |= expected_followups(portal, path, counted, datetime.now(UTC))
    assert at_start == at_now
    return at_now


def test_followup_statuses_and_overdue_flags_match_the_source_cases(pipeline_run, expected_queue):
    """One queue row per counted detractor; status, case and overdue flag as the portal says."""
    rows = pipeline_run.query(
        "select portal, response_id, followup_status, has_portal_case, is_overdue "
        "from marts.detractor_followups"
    )
    actual = {(portal, rid): (status, case, overdue) for portal, rid, status, case, overdue in rows}
    assert len(actual) == len(rows)
    expected = {
        key: (row.status, row.has_case, row.is_overdue) for key, row in expected_queue.items()
    }
    assert actual == expected
    values = list(expected.values())
    assert {status for status, *_ in values} == {"open", "contacted", "resolved"}
    assert {overdue for *_, overdue in values} == {True, False}
    assert {case for _, case, _ in values} == {True, False}


def test_followup_queue_shows_no_name_or_email_and_carries_the_portal_customer_id(
    pipeline_run, counted
):
    """The customer column is the portal's own id; no column holds an e-mail address."""
    columns = [
        name
        for (name,) in pipeline_run.query(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'detractor_followups'"
        )
    ]
    assert not [name for name in columns if "mail" in name or "name" in name]
    shop = pipeline_run.portals["demo_shop"]
    with sqlite3.connect(shop) as connection:
        customer_of = dict(connection.execute("select id, customer_id from nps_responses"))
    rows = pipeline_run.query(
        "select response_id, customer_id, due_at, responded_at, sla_hours "
        "from marts.detractor_followups where portal = 'demo_shop'"
    )
    for response_id, customer_id, due_at, responded_at, sla_hours in rows:
        assert customer_id == str(customer_of[int(response_id)])
        assert (due_at - responded_at).total_seconds() == sla_hours * 3600 == 48 * 3600


def test_exports_hold_the_queue_as_csv_and_json(pipeline_run, expected_queue):
    """Both files list every queue row with its status; the export is a materialized asset."""
    exports = pipeline_run.warehouse.parent / "exports"
    with (exports / "detractor_followups.csv").open(newline="") as file:
        from_csv = list(csv.DictReader(file))
    from_json = json.loads((exports / "detractor_followups.json").read_text())
    for records in (from_csv, from_json):
        statuses = {
            (record["portal"], record["response_id"]): record["followup_status"]
            for record in records
        }
        assert statuses == {key: row.status for key, row in expected_queue.items()}
    overdue_in_json = {
        (record["portal"], record["response_id"]) for record in from_json if record["is_overdue"]
    }
    assert overdue_in_json == {key for key, row in expected_queue.items() if row.is_overdue}
    materialized = {
        "/".join(event.asset_key.path)
        for event in pipeline_run.result.get_asset_materialization_events()
    }
    assert "exports/detractor_followups" in materialized


# ------------------------------------------------------------------ webhook sensor


class _Recorder(BaseHTTPRequestHandler):
    """Keeps every JSON body posted to it; answers with the server's status."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.bodies.append(json.loads(body))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *arguments):
        pass


@pytest.fixture
def webhook():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.bodies, server.status = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _tick(pipeline_run, cursor):
    import dagster as dg

    from orchestration.followups.sensor import detractor_webhook_sensor
    from orchestration.resources import DuckDBWarehouse

    context = dg.build_sensor_context(
        cursor=cursor, resources={"warehouse": DuckDBWarehouse(path=str(pipeline_run.warehouse))}
    )
    return detractor_webhook_sensor(context)


def _cursor_before(response) -> str:
    from orchestration.followups.webhook import WebhookCursor

    moment = response.responded_at.astimezone(UTC).replace(tzinfo=None)
    return WebhookCursor(moment, response.portal, response.response_id).to_text()


def test_sensor_does_nothing_when_no_webhook_is_configured(pipeline_run, webhook, monkeypatch):
    monkeypatch.delenv("NPS_FOLLOWUP_WEBHOOK_URL", raising=False)
    result = _tick(pipeline_run, None)
    assert result.skip_reason is not None
    assert "NPS_FOLLOWUP_WEBHOOK_URL" in result.skip_reason.skip_message
    assert result.cursor is None
    assert webhook.bodies == []


def test_sensor_posts_each_new_detractor_once_and_keeps_its_cursor(
    pipeline_run, counted, webhook, monkeypatch
):
    """From a cursor, the later detractors are posted in order; the next tick posts none."""
    monkeypatch.setenv("NPS_FOLLOWUP_WEBHOOK_URL", f"http://127.0.0.1:{webhook.server_port}/hook")
    detractors = sorted(
        (r for r in counted if r.score <= 6),
        key=lambda r: (r.responded_at, r.portal, r.response_id),
    )
    first = _tick(pipeline_run, _cursor_before(detractors[-4]))
    assert [(b["portal"], b["response_id"]) for b in webhook.bodies] == [
        (r.portal, r.response_id) for r in detractors[-3:]
    ]
    assert all(body["nps_category"] == "detractor" for body in webhook.bodies)
    assert not [body for body in webhook.bodies if "@" in (body["comment_text"] or "")]

    second = _tick(pipeline_run, first.cursor)
    assert len(webhook.bodies) == 3
    assert second.cursor == first.cursor


def test_sensor_keeps_its_cursor_when_the_webhook_fails(
    pipeline_run, counted, webhook, monkeypatch
):
    """A failed post moves the cursor no further, so the next tick tries the detractor again."""
    monkeypatch.setenv("NPS_FOLLOWUP_WEBHOOK_URL", f"http://127.0.0.1:{webhook.server_port}/hook")
    webhook.status = 500
    detractors = sorted(
        (r for r in counted if r.score <= 6),
        key=lambda r: (r.responded_at, r.portal, r.response_id),
    )
    cursor = _cursor_before(detractors[-2])
    result = _tick(pipeline_run, cursor)
    assert len(webhook.bodies) == 1
    assert result.cursor == cursor
