"""Inline SVG charts of series over time, with no script and no assets: the x axis is the year
of each figure's period, so that 2014 and 2022 stand eight years apart."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Drawn at about its own size on a 390 px phone, so that 12 px text stays 12 px there.
WIDTH, HEIGHT = 360, 230
LEFT, RIGHT, TOP, BOTTOM = 58, 14, 12, 44
SHORT_SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))
UNIT_TITLES = {
    "usd": "US dollars",
    "rank": "rank (1st at top)",
    "percent": "percent",
    "people": "people",
    "count": "count",
    "years": "years",
    "ratio": "times",
}
# Series beyond this many colours repeat them, dashed.
COLOURS = 6
MOST_YEAR_TICKS = 6
YEAR_STEPS = (1, 2, 5, 10, 20, 50, 100)
MOST_VALUE_TICKS = 5
# Above this many points, a series is a line only: a mark each (with its tooltip) would be
# dots closer than a pixel, and they made a page of 10,000 statements megabytes longer.
MOST_POINT_MARKS = 120


@dataclass(frozen=True, slots=True)
class Point:
    """One statement drawn: the last year of its period, its value, what its tooltip says and
    where the statement is."""

    year: int
    value: float
    note: str
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Series:
    """One tracked fact's statements that have a period, oldest first."""

    label: str
    points: tuple[Point, ...]


def short_value(value: float, unit: str) -> str:
    """A value short enough for an axis: '$61.1B', '49K', '6th', '3.9%'."""
    if unit == "rank":
        return f"#{value:g}"
    if unit == "percent":
        return f"{value:g}%"
    sign, magnitude = ("-" if value < 0 else ""), abs(value)
    prefix = "$" if unit == "usd" else ""
    for scale, letter in SHORT_SCALES:
        if magnitude >= scale:
            return f"{sign}{prefix}{magnitude / scale:.3g}{letter}"
    return f"{sign}{prefix}{magnitude:g}"


def unit_title(unit: str) -> str:
    """The y axis title: what the numbers are counted in."""
    return UNIT_TITLES.get(unit, unit)


def drawable(series: Sequence[Series]) -> bool:
    """Whether a chart says more than a number: its points span two years or more."""
    return len({point.year for s in series for point in s.points}) > 1


def nice_step(span: float, most: int) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving at most MOST ticks."""
    raw = span / max(most - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw)


def value_ticks(low: float, high: float, unit: str) -> list[float]:
    """Round values from LOW to HIGH; whole numbers for ranks."""
    step = nice_step(high - low, MOST_VALUE_TICKS)
    if unit == "rank":
        step = max(1.0, math.ceil(step))
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def year_ticks(first: int, last: int) -> list[int]:
    """Years to label, a round step apart, at most MOST_YEAR_TICKS of them."""
    step = next(s for s in YEAR_STEPS if (last - first) // s + 1 <= MOST_YEAR_TICKS)
    start = -(-first // step) * step
    return list(range(start, last + 1, step))


def chart_svg(title: str, unit: str, series: Sequence[Series]) -> Markup:
    """Value against year, one line per series through its latest value for each year, a
    mark for every statement; ranks are drawn with 1st at the top, amounts from zero."""
    values = [point.value for s in series for point in s.points]
    years = [point.year for s in series for point in s.points]
    low = min(values) if unit == "rank" else min([*values, 0.0])
    high = max(values)
    if high == low:
        high += 1
    ticks = value_ticks(low, high, unit)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    first, last = min(years), max(years)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(year: int) -> float:
        return LEFT + plot_w * (year - first + 0.5) / (last - first + 1)

    def y(value: float) -> float:
        share = (value - low) / (high - low)
        return TOP + (share if unit == "rank" else 1 - share) * plot_h

    bottom = TOP + plot_h
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}: {escape(unit_title(unit))} by year" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" class="axis"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" class="axis"/>',
    ]
    for tick in ticks:
        parts.append(
            f'<line x1="{LEFT}" y1="{y(tick):.1f}" x2="{WIDTH - RIGHT}" y2="{y(tick):.1f}" '
            'class="grid"/>'
            f'<text x="{LEFT - 5}" y="{y(tick) + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(short_value(tick, unit))}</text>"
        )
    for year in year_ticks(first, last):
        parts.append(
            f'<text x="{x(year):.1f}" y="{bottom + 16}" text-anchor="middle" class="tick">'
            f"{year}</text>"
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle" '
        'class="axis-title">year of the figure</text>'
        f'<text transform="translate(13 {TOP + plot_h / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" class="axis-title">{escape(unit_title(unit))}</text>'
    )
    for index, one in enumerate(series):
        parts.append(f'<g class="series s{index % COLOURS}{" dashed" * (index >= COLOURS)}">')
        by_year = {point.year: point.value for point in one.points}  # the latest of each year
        line = " ".join(f"{x(year):.1f},{y(value):.1f}" for year, value in sorted(by_year.items()))
        parts.append(f'<polyline points="{line}"/>')
        if len(one.points) <= MOST_POINT_MARKS:
            parts.extend(mark(point, x(point.year), y(point.value)) for point in one.points)
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("\n".join(parts))


def mark(point: Point, cx: float, cy: float) -> str:
    """A statement's dot, its words as a tooltip, linked to the sentence that states it."""
    dot = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4"><title>{escape(point.note)}</title></circle>'
    return f'<a href="{escape(point.href)}">{dot}</a>' if point.href else dot


def legend(series: Sequence[Series]) -> Markup:
    """The series' names with their colours, as a list that wraps on a narrow screen."""
    items = "".join(
        f'<li><span class="swatch s{i % COLOURS}{" dashed" * (i >= COLOURS)}"></span>'
        f"{escape(s.label)}</li>"
        for i, s in enumerate(series)
    )
    return Markup(f'<ul class="legend">{items}</ul>')
