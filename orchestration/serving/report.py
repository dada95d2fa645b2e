"""The NPS report: one self-contained HTML file with charts, read from the serving file.

Everything it shows comes from the published, checked version of the marts,
and the report says which version that is. The file holds its styles and
charts inline (SVG) and names no URL, so it opens anywhere, offline, from an
e-mail attachment or a shared folder.
"""

import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path

import duckdb

from orchestration.serving.charts import Bar, Point, Series, bar_chart, trend_chart
from orchestration.serving.publish import Publication, read_publication

THEMES_PER_PORTAL = 5
ALL = "all"

MONTHLY_BY_PORTAL_SQL = """
    select portal, period_start, count_responses, nps, nps_ci_lower, nps_ci_upper,
           response_rate, is_small_sample
    from marts.nps_by_period
    where period_grain = 'month' and portal != 'all' and touchpoint = 'all'
      and channel = 'all' and customer_segment = 'all' and region = 'all'
    order by portal, period_start
"""

# The latest month with responses, per portal and customer segment: the month
# a reader asks about, where small segments show as small samples.
SEGMENTS_SQL = """
    select portal, customer_segment, count_responses, nps, nps_ci_lower, nps_ci_upper,
           is_small_sample, period_start
    from marts.nps_by_period
    where period_grain = 'month' and portal != 'all' and customer_segment != 'all'
      and touchpoint = 'all' and channel = 'all' and region = 'all' and count_responses > 0
      and period_start = (
          select max(period_start) from marts.nps_by_period
          where period_grain = 'month' and count_responses > 0
      )
    order by portal, customer_segment
"""

THEMES_SQL = f"""
    select portal, theme, count_detractor_mentions, detractor_comment_share, nps_points_cost
    from marts.nps_theme_impact
    where period_grain = 'all' and portal != 'all' and touchpoint = 'all'
      and channel = 'all' and customer_segment = 'all' and region = 'all'
      and count_detractor_mentions > 0 and cost_rank <= {THEMES_PER_PORTAL}
    order by portal, cost_rank, theme
"""


@dataclass(frozen=True)
class MonthRow:
    portal: str
    period_start: date
    count_responses: int
    nps: float | None
    nps_ci_lower: float | None
    nps_ci_upper: float | None
    response_rate: float | None
    is_small_sample: bool


@dataclass(frozen=True)
class SegmentRow:
    portal: str
    customer_segment: str
    count_responses: int
    nps: float
    nps_ci_lower: float
    nps_ci_upper: float
    is_small_sample: bool
    period_start: date


@dataclass(frozen=True)
class ThemeRow:
    portal: str
    theme: str
    count_detractor_mentions: int
    detractor_comment_share: float
    nps_points_cost: float


@dataclass(frozen=True)
class ReportData:
    publication: Publication
    months: list[MonthRow]
    segments: list[SegmentRow]
    themes: list[ThemeRow] | None  # None while the theme table does not exist
    portals: list[str] = field(default_factory=list)


def _table_exists(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    (count,) = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return count > 0


def read_report_data(connection: duckdb.DuckDBPyConnection) -> ReportData:
    """Reads what the report shows from an open serving file."""
    months = [MonthRow(*row) for row in connection.execute(MONTHLY_BY_PORTAL_SQL).fetchall()]
    segments = [SegmentRow(*row) for row in connection.execute(SEGMENTS_SQL).fetchall()]
    themes = None
    if _table_exists(connection, "marts", "nps_theme_impact"):
        themes = [ThemeRow(*row) for row in connection.execute(THEMES_SQL).fetchall()]
    return ReportData(
        publication=read_publication(connection),
        months=months,
        segments=segments,
        themes=themes,
        portals=sorted({row.portal for row in months}),
    )


def nps_trend_series(data: ReportData) -> list[Series]:
    """Monthly NPS per portal with its interval; months without responses break the line."""
    return [
        Series(
            portal,
            tuple(
                Point(
                    row.period_start,
                    row.nps,
                    row.nps_ci_lower,
                    row.nps_ci_upper,
                    row.is_small_sample,
                )
                for row in data.months
                if row.portal == portal
            ),
        )
        for portal in data.portals
    ]


def response_rate_series(data: ReportData) -> list[Series]:
    """Monthly response rate per portal, in per cent, for the months with responses.

    A month whose invitations nobody has answered yet (the one just begun) would
    show a rate of zero that only means "too early"; it is left out.
    """
    return [
        Series(
            portal,
            tuple(
                Point(row.period_start, 100 * row.response_rate)
                for row in data.months
                if row.portal == portal and row.count_responses and row.response_rate is not None
            ),
        )
        for portal in data.portals
    ]


def segment_bars(data: ReportData) -> list[Bar]:
    return [
        Bar(
            label=f"{row.portal} / {row.customer_segment}",
            value=row.nps,
            lower=row.nps_ci_lower,
            upper=row.nps_ci_upper,
            note=f"n={row.count_responses}" + (", small sample" if row.is_small_sample else ""),
            is_small_sample=row.is_small_sample,
            group=row.portal,
        )
        for row in data.segments
    ]


def theme_bars(data: ReportData) -> list[Bar]:
    return [
        Bar(
            label=f"{row.portal} / {row.theme}",
            value=row.nps_points_cost,
            note=f"{row.count_detractor_mentions} detractors "
            f"({100 * row.detractor_comment_share:.0f} %)",
            group=row.portal,
        )
        for row in data.themes or []
    ]


def _latest_month_table(data: ReportData) -> str:
    rows = []
    for portal in data.portals:
        answered = [r for r in data.months if r.portal == portal and r.count_responses]
        if not answered:
            continue
        latest = answered[-1]
        interval = (
            f"{latest.nps_ci_lower:+.1f} to {latest.nps_ci_upper:+.1f}"
            if latest.nps_ci_lower is not None
            else ""
        )
        rate = "" if latest.response_rate is None else f"{100 * latest.response_rate:.1f} %"
        rows.append(
            f"<tr><td>{escape(portal)}</td><td>{latest.period_start:%B %Y}</td>"
            f"<td class='number'>{latest.count_responses:,}</td>"
            f"<td class='number'>{latest.nps:+.1f}</td><td class='number'>{interval}</td>"
            f"<td class='number'>{rate}</td></tr>"
        )
    return (
        "<table class='summary'><thead><tr><th>portal</th><th>latest month</th>"
        "<th>responses</th><th>NPS</th><th>95 % interval</th><th>response rate</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 880px; color: #222; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.15rem; margin-top: 2.2rem; }
p.meta, p.note { color: #555; font-size: 0.9rem; }
table.summary { border-collapse: collapse; font-size: 0.9rem; }
table.summary th, table.summary td { padding: 0.25rem 0.7rem; border-bottom: 1px solid #ddd; }
table.summary th { text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
svg.chart { display: block; max-width: 100%; height: auto; }
"""


def render_report(data: ReportData) -> str:
    """The whole report as one HTML document."""
    publication = data.publication
    if data.themes is None:
        themes = "<p class='note'>Comment themes are not built in this warehouse yet.</p>"
    elif not data.themes:
        themes = "<p class='note'>No detractor comment mentions a theme yet.</p>"
    else:
        themes = bar_chart(
            theme_bars(data),
            chart_id="detractor-themes",
            title="Top detractor themes per portal: NPS points each costs, all time",
            x_label="NPS points the theme's detractors cost (detractors mentioning it, share)",
            value_format="{:.1f}",
        )
    month = data.segments[0].period_start if data.segments else None
    segment_note = (
        f"{month:%B %Y}, the latest month with responses. " if month else ""
    ) + "Hatched bars are small samples (fewer responses than the threshold): read them with care."
    sections = [
        "<h1>Net Promoter Score</h1>",
        f"<p class='meta'>Published {publication.built_at:%Y-%m-%d %H:%M} UTC from run "
        f"{escape(publication.run_id)} (publication {escape(publication.publication_id[:12])})."
        "</p>",
        _latest_month_table(data),
        "<h2>NPS trend per portal, monthly, with 95 % interval</h2>",
        trend_chart(
            nps_trend_series(data),
            chart_id="nps-trend",
            title="Monthly NPS per portal with 95 % adjusted-Wald interval",
            y_label="NPS",
            y_format="{:+.0f}",
        ),
        "<p class='note'>The shaded band is the 95 % interval of each month's NPS; "
        "hollow points are months with a small sample.</p>",
        "<h2>NPS by customer segment</h2>",
        bar_chart(
            segment_bars(data),
            chart_id="nps-by-segment",
            title="NPS by portal and customer segment, latest month, with 95 % interval",
            x_label="NPS",
        ),
        f"<p class='note'>{escape(segment_note)}</p>",
        "<h2>Response rate per portal, monthly</h2>",
        trend_chart(
            response_rate_series(data),
            chart_id="response-rate",
            title="Monthly response rate per portal",
            y_label="response rate (%)",
            with_band=False,
            y_format="{:.0f} %",
        ),
        "<p class='note'>Invitations sent in the month that have a counted response, for the "
        "months with responses.</p>",
        "<h2>Top detractor themes</h2>",
        themes,
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>NPS report</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(sections)
        + "\n</body></html>\n"
    )


def write_report(html: str, path: Path) -> None:
    """Writes the report beside its final name and renames it, so no reader sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(html)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def build_report(serving_path: Path, report_path: Path) -> ReportData:
    with duckdb.connect(str(serving_path), read_only=True) as connection:
        data = read_report_data(connection)
    write_report(render_report(data), report_path)
    return data
