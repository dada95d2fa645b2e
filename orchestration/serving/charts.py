"""Small charts as inline SVG: a trend with a confidence band, and horizontal bars.

Hand-written SVG rather than a plotting library: the report must open without
a network and without anything installed, the output is plain text a test can
read element by element (classes name what each shape is), and a few dozen
lines of geometry cost less than a new dependency with its fonts and backends.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

# Colour-blind-safe (Okabe-Ito), in the order portals are drawn.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000")
FONT = "font-family='system-ui, sans-serif' font-size='12'"


@dataclass(frozen=True)
class Point:
    x: date
    y: float | None
    lower: float | None = None
    upper: float | None = None
    is_small_sample: bool = False


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    lower: float | None = None
    upper: float | None = None
    note: str = ""
    is_small_sample: bool = False
    group: str = ""  # bars of one group share a colour


@dataclass(frozen=True)
class Frame:
    """The plotting area inside the margins, and the value range drawn on it."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def inner_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def inner_height(self) -> float:
        return self.height - self.top - self.bottom


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``low``..``high`` (steps of 1, 2 or 5 times a power of ten)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def linear(value: float, domain: tuple[float, float], target: tuple[float, float]) -> float:
    (d0, d1), (r0, r1) = domain, target
    if d1 == d0:
        return (r0 + r1) / 2
    return r0 + (value - d0) * (r1 - r0) / (d1 - d0)


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def colour_of(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def band_path(points: Sequence[tuple[float, float, float]]) -> str:
    """An SVG path around (x, lower, upper) pixel triples: along the upper bounds, back below."""
    if not points:
        return ""
    upper = [f"{x:.1f},{top:.1f}" for x, _, top in points]
    lower = [f"{x:.1f},{bottom:.1f}" for x, bottom, _ in reversed(points)]
    return "M" + " L".join(upper + lower) + " Z"


def _svg_open(chart_id: str, frame: Frame, title: str) -> list[str]:
    return [
        # Inline SVG in HTML needs no namespace declaration; leaving it out keeps
        # the report free of any URL at all.
        f"<svg id='{escape(chart_id)}' class='chart' "
        f"viewBox='0 0 {frame.width} {frame.height}' width='{frame.width}' "
        f"height='{frame.height}' role='img' aria-label='{escape(title)}'>",
        f"<title>{escape(title)}</title>",
    ]


def trend_chart(
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    y_label: str,
    with_band: bool = True,
    y_format: str = "{:.0f}",
    width: int = 820,
    height: int = 340,
) -> str:
    """Lines over time, one per series, each with its shaded interval when ``with_band``.

    Points flagged as small samples are drawn hollow. Series without any value
    are left out; a gap in a series (a period without a value) breaks its line.
    """
    frame = Frame(width, height, left=56, right=150, top=16, bottom=44)
    drawn = [s for s in series if any(p.y is not None for p in s.points)]
    days = sorted({p.x for s in drawn for p in s.points if p.y is not None})
    if not days:
        return empty_chart(chart_id, title, "No values yet.", width)
    valued = [p for s in drawn for p in s.points if p.y is not None]
    values = [p.y for p in valued]
    if with_band:
        values += [v for p in valued for v in (p.lower, p.upper) if v is not None]
    ticks = nice_ticks(min(values), max(values))
    y_domain = (ticks[0], ticks[-1])
    x_domain = (days[0].toordinal(), days[-1].toordinal())

    def x_of(day: date) -> float:
        # A little room at both ends, so the first and last points clear the axes.
        span = (frame.left + 12, frame.left + frame.inner_width - 12)
        return linear(day.toordinal(), x_domain, span)

    def y_of(value: float) -> float:
        return linear(value, y_domain, (frame.top + frame.inner_height, frame.top))

    parts = _svg_open(chart_id, frame, title)
    parts += _y_axis(frame, ticks, y_of, y_label, y_format)
    parts += _x_axis_months(frame, days, x_of)
    for index, one in enumerate(drawn):
        colour = colour_of(index)
        name = escape(one.name)
        parts.append(f"<g class='series' data-series='{name}'>")
        for segment in _segments(one.points):
            if with_band:
                triples = [
                    (x_of(p.x), y_of(p.lower), y_of(p.upper))
                    for p in segment
                    if p.lower is not None and p.upper is not None
                ]
                if triples:
                    parts.append(
                        f"<path class='ci-band' data-series='{name}' d='{band_path(triples)}' "
                        f"fill='{colour}' fill-opacity='0.18' stroke='none'/>"
                    )
            line = " ".join(f"{x_of(p.x):.1f},{y_of(p.y):.1f}" for p in segment)
            parts.append(
                f"<polyline class='trend-line' data-series='{name}' points='{line}' "
                f"fill='none' stroke='{colour}' stroke-width='2'/>"
            )
        for point in one.points:
            if point.y is None:
                continue
            fill = "white" if point.is_small_sample else colour
            label = f"{one.name} {point.x:%Y-%m}: {y_format.format(point.y)}"
            if with_band and point.lower is not None and point.upper is not None:
                label += f" ({_number(point.lower)} to {_number(point.upper)})"
            if point.is_small_sample:
                label += ", small sample"
            parts.append(
                f"<circle class='point{' small-sample' if point.is_small_sample else ''}' "
                f"cx='{x_of(point.x):.1f}' cy='{y_of(point.y):.1f}' r='3' fill='{fill}' "
                f"stroke='{colour}' stroke-width='1.5'><title>{escape(label)}</title></circle>"
            )
        parts.append("</g>")
    any_small = any(p.is_small_sample for p in valued)
    parts += _legend(frame, [s.name for s in drawn], with_band, any_small)
    parts.append("</svg>")
    return "\n".join(parts)


def _segments(points: Sequence[Point]) -> list[list[Point]]:
    """Runs of consecutive points with a value."""
    segments: list[list[Point]] = [[]]
    for point in points:
        if point.y is None:
            if segments[-1]:
                segments.append([])
        else:
            segments[-1].append(point)
    return [segment for segment in segments if segment]


def _y_axis(frame: Frame, ticks, y_of, label: str, y_format: str) -> list[str]:
    parts = ["<g class='y-axis'>"]
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f"<line x1='{frame.left}' x2='{frame.left + frame.inner_width:.1f}' y1='{y:.1f}' "
            f"y2='{y:.1f}' stroke='#dddddd' stroke-width='1'/>"
        )
        parts.append(
            f"<text x='{frame.left - 6}' y='{y + 4:.1f}' text-anchor='end' {FONT} "
            f"fill='#444444'>{escape(y_format.format(tick))}</text>"
        )
    middle = frame.top + frame.inner_height / 2
    parts.append(
        f"<text x='14' y='{middle:.1f}' transform='rotate(-90 14 {middle:.1f})' "
        f"text-anchor='middle' {FONT} fill='#444444'>{escape(label)}</text>"
    )
    parts.append("</g>")
    return parts


def _x_axis_months(frame: Frame, days: list[date], x_of) -> list[str]:
    bottom = frame.top + frame.inner_height
    # About 75 pixels per label, so that month names never overlap.
    step = max(1, math.ceil(len(days) / max(1, frame.inner_width // 75)))
    parts = [
        "<g class='x-axis'>",
        f"<line x1='{frame.left}' x2='{frame.left + frame.inner_width:.1f}' y1='{bottom:.1f}' "
        f"y2='{bottom:.1f}' stroke='#888888'/>",
    ]
    for day in days[::step]:
        x = x_of(day)
        parts.append(
            f"<text x='{x:.1f}' y='{bottom + 18:.1f}' text-anchor='middle' {FONT} "
            f"fill='#444444'>{day:%b %Y}</text>"
        )
    parts.append("</g>")
    return parts


def _legend(frame: Frame, names: list[str], with_band: bool, small_samples: bool) -> list[str]:
    x = frame.width - frame.right + 16
    parts = ["<g class='legend'>"]
    for index, name in enumerate(names):
        y = frame.top + 10 + index * 20
        parts.append(
            f"<rect x='{x}' y='{y - 8}' width='14' height='10' fill='{colour_of(index)}'/>"
            f"<text x='{x + 20}' y='{y + 1}' {FONT} fill='#222222'>{escape(name)}</text>"
        )
    if with_band:
        y = frame.top + 10 + len(names) * 20 + 6
        parts.append(
            f"<rect x='{x}' y='{y - 8}' width='14' height='10' fill='#888888' "
            f"fill-opacity='0.25'/><text x='{x + 20}' y='{y + 1}' {FONT} "
            "fill='#222222'>95 % interval</text>"
        )
    y = frame.top + 10 + (len(names) + (2 if with_band else 1)) * 20
    if small_samples:
        parts.append(
            f"<circle cx='{x + 7}' cy='{y - 3}' r='3' fill='white' stroke='#444444'/>"
            f"<text x='{x + 20}' y='{y + 1}' {FONT} fill='#222222'>small sample</text>"
        )
    parts.append("</g>")
    return parts


def bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    x_label: str,
    value_format: str = "{:+.1f}",
    width: int = 820,
    bar_height: int = 20,
) -> str:
    """Horizontal bars with optional interval whiskers; small samples hatched and labelled."""
    if not bars:
        return empty_chart(chart_id, title, "No values yet.", width)
    frame = Frame(width, 0, left=230, right=190, top=12, bottom=40)
    height = frame.top + frame.bottom + len(bars) * (bar_height + 6)
    frame = Frame(width, height, frame.left, frame.right, frame.top, frame.bottom)
    values = [0.0] + [v for bar in bars for v in (bar.value, bar.lower, bar.upper) if v is not None]
    ticks = nice_ticks(min(values), max(values))
    domain = (ticks[0], ticks[-1])

    def x_of(value: float) -> float:
        return linear(value, domain, (frame.left, frame.left + frame.inner_width))

    groups = list(dict.fromkeys(bar.group for bar in bars))
    parts = _svg_open(chart_id, frame, title)
    parts.append(
        "<defs><pattern id='" + escape(chart_id) + "-hatch' patternUnits='userSpaceOnUse' "
        "width='6' height='6' patternTransform='rotate(45)'><rect width='6' height='6' "
        "fill='white'/><line x1='0' y1='0' x2='0' y2='6' stroke='#777777' stroke-width='3'/>"
        "</pattern></defs>"
    )
    bottom = frame.top + frame.inner_height
    parts.append("<g class='x-axis'>")
    for tick in ticks:
        x = x_of(tick)
        parts.append(
            f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{frame.top}' y2='{bottom:.1f}' "
            f"stroke='{'#888888' if tick == 0 else '#dddddd'}'/>"
            f"<text x='{x:.1f}' y='{bottom + 16:.1f}' text-anchor='middle' {FONT} "
            f"fill='#444444'>{escape(_number(tick))}</text>"
        )
    parts.append(
        f"<text x='{frame.left + frame.inner_width / 2:.1f}' y='{height - 6}' "
        f"text-anchor='middle' {FONT} fill='#444444'>{escape(x_label)}</text></g>"
    )
    for index, bar in enumerate(bars):
        y = frame.top + index * (bar_height + 6)
        colour = colour_of(groups.index(bar.group))
        start, end = sorted((x_of(0.0), x_of(bar.value)))
        fill = f"url(#{escape(chart_id)}-hatch)" if bar.is_small_sample else colour
        classes = "bar small-sample" if bar.is_small_sample else "bar"
        label = f"{bar.label}: {value_format.format(bar.value)}"
        if bar.note:
            label += f" ({bar.note})"
        parts.append(
            f"<g class='{classes}' data-label='{escape(bar.label)}'>"
            f"<text x='{frame.left - 8}' y='{y + bar_height * 0.7:.1f}' text-anchor='end' "
            f"{FONT} fill='#222222'>{escape(bar.label)}</text>"
            f"<rect x='{start:.1f}' y='{y}' width='{max(end - start, 1):.1f}' "
            f"height='{bar_height}' fill='{fill}' stroke='{colour}'>"
            f"<title>{escape(label)}</title></rect>"
        )
        if bar.lower is not None and bar.upper is not None:
            middle = y + bar_height / 2
            parts.append(
                f"<line class='whisker' x1='{x_of(bar.lower):.1f}' x2='{x_of(bar.upper):.1f}' "
                f"y1='{middle:.1f}' y2='{middle:.1f}' stroke='#222222' stroke-width='1.5'/>"
            )
        text = value_format.format(bar.value) + (f"  {bar.note}" if bar.note else "")
        parts.append(
            f"<text x='{frame.left + frame.inner_width + 8:.1f}' y='{y + bar_height * 0.7:.1f}' "
            f"{FONT} fill='#222222'>{escape(text)}</text></g>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def empty_chart(chart_id: str, title: str, message: str, width: int = 820) -> str:
    frame = Frame(width, 60, 0, 0, 0, 0)
    return "\n".join(
        [
            *_svg_open(chart_id, frame, title),
            f"<text class='empty' x='{width / 2:.0f}' y='34' text-anchor='middle' {FONT} "
            f"fill='#666666'>{escape(message)}</text>",
            "</svg>",
        ]
    )
