"""The demo's SQLite portals, a PostgreSQL portal and a MariaDB portal load into one warehouse.

The PostgreSQL and MariaDB portals are the two entries of config/portals.example.yaml,
pointed at throw-away databases laid out as that file maps them, so the example
is checked too. The ingest assets run through Dagster, as in the pipeline.
"""

from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from orchestration.ingest.assets import build_ingest_assets
from orchestration.ingest.config import load_portals
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import PROJECT_ROOT

POSTGRES_TABLES = """
create schema crm;
create table crm.customers (customer_id integer primary key, segment text, loyalty_tier text,
    region text, created_at timestamp, is_internal boolean);
create table nps_invitations (invitation_id integer primary key, customer_id integer,
    touchpoint text, channel text, sent_at timestamp);
create table nps_responses (response_id integer primary key, invitation_id integer,
    customer_id integer, score text, comment text, submitted_at timestamp,
    updated_at timestamp);
insert into crm.customers
select g, 'segment ' || g % 3, 'silver', 'north', timestamp '2025-01-01' + g * interval '1 day',
    g % 50 = 0
from generate_series(1, 300) as g;
insert into nps_invitations
select g, g % 300 + 1, 'checkout', 'email', timestamp '2026-01-01' + g * interval '1 hour'
from generate_series(1, 1000) as g;
insert into nps_responses
select g, g, g % 300 + 1, case when g = 13 then 'ten' else (g % 11)::text end,
    case when g % 4 = 0 then 'fine' end,
    timestamp '2026-01-01' + g * interval '1 hour' + interval '5 minutes',
    timestamp '2026-01-01' + g * interval '1 hour' + interval '5 minutes'
from generate_series(1, 700) as g;
"""

MARIADB_TABLES = """
create table survey_requests (id int primary key, account_id int, trigger_event varchar(40),
    requested_at datetime);
create table survey_answers (id int primary key, request_id int, account_id int,
    rating varchar(10), feedback text, answered_at datetime, changed_at datetime,
    index (changed_at));
create table followups (id int primary key, answer_id int, state varchar(20),
    opened_at datetime, changed_at datetime);
insert into survey_requests
select seq, seq % 90 + 1, 'ticket_closed', '2026-02-01' + interval seq hour from seq_1_to_800;
insert into survey_answers
select seq, seq, seq % 90 + 1, if(seq = 21, '8,5', seq % 11), null,
    '2026-02-01' + interval seq hour, '2026-02-01' + interval seq hour from seq_1_to_500;
insert into followups
select seq, seq * 7, 'open', '2026-02-03' + interval seq hour, '2026-02-03' + interval seq hour
from seq_1_to_60;
"""


def _combined_config(tmp_path: Path) -> Path:
    """The demo entries of portals.yaml and the entries of portals.example.yaml, in one file."""
    demo = yaml.safe_load((PROJECT_ROOT / "config" / "portals.yaml").read_text())
    example = yaml.safe_load((PROJECT_ROOT / "config" / "portals.example.yaml").read_text())
    combined = {"version": 1, "portals": demo["portals"] + example["portals"]}
    path = tmp_path / "portals.yaml"
    path.write_text(yaml.safe_dump(combined))
    return path


def _sqlite_count(path: Path, table: str) -> int:
    import sqlite3

    with sqlite3.connect(path) as connection:
        return connection.execute(f"select count(*) from {table}").fetchone()[0]


def _materialize(portals, warehouse: Path, selection=None) -> dg.ExecuteInProcessResult:
    with dg.instance_for_test(overrides={"telemetry": {"enabled": False}}) as instance:
        return dg.materialize(
            build_ingest_assets(portals),
            resources={"warehouse": DuckDBWarehouse(path=str(warehouse))},
            instance=instance,
            selection=selection,
        )


@pytest.mark.integration
def test_demo_postgres_and_mariadb_portals_load_side_by_side_with_source_counts(
    demo_portals, postgres_db, mariadb_db, monkeypatch, tmp_path
):
    """Counts per portal and entity in raw.<entity> equal the source counts, on the first
    run and on an incremental re-run, which merges nothing."""
    postgres_db.execute(POSTGRES_TABLES)
    mariadb_db.execute(MARIADB_TABLES)
    monkeypatch.setenv("NPS_PORTAL_DEMO_SHOP_URL", f"sqlite:///{demo_portals['demo_shop']}")
    monkeypatch.setenv("NPS_PORTAL_DEMO_SAAS_URL", f"sqlite:///{demo_portals['demo_saas']}")
    monkeypatch.setenv("NPS_PORTAL_SHOP_EU_URL", postgres_db.url)
    monkeypatch.setenv("NPS_PORTAL_SUPPORT_DESK_URL", mariadb_db.url)
    portals = load_portals(_combined_config(tmp_path))
    warehouse = tmp_path / "warehouse.duckdb"

    expected = {}
    for portal in portals:
        for entity, mapping in portal.entities.items():
            if portal.name in demo_portals:
                count = _sqlite_count(demo_portals[portal.name], mapping.table)
            else:
                database = postgres_db if portal.name == "shop_eu" else mariadb_db
                count = int(database.scalar(f"select count(*) from {mapping.table}"))
            expected[(portal.name, entity)] = count

    first = _materialize(portals, warehouse)
    # The re-run covers the two server portals' responses; the other tables were
    # checked by the first run, and a full second run would only cost time.
    responses = [
        dg.AssetKey(["raw", "shop_eu__survey_responses"]),
        dg.AssetKey(["raw", "support_desk__survey_responses"]),
        dg.AssetKey(["raw", "survey_responses"]),
    ]
    second = _materialize(portals, warehouse, selection=responses)

    assert first.success
    assert second.success
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        loaded = {
            (portal, entity): count
            for entity in (
                "customers",
                "survey_invitations",
                "survey_responses",
                "detractor_followups",
            )
            for portal, count in connection.execute(
                f"select portal, count(*) from raw.{entity} group by portal"
            ).fetchall()
        }
        wrong_scores = connection.execute(
            "select portal, score from raw.survey_responses where score in ('ten', '8,5') "
            "order by portal"
        ).fetchall()
    assert loaded == expected
    assert ("shop_eu", "ten") in wrong_scores
    assert ("support_desk", "8,5") in wrong_scores

    responses = dg.AssetKey(["raw", "shop_eu__survey_responses"])
    metadata = second.asset_materializations_for_node("raw__shop_eu__survey_responses")[0].metadata
    assert metadata["load_mode"].value == "incremental"
    assert metadata["rows_merged"].value == 0
    assert metadata["watermark_before"].value == metadata["watermark_after"].value
    assert {"rows_read", "seconds"} <= set(metadata)
    assert responses in {event.asset_key for event in second.get_asset_materialization_events()}
