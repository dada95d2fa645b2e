"""A portal database that stops answering: the load retries, fails clearly, and pages.

The portal is a real PostgreSQL database on the local server. The test closes it
to connections (as a stopped or failed-over database would be), runs the
pipeline, and lets the real run-failure sensor post its alert to an HTTP server
the test runs on 127.0.0.1.
"""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import pytest
import yaml

from tests.ingest.servers import SourceDatabase, create_postgres_database, drop_postgres_database

PORTAL = "shop_eu"
FAILED_ASSET = f"raw/{PORTAL}__survey_responses"
STEP_RETRIES = 2
WEBHOOK_TOKEN = "s3cr3t-token"


class WebhookServer:
    """Records the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.paths: list[str] = []
        received, paths = self.received, self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                received.append(json.loads(self.rfile.read(length)))
                paths.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/nps?token={WEBHOOK_TOKEN}"

    def __enter__(self) -> "WebhookServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def portal_database() -> Iterator[SourceDatabase]:
    database = create_postgres_database()
    try:
        database.execute(
            "create table answers (id integer primary key, invite integer, score text, "
            "created timestamp, modified_at timestamp); "
            "insert into answers values (1, 10, '9', '2026-11-02 10:00', '2026-11-02 10:00');"
        )
        yield database
    finally:
        drop_postgres_database(database)


@pytest.fixture
def webhook() -> Iterator[WebhookServer]:
    with WebhookServer() as server:
        yield server


def write_portal_config(folder: Path) -> Path:
    path = folder / "portals.yaml"
    document = {
        "version": 1,
        "portals": [
            {
                "name": PORTAL,
                "connection": {
                    "url_env": "NPS_TEST_SHOP_EU_URL",
                    "attempts": 2,
                    "backoff_seconds": 0.05,
                },
                "timezone": "Europe/Berlin",
                "entities": {
                    "survey_responses": {
                        "table": "answers",
                        "columns": {
                            "response_id": "id",
                            "invitation_id": "invite",
                            "score": "score",
                            "responded_at": "created",
                            "updated_at": "modified_at",
                        },
                    }
                },
            }
        ],
    }
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_stopped_portal_database_retries_fails_clearly_and_alerts_the_webhook(
    portal_database: SourceDatabase,
    webhook: WebhookServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    from orchestration.definitions import build_definitions

    monkeypatch.setenv("NPS_PORTALS_CONFIG", str(write_portal_config(tmp_path)))
    monkeypatch.setenv("NPS_TEST_SHOP_EU_URL", portal_database.url)
    monkeypatch.setenv("NPS_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("NPS_INGEST_STEP_RETRIES", str(STEP_RETRIES))
    monkeypatch.setenv("NPS_INGEST_RETRY_DELAY_SECONDS", "0.1")
    monkeypatch.setenv("NPS_ALERT_WEBHOOK_URL", webhook.url)
    monkeypatch.setenv("NPS_DAGSTER_BASE_URL", "https://dagster.example.com/")
    definitions = build_definitions()
    alert_sensor = definitions.resolve_sensor_def("nps_run_failure_alert")

    assert portal_database.scalar("select count(*) from answers") == "1"  # it answers now
    # Stopped: the server refuses every new connection to this database.
    portal_database_admin = SourceDatabase("postgres", "postgres", "")
    portal_database_admin.execute(
        f"alter database {portal_database.name} allow_connections false; "
        f"select pg_terminate_backend(pid) from pg_stat_activity "
        f"where datname = '{portal_database.name}';"
    )

    with dg.instance_for_test(overrides={"telemetry": {"enabled": False}}) as instance:

        def alert_tick(cursor: str | None):
            context = dg.build_sensor_context(
                instance=instance, cursor=cursor, definitions=definitions
            )
            return alert_sensor.evaluate_tick(context)

        # The daemon's first tick only marks where it starts watching.
        before = alert_tick(None)
        result = definitions.resolve_job_def("nps_pipeline").execute_in_process(
            instance=instance, raise_on_error=False
        )
        alert_tick(before.cursor)

    assert not result.success
    step = FAILED_ASSET.replace("/", "__")
    retries = [
        event
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY and event.step_key == step
    ]
    assert len(retries) == STEP_RETRIES
    [failure] = [event for event in result.all_events if event.is_step_failure]
    assert failure.step_key == step

    [alert] = webhook.received
    assert webhook.paths == [f"/hooks/nps?token={WEBHOOK_TOKEN}"]
    assert alert["failed_assets"] == [FAILED_ASSET]
    assert alert["run_id"] == result.run_id
    assert alert["run_url"] == f"https://dagster.example.com/runs/{result.run_id}"
    message = alert["error"]
    assert f"portal '{PORTAL}': cannot connect to" in message
    assert "after 2 attempts" in message
    assert portal_database.name in message  # the driver's cause names the database
    assert FAILED_ASSET in alert["text"]
    assert result.run_id in alert["text"]
    assert WEBHOOK_TOKEN not in json.dumps(alert)
