"""An inline SVG chart of one fact's values over its statements, with no script and no assets."""

from __future__ import annotations

from markupsafe import Markup, escape

from .records import Fact, Timeline

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 56
SHORT_SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))
# More labels than this under the x axis overlap: every n-th statement is labelled instead.
MOST_AXIS_LABELS = 12
# Above this many statements, points are a line only: a mark each (with its tooltip) would
# be dots closer than a pixel, and they made a page of 10,000 statements megabytes longer.
MOST_POINT_MARKS = 120


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


def label(fact: Fact, date: str | None) -> str:
    """The x-axis label of a statement: its period, else the release date."""
    return fact.period or (date[:4] if date else "n.d.")


def chart_svg(timeline: Timeline) -> Markup:
    """Value against statement, oldest first; ranks are drawn with 1st at the top."""
    points = [(label(c.fact, c.date), c.fact.value, c.fact.unit) for c in timeline.changes]
    values = [value for _, value, _ in points]
    unit = points[0][2]
    # Amounts are drawn from zero, so that a small change does not look like a large one.
    low = min(values) if unit == "rank" else min([*values, 0.0])
    high = max(values)
    if high == low:
        high += 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        return LEFT + (plot_w * (index + 0.5) / len(points))

    def y(value: float) -> float:
        share = (value - low) / (high - low)
        return TOP + (share if unit == "rank" else 1 - share) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(timeline.label)}: values by period" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        'class="axis"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" class="axis"/>',
    ]
    ticks = (
        sorted({int(v) for v in values})[:6] if unit == "rank" else [low, (low + high) / 2, high]
    )
    for tick in ticks:
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(short_value(tick, unit))}</text>"
        )
    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v, _) in enumerate(points))
    parts.append(f'<polyline points="{line}" class="series"/>')
    marked = len(points) <= MOST_POINT_MARKS
    every = -(-len(points) // MOST_AXIS_LABELS)
    for i, (text, value, _) in enumerate(points):
        if marked:
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="4" class="point">'
                f"<title>{escape(text)}: {escape(short_value(value, unit))}</title></circle>"
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle" '
                f'class="tick">{escape(text[:16])}</text>'
            )
    parts.append("</svg>")
    return Markup("\n".join(parts))
