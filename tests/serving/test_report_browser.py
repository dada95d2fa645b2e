"""The HTML report in headless Chromium: the trend chart and its band are drawn and visible.

Debian's Chromium is driven through Playwright (never `playwright install`); the
report is opened from disk with the network cut off, since it must need none.
The screenshot is written to test-artifacts/nps_report.png.
"""

import pytest

from orchestration.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = PROJECT_ROOT / "test-artifacts" / "nps_report.png"


def test_report_shows_the_nps_trend_with_its_band_per_portal(pipeline_run):
    """Each portal's band and line are visible in the trend chart; the page loads nothing else."""
    from playwright.sync_api import expect, sync_playwright

    report = pipeline_run.warehouse.parent / "exports" / "nps_report.html"
    [(portals,)] = pipeline_run.query(
        "select count(distinct portal) from marts.fct_survey_responses"
    )
    requests = []
    SCREENSHOT.parent.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            context = browser.new_context(offline=True, viewport={"width": 1000, "height": 900})
            page = context.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.goto(report.as_uri())

            trend = page.locator("svg#nps-trend")
            expect(trend).to_be_visible()
            bands = trend.locator("path.ci-band")
            lines = trend.locator("polyline.trend-line")
            expect(bands).to_have_count(portals)
            expect(lines).to_have_count(portals)
            for index in range(portals):
                expect(bands.nth(index)).to_be_visible()
                box = bands.nth(index).bounding_box()
                assert box["width"] > 300
                assert box["height"] > 10
            expect(page.locator("svg#nps-by-segment g.bar").first).to_be_visible()
            expect(page.locator("svg#response-rate polyline.trend-line")).to_have_count(portals)
            expect(page.locator("svg#detractor-themes g.bar").first).to_be_visible()

            page.screenshot(path=str(SCREENSHOT), full_page=True)
            print(f"\nscreenshot of the report: {SCREENSHOT}")
        finally:
            browser.close()
    assert requests == [report.as_uri()]
