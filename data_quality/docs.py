"""The Great Expectations Data Docs site: every suite and its recent validations as HTML.

Great Expectations' pages load Bootstrap, jQuery and fonts from public CDNs and
a logo from its own servers, and its index page draws its table with that
JavaScript. Here nothing may be fetched when a page is opened (offline
machines, no tracking), so after each build the external references are
removed and the index is replaced by a plain HTML page that lists the latest
validation of every suite first. The validation and suite pages themselves are
rendered as HTML by Great Expectations and read well without the CDN styles.
"""

import html
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import great_expectations as gx
from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
)
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from data_quality.runner import SuiteOutcome, TableSuite

# Validations kept per suite; older ones are dropped from the site.
DEFAULT_KEEP_PER_SUITE = 20
_EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.I)
_EXTERNAL_LINK = re.compile(r"<link[^>]*\bhref=\"https?://[^\"]*\"[^>]*>", re.I)
_EXTERNAL_IMAGE = re.compile(r"<img[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>", re.I)
_EXTERNAL_CSS_URL = re.compile(r"url\(['\"]?https?://[^)]*\)", re.I)
_NEWSLETTER = re.compile(
    r"<a[^>]*\bhref=\"https?://greatexpectations\.io/newsletter[^>]*>.*?</a>", re.I | re.S
)
_OFFLINE_STYLE = """<style>
body { font-family: sans-serif; margin: 1.5rem; color: #1f2933; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #cbd2d9; padding: 0.25rem 0.5rem; text-align: left; }
.collapse:not(.show) { display: block; }
.status-passed { color: #0b7a3e; } .status-warning { color: #a15c00; }
.status-failed { color: #b42318; font-weight: bold; }
</style>"""


@dataclass(frozen=True)
class StoredValidation:
    suite: str
    run_name: str
    run_time: datetime
    status: str  # passed, warning (only warnings failed) or failed
    rows_validated: int | None
    page: Path


class DataDocs:
    """A file-backed Great Expectations context under ``directory`` that keeps results."""

    def __init__(self, directory: Path, keep_per_suite: int = DEFAULT_KEEP_PER_SUITE):
        self.directory = Path(directory)
        self.keep_per_suite = keep_per_suite
        self.directory.mkdir(parents=True, exist_ok=True)
        self._context = gx.get_context(mode="file", project_root_dir=str(self.directory))
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False)

    @property
    def site_dir(self) -> Path:
        return self.directory / "gx" / "uncommitted" / "data_docs" / "local_site"

    @property
    def index_page(self) -> Path:
        return self.site_dir / "index.html"

    def record(self, suite: TableSuite, outcome: SuiteOutcome, run_name: str) -> Path:
        """Stores a validation, rebuilds the site and returns the page of this validation."""
        self._context.suites.add_or_update(suite.expectation_suite())
        run_time = datetime.now(UTC)
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
            run_id=RunIdentifier(run_name=run_name, run_time=run_time),
            batch_identifier=suite.name,
        )
        result: ExpectationSuiteValidationResult = outcome.validation_result
        result.suite_name = suite.name
        result.meta = {
            **result.meta,
            "run_id": key.run_id,
            "validation_time": run_time.strftime("%Y%m%dT%H%M%S.%fZ"),
            "status": outcome.status.value,
        }
        self._context.validation_results_store.set(key, result)
        self._drop_old_validations(suite.name)
        self.build()
        return self._validation_page(key)

    def build(self) -> Path:
        """Rebuilds the whole site from the stored suites and validations."""
        if self.site_dir.exists():
            shutil.rmtree(self.site_dir)
        self._context.build_data_docs()
        for page in self.site_dir.rglob("*.html"):
            page.write_text(make_offline(page.read_text(encoding="utf-8")), encoding="utf-8")
        self.index_page.write_text(self._index_html(), encoding="utf-8")
        return self.index_page

    def validations(self) -> list[StoredValidation]:
        """Stored validations, newest first."""
        store = self._context.validation_results_store
        found = []
        for key in store.list_keys():
            result = store.get(key)
            found.append(
                StoredValidation(
                    suite=key.expectation_suite_identifier.name,
                    run_name=key.run_id.run_name,
                    run_time=key.run_id.run_time,
                    status=result.meta.get("status") or _status_of(result),
                    rows_validated=result.meta.get("rows_validated"),
                    page=self._validation_page(key),
                )
            )
        return sorted(found, key=lambda item: item.run_time, reverse=True)

    def _drop_old_validations(self, suite_name: str) -> None:
        store = self._context.validation_results_store
        keys = [
            key for key in store.list_keys() if key.expectation_suite_identifier.name == suite_name
        ]
        keys.sort(key=lambda key: key.run_id.run_time, reverse=True)
        for key in keys[self.keep_per_suite :]:
            store.remove_key(key)

    def _validation_page(self, key: ValidationResultIdentifier) -> Path:
        run_time = key.run_id.run_time.strftime("%Y%m%dT%H%M%S.%fZ")
        return (
            self.site_dir
            / "validations"
            / key.expectation_suite_identifier.name
            / key.run_id.run_name
            / run_time
            / f"{key.batch_identifier}.html"
        )

    def _index_html(self) -> str:
        latest: dict[str, StoredValidation] = {}
        rows = []
        for validation in self.validations():
            latest.setdefault(validation.suite, validation)
            rows.append(_index_row(validation, self.site_dir))
        latest_rows = [_index_row(item, self.site_dir) for item in latest.values()]
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Data Docs: NPS pipeline</title>
{_OFFLINE_STYLE}</head><body>
<h1>Data Docs: NPS pipeline</h1>
<p>Great Expectations validations of the warehouse, newest first. Built
{html.escape(datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))}.</p>
<h2>Latest validation of each suite</h2>
{_index_table(latest_rows)}
<h2>All kept validations</h2>
{_index_table(rows)}
</body></html>
"""


def make_offline(page: str) -> str:
    """Removes every reference to a URL outside the site and adds a small inline style."""
    page = _EXTERNAL_SCRIPT.sub("", page)
    page = _EXTERNAL_LINK.sub("", page)
    page = _EXTERNAL_IMAGE.sub("", page)
    page = _EXTERNAL_CSS_URL.sub("none", page)
    page = _NEWSLETTER.sub("", page)
    return page.replace("</head>", _OFFLINE_STYLE + "</head>", 1)


def _status_of(result: ExpectationSuiteValidationResult) -> str:
    if result.success:
        return "passed"
    severities = {
        str(getattr(item.expectation_config, "severity", "critical"))
        for item in result.results
        if not item.success
    }
    return "failed" if any("critical" in severity for severity in severities) else "warning"


def _index_row(validation: StoredValidation, site_dir: Path) -> str:
    link = validation.page.relative_to(site_dir).as_posix()
    rows = "" if validation.rows_validated is None else f"{validation.rows_validated:,}"
    return (
        "<tr>"
        f"<td>{html.escape(validation.suite)}</td>"
        f'<td class="status-{validation.status}">{validation.status}</td>'
        f"<td>{rows}</td>"
        f"<td>{html.escape(validation.run_time.strftime('%Y-%m-%d %H:%M:%S UTC'))}</td>"
        f"<td>{html.escape(validation.run_name)}</td>"
        f'<td><a href="{html.escape(link)}">validation</a> · '
        f'<a href="expectations/{html.escape(validation.suite)}.html">suite</a></td>'
        "</tr>"
    )


def _index_table(rows: list[str]) -> str:
    if not rows:
        return "<p>No validations yet.</p>"
    return (
        "<table><thead><tr><th>suite</th><th>result</th><th>rows</th><th>validated at</th>"
        "<th>run</th><th>pages</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
