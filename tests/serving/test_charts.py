"""The SVG charts: geometry, bands, small-sample marks, and no URL anywhere."""

import itertools
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from orchestration.serving.charts import (
    Bar,
    Point,
    Series,
    band_path,
    bar_chart,
    linear,
    nice_ticks,
    trend_chart,
)

MONTHS = [date(2026, month, 1) for month in range(1, 7)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def series(name: str, offset: float, small: set[int] = frozenset()) -> Series:
    return Series(
        name,
        tuple(
            Point(day, offset + index, offset + index - 5, offset + index + 5, index in small)
            for index, day in enumerate(MONTHS)
        ),
    )


def test_nice_ticks_cover_the_range_in_round_steps():
    """Ticks start at or below the minimum, end at or above the maximum, in steps of 1, 2 or 5."""
    ticks = nice_ticks(-13.2, 41.7)
    assert ticks[0] <= -13.2
    assert ticks[-1] >= 41.7
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert steps == {20.0}
    assert nice_ticks(0.21, 0.33) == pytest.approx([0.2, 0.25, 0.3, 0.35])


def test_linear_scale_maps_the_domain_ends_onto_the_range_ends():
    """A value scale maps linearly, including an inverted (SVG y) range."""
    assert linear(-100, (-100, 100), (300, 0)) == 300
    assert linear(100, (-100, 100), (300, 0)) == 0
    assert linear(0, (-100, 100), (300, 0)) == 150


def test_band_path_runs_along_the_upper_bounds_and_back_along_the_lower():
    """The band polygon visits every upper bound left to right, then every lower right to left."""
    path = band_path([(10, 90, 50), (20, 80, 40), (30, 70, 30)])
    assert path == "M10.0,50.0 L20.0,40.0 L30.0,30.0 L30.0,70.0 L20.0,80.0 L10.0,90.0 Z"


def test_trend_chart_draws_one_band_and_one_line_per_series():
    """Each series gets its band, its line and one point per month; the band encloses the line."""
    svg = parse(
        trend_chart(
            [series("shop", 20), series("saas", -10)], chart_id="t", title="T", y_label="NPS"
        )
    )
    bands = svg.findall(".//*[@class='ci-band']")
    lines = svg.findall(".//*[@class='trend-line']")
    assert [band.get("data-series") for band in bands] == ["shop", "saas"]
    assert [line.get("data-series") for line in lines] == ["shop", "saas"]
    for band, line in zip(bands, lines, strict=True):
        line_y = [float(pair.split(",")[1]) for pair in line.get("points").split()]
        corners = band.get("d").removeprefix("M").removesuffix(" Z").split(" L")
        band_y = [float(corner.split(",")[1]) for corner in corners]
        upper, lower = band_y[: len(line_y)], band_y[len(line_y) :][::-1]
        for top, y, bottom in zip(upper, line_y, lower, strict=True):
            assert top < y < bottom  # SVG y grows downwards
    assert len(svg.findall(".//*[@class='point']")) == 2 * len(MONTHS)


def test_trend_chart_marks_small_samples_and_breaks_lines_at_gaps():
    """Small-sample points are hollow and classed; a month without a value splits the line."""
    points = list(series("shop", 20, small={1}).points)
    points[3] = Point(MONTHS[3], None)
    svg = parse(
        trend_chart([Series("shop", tuple(points))], chart_id="t", title="T", y_label="NPS")
    )
    small = svg.findall(".//*[@class='point small-sample']")
    assert len(small) == 1
    assert small[0].get("fill") == "white"
    assert len(svg.findall(".//*[@class='trend-line']")) == 2
    assert len(svg.findall(".//*[@class='ci-band']")) == 2


def test_trend_chart_without_band_draws_no_band():
    """A rate chart draws lines only."""
    svg = parse(
        trend_chart([series("shop", 20)], chart_id="r", title="R", y_label="%", with_band=False)
    )
    assert svg.findall(".//*[@class='ci-band']") == []
    assert len(svg.findall(".//*[@class='trend-line']")) == 1


def test_bar_chart_hatches_small_samples_and_draws_whiskers():
    """Small samples are filled with the hatch pattern; every bar with bounds has a whisker."""
    bars = [
        Bar("shop / consumer", 30.5, 20.0, 40.0, "n=244", group="shop"),
        Bar("saas / enterprise", -4.0, -40.0, 30.0, "n=12, small sample", True, group="saas"),
    ]
    svg = parse(bar_chart(bars, chart_id="b", title="B", x_label="NPS"))
    groups = svg.findall(".//*[@data-label]")
    assert [g.get("class") for g in groups] == ["bar", "bar small-sample"]
    assert groups[0].find("rect").get("fill") != "url(#b-hatch)"
    assert groups[1].find("rect").get("fill") == "url(#b-hatch)"
    assert len(svg.findall(".//*[@class='whisker']")) == 2
    assert "n=12, small sample" in ET.tostring(svg, encoding="unicode")


def test_charts_hold_no_url():
    """Inline SVG needs no namespace URL; the report must hold none."""
    svg = trend_chart([series("shop", 20)], chart_id="t", title="T", y_label="NPS")
    svg += bar_chart([Bar("a", 1.0)], chart_id="b", title="B", x_label="x")
    assert "http" not in svg


def test_text_is_escaped():
    """A portal name with markup characters cannot break the SVG."""
    svg = trend_chart([series("<shop & co>", 20)], chart_id="t", title="T", y_label="NPS")
    assert parse(svg).find(".//*[@class='trend-line']").get("data-series") == "<shop & co>"
