"""The portal configuration: the shipped file is valid, and bad files fail with clear messages."""

import copy

import pytest

from orchestration.ingest.config import PortalConfigError, load_portals, parse_portals
from orchestration.settings import PROJECT_ROOT

VALID = {
    "version": 1,
    "portals": [
        {
            "name": "shop",
            "connection": {"url_env": "SHOP_URL", "default_url": "sqlite:///data/shop.sqlite"},
            "timezone": "Europe/Berlin",
            "entities": {
                "survey_responses": {
                    "table": "answers",
                    "columns": {
                        "response_id": "id",
                        "invitation_id": "invite",
                        "score": "score",
                        "responded_at": "created",
                    },
                }
            },
        }
    ],
}


def _with(change) -> dict:
    document = copy.deepcopy(VALID)
    change(document)
    return document


def _responses(document: dict) -> dict:
    return document["portals"][0]["entities"]["survey_responses"]


def test_shipped_configuration_maps_both_demo_portals():
    """config/portals.yaml loads, with every canonical entity mapped for both demo portals."""
    portals = load_portals(PROJECT_ROOT / "config" / "portals.yaml")
    assert [portal.name for portal in portals] == ["demo_shop", "demo_saas"]
    for portal in portals:
        assert set(portal.entities) == {
            "customers",
            "survey_invitations",
            "survey_responses",
            "detractor_followups",
        }


def test_relative_sqlite_default_is_resolved_against_the_project_root(monkeypatch):
    """A relative demo path works wherever the pipeline is started from."""
    monkeypatch.delenv("SHOP_URL", raising=False)
    [portal] = parse_portals(VALID)
    assert portal.connection_url() == f"sqlite:///{PROJECT_ROOT / 'data' / 'shop.sqlite'}"


def test_environment_url_wins_over_the_default(monkeypatch):
    """The variable named by url_env overrides the demo default."""
    monkeypatch.setenv("SHOP_URL", "sqlite:////elsewhere/shop.sqlite")
    [portal] = parse_portals(VALID)
    assert portal.connection_url() == "sqlite:////elsewhere/shop.sqlite"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: _responses(d).update(table='answers"; drop table x; --'),
            "survey_responses.table",
        ),
        (
            lambda d: _responses(d)["columns"].update(score="score) from t; --"),
            "columns.score",
        ),
        (lambda d: _responses(d)["columns"].pop("score"), "required columns not mapped: score"),
        (lambda d: _responses(d)["columns"].update(mood="m"), "not canonical columns"),
        (
            lambda d: d["portals"][0]["entities"].update(orders={"table": "o", "columns": {}}),
            "unknown entity 'orders'",
        ),
        (lambda d: d["portals"][0].update(timezone="Mars/Olympus"), "unknown time zone"),
        (lambda d: d["portals"][0].update(name="Shop-1"), "portals[0].name"),
        (
            lambda d: d["portals"][0]["connection"].update(
                default_url="postgresql://user:secret@host/db"
            ),
            "only a sqlite:/// URL",
        ),
        (lambda d: d["portals"].append(copy.deepcopy(d["portals"][0])), "duplicate portal"),
        (lambda d: d.update(version=2), "'version' must be 1"),
        (
            lambda d: d["portals"][0]["connection"].update(attempts=0),
            "connection.attempts: 0 is outside",
        ),
        (
            lambda d: d["portals"][0]["connection"].update(backoff_seconds="soon"),
            "connection.backoff_seconds: expected a number",
        ),
        (
            lambda d: d["portals"][0].update(incremental={"overlap_minutes": -5}),
            "incremental.overlap_minutes: -5 is outside",
        ),
        (
            lambda d: d["portals"][0].update(incremental={"overlap": 5}),
            "incremental: unknown keys: overlap",
        ),
    ],
    ids=[
        "hostile_table",
        "hostile_column",
        "missing_required_column",
        "unknown_column",
        "unknown_entity",
        "bad_timezone",
        "bad_portal_name",
        "url_with_password_in_file",
        "duplicate_portal",
        "wrong_version",
        "no_attempts",
        "backoff_not_a_number",
        "negative_overlap",
        "unknown_incremental_key",
    ],
)
def test_invalid_configuration_fails_with_a_message_naming_the_place(change, message):
    """Each kind of mistake is rejected before any SQL is built, naming where it is."""
    with pytest.raises(PortalConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parse_portals(_with(change))


def test_missing_url_names_the_environment_variable(monkeypatch):
    """A portal without a default needs its variable; the error says which one."""
    monkeypatch.delenv("SHOP_URL", raising=False)
    [portal] = parse_portals(_with(lambda d: d["portals"][0]["connection"].pop("default_url")))
    with pytest.raises(PortalConfigError, match="SHOP_URL is not set"):
        portal.connection_url()


def test_example_configuration_maps_a_postgres_and_a_mariadb_portal():
    """config/portals.example.yaml is valid and shows both kinds of server with their options."""
    portals = load_portals(PROJECT_ROOT / "config" / "portals.example.yaml")
    assert [portal.name for portal in portals] == ["shop_eu", "support_desk"]
    shop, desk = portals
    assert (shop.connect_attempts, shop.backoff_seconds) == (4, 2.0)
    assert shop.overlap.total_seconds() == 3600
    assert shop.entities["customers"].table == "crm.customers"
    assert "updated_at" not in desk.entities["survey_invitations"].columns


def test_incremental_settings_have_defaults_when_the_file_leaves_them_out():
    """A portal entry without connection or incremental options gets the documented defaults."""
    [portal] = parse_portals(VALID)
    assert (portal.connect_attempts, portal.backoff_seconds) == (4, 2.0)
    assert portal.overlap.total_seconds() == 3600


@pytest.mark.parametrize(
    ("url", "dialect"),
    [
        ("postgresql://reader:pw@db:5432/shop", "postgres"),
        ("mariadb://reader:pw@db/desk", "mysql"),
        ("sqlite:////tmp/shop.sqlite", "sqlite"),
    ],
)
def test_portal_url_names_its_database_kind_when_read_from_the_environment(
    monkeypatch, url, dialect
):
    """The same configuration entry serves SQLite, PostgreSQL and MariaDB by URL alone."""
    monkeypatch.setenv("SHOP_URL", url)
    [portal] = parse_portals(VALID)
    assert portal.source_location().dialect == dialect


def test_unsupported_url_names_portal_and_variable_but_not_the_password(monkeypatch):
    """A wrong scheme is explained without echoing the URL."""
    monkeypatch.setenv("SHOP_URL", "oracle://reader:hunter2@db/shop")
    [portal] = parse_portals(VALID)
    with pytest.raises(PortalConfigError) as error:
        portal.source_location()
    assert "portal 'shop'" in str(error.value)
    assert "SHOP_URL" in str(error.value)
    assert "hunter2" not in str(error.value)


def test_quality_rules_are_read_with_defaults():
    [portal] = parse_portals(
        _with(
            lambda document: document["portals"][0].update(
                quality={"live_since": "2025-12-01", "touchpoints": ["checkout"]}
            )
        )
    )
    assert portal.quality.live_since.isoformat() == "2025-12-01"
    assert portal.quality.touchpoints == ("checkout",)
    assert portal.quality.channels == ()
    assert portal.quality.response_window_days == 30
    [unconfigured] = parse_portals(copy.deepcopy(VALID))
    assert unconfigured.quality.live_since is None


@pytest.mark.parametrize(
    ("quality", "message"),
    [
        ({"live_since": "soon"}, r"quality.live_since: 'soon' is not a date"),
        ({"touchpoints": "checkout"}, r"quality.touchpoints: expected a list of texts"),
        ({"response_window_days": 0}, r"quality.response_window_days"),
        ({"owner": "me"}, r"quality: unknown keys: owner"),
    ],
)
def test_invalid_quality_rules_name_the_place(quality, message):
    with pytest.raises(PortalConfigError, match=message):
        parse_portals(_with(lambda document: document["portals"][0].update(quality=quality)))
