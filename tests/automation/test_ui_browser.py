"""The Dagster UI in a real browser: lineage from a portal table to the marts, and the checks.

The test starts the UI the way the README does (`make dev` runs exactly this
`dagster dev` command), on a free port and with a throw-away DAGSTER_HOME holding
a copy of dagster_home/dagster.yaml, and drives Debian's Chromium through
Playwright. Whatever happens, it stops every process it started: `dagster dev`
runs in its own process group, which is interrupted and, if need be, killed.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from orchestration.settings import PROJECT_ROOT
from tests.automation.conftest import LOCAL_INSTANCE_CONFIG

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT_DIR = PROJECT_ROOT / "test-artifacts"
UI_START_TIMEOUT_SECONDS = 180
# The path from one portal table to a mart, as the asset graph must draw it.
LINEAGE_PATH = [
    "demo_shop__survey_responses",
    "survey_responses",
    "stg_portals__survey_responses",
    "int_survey_responses_validated",
    "fct_survey_responses",
    "nps_daily_counts",
    "nps_by_period",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _restore_default_sigint() -> None:
    # `dagster dev` copies the SIGINT handler it inherits; a test runner may have
    # set it to "ignore", and then neither SIGINT nor SIGTERM would stop it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop_process_group(process: subprocess.Popen) -> None:
    """Interrupts the whole group (webserver, daemon, code server), then kills what is left."""
    try:
        group = os.getpgid(process.pid)
    except ProcessLookupError:
        return
    for sent, wait_seconds in ((signal.SIGINT, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(group, sent)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)  # anyone left in the group?
            except ProcessLookupError:
                process.wait(timeout=5)
                return
            process.poll()
            time.sleep(0.5)


def wait_until_serving(base_url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + UI_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dagster dev exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/server_info", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"the UI did not answer within {UI_START_TIMEOUT_SECONDS} s")


@pytest.fixture
def dagster_ui(tmp_path: Path) -> Iterator[str]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(LOCAL_INSTANCE_CONFIG, home / "dagster.yaml")
    port = free_port()
    log = tmp_path / "dagster_dev.log"
    environment = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "NPS_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"),
        "DO_NOT_TRACK": "1",
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                str(PROJECT_ROOT / ".venv" / "bin" / "dagster"),
                "dev",
                "-w",
                "workspace.yaml",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole
            preexec_fn=_restore_default_sigint,
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_serving(base_url, process, log)
        yield base_url
    finally:
        stop_process_group(process)
    assert process.poll() is not None, "dagster dev is still running"


def test_asset_graph_shows_lineage_from_portal_table_to_marts_and_the_checks(dagster_ui: str):
    """The graph of the assets between a portal table and a mart, in the UI's own selection.

    ``A+ and +B`` is everything downstream of A that is also upstream of B: it holds
    both ends only when the lineage connects them, and then every asset on the way.
    """
    from playwright.sync_api import expect, sync_playwright

    selection = f'key:"raw/{LINEAGE_PATH[0]}"+ and +key:"marts/{LINEAGE_PATH[-1]}"'
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    screenshot = SCREENSHOT_DIR / "asset_lineage.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            # Wide enough that the graph is drawn at a scale with full names and checks.
            page = browser.new_page(viewport={"width": 4400, "height": 1400})
            page.goto(f"{dagster_ui}/asset-groups~{quote(selection, safe='')}/")
            dismiss_welcome_dialog(page)
            expect(page.get_by_text("Global asset lineage").first).to_be_visible(timeout=60_000)
            expect(page.locator("foreignObject").first).to_be_visible(timeout=60_000)
            # The groups start collapsed; the graph's context menu opens them.
            page.mouse.click(4000, 1300, button="right")
            page.get_by_role("menuitem", name="Expand all groups").click()

            names = page.locator("[class*=assetName]")
            expect(names).to_have_count(len(LINEAGE_PATH) + 1, timeout=60_000)
            shown = names.all_text_contents()
            # fct_survey_invitations lies on a second path to nps_daily_counts.
            assert sorted(shown) == sorted([*LINEAGE_PATH, "fct_survey_invitations"])
            # Each asset node reports its checks (Great Expectations, dbt tests, freshness).
            expect(page.get_by_text("Asset checks")).to_have_count(len(shown))
            nodes = page.locator("foreignObject:has([class*=assetName])")
            page.screenshot(path=str(screenshot), clip=bounding_box(nodes))
            print(f"\nscreenshot of the asset lineage: {screenshot}")

            # The checks on the raw responses, as listed on the asset's page.
            page.goto(f"{dagster_ui}/assets/raw/survey_responses?view=checks")
            dismiss_welcome_dialog(page)
            expect(page.get_by_text("great_expectations_raw_survey_responses").first).to_be_visible(
                timeout=60_000
            )
            page.goto(f"{dagster_ui}/assets/marts/nps_by_period?view=checks")
            expect(page.get_by_text("freshness_check").first).to_be_visible(timeout=60_000)
        finally:
            browser.close()


def dismiss_welcome_dialog(page) -> None:
    """A fresh instance greets with a community dialog over the page; skip it."""
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(timeout=5_000)
    except Exception:
        return
    skip.click()


def bounding_box(nodes) -> dict:
    """The page region around all asset nodes, with a margin."""
    boxes = [nodes.nth(index).bounding_box() for index in range(nodes.count())]
    left = min(box["x"] for box in boxes) - 60
    top = min(box["y"] for box in boxes) - 100
    right = max(box["x"] + box["width"] for box in boxes) + 60
    bottom = max(box["y"] + box["height"] for box in boxes) + 60
    return {"x": max(left, 0), "y": max(top, 0), "width": right - left, "height": bottom - top}
