"""Chart: series drawn against time, readable however often a figure is stated."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from usrok_pipeline import render
from usrok_pipeline.chart import (
    MOST_POINT_MARKS,
    MOST_YEAR_TICKS,
    Point,
    Series,
    chart_svg,
    drawable,
    legend,
    year_ticks,
)
from usrok_pipeline.records import Fact, FactChange, Timeline


def points(*pairs: tuple[int, float]) -> tuple[Point, ...]:
    return tuple(Point(year, value, f"{value} in {year}") for year, value in pairs)


def circle_xs(svg: str) -> list[float]:
    return [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]


def circle_ys(svg: str) -> list[float]:
    return [float(y) for y in re.findall(r'cy="([\d.]+)"', svg)]


def test_the_x_axis_is_time_not_the_order_of_statements() -> None:
    svg = chart_svg(
        "Trade", "usd", [Series("Trade", points((2014, 1.0), (2015, 2.0), (2023, 3.0)))]
    )
    first, second, third = circle_xs(svg)
    assert third - second == pytest.approx(8 * (second - first))


def test_axes_are_titled_with_the_unit_and_the_year() -> None:
    svg = chart_svg("Trade", "usd", [Series("Trade", points((2010, 5e10), (2020, 9e10)))])
    assert 'class="axis-title">US dollars</text>' in svg
    assert 'class="axis-title">year of the figure</text>' in svg
    assert re.findall(r'class="tick">(\$[^<]*)</text>', svg) == ["$0", "$25B", "$50B", "$75B"]


def test_ranks_are_drawn_first_at_the_top() -> None:
    svg = chart_svg("Ranks", "rank", [Series("Rank", points((2010, 1.0), (2020, 6.0)))])
    top, bottom = circle_ys(svg)
    assert top < bottom
    assert "rank (1st at top)" in svg


def test_a_single_year_is_no_chart() -> None:
    assert not drawable([Series("a", points((2019, 1.0), (2019, 2.0))), Series("b", ())])
    assert drawable([Series("a", points((2019, 1.0))), Series("b", points((2020, 2.0)))])


@pytest.mark.parametrize("span", [1, 5, 13, 60, 300])
def test_year_labels_are_few_and_round(span: int) -> None:
    ticks = year_ticks(2000, 2000 + span)
    assert 1 <= len(ticks) <= MOST_YEAR_TICKS
    assert all(2000 <= tick <= 2000 + span for tick in ticks)
    assert len({b - a for a, b in pairwise(ticks)}) <= 1


def test_the_line_goes_through_the_latest_figure_of_each_year() -> None:
    svg = chart_svg(
        "Trade", "usd", [Series("Trade", points((2018, 1.0), (2018, 3.0), (2019, 2.0)))]
    )
    assert svg.count("<circle") == 3
    line = re.search(r'<polyline points="([^"]*)"', svg)
    assert line is not None and len(line.group(1).split()) == 2


@pytest.mark.parametrize("count", [MOST_POINT_MARKS, MOST_POINT_MARKS + 1, 5000])
def test_many_statements_are_a_line_without_a_mark_each(count: int) -> None:
    svg = chart_svg(
        "Trade", "usd", [Series("Trade", points(*((2000 + i % 20, i) for i in range(count))))]
    )
    assert svg.count("<circle") == (count if count <= MOST_POINT_MARKS else 0)
    line = re.search(r'<polyline points="([^"]*)"', svg)
    assert line is not None and len(line.group(1).split()) == min(count, 20)


def test_each_series_has_its_colour_in_the_legend_and_its_marks_link_to_statements() -> None:
    one = Series("Goods", (Point(2018, 1.0, "goods", "documents/a.html#q10"),))
    two = Series("Services", (Point(2019, 2.0, "services <b>", None),))
    svg, key = chart_svg("Trade", "usd", [one, two]), legend([one, two])
    assert '<g class="series s0">' in svg and '<g class="series s1">' in svg
    assert '<a href="documents/a.html#q10"><circle' in svg
    assert "services &lt;b&gt;" in svg
    assert re.findall(r'class="swatch (s\d)"></span>([^<]*)', key) == [
        ("s0", "Goods"),
        ("s1", "Services"),
    ]


def statement(period: str | None, value: float, document: str = "r.txt") -> FactChange:
    fact = Fact(
        document,
        "Trade was $1.",
        100,
        113,
        "$1",
        value,
        "usd",
        "exact",
        period,
        None,
        "trade",
        "bilateral",
    )
    return FactChange(key="trade", kind="new figure", fact=fact, date="2020-01-01")


def test_a_figure_with_no_year_to_stand_at_is_not_drawn() -> None:
    line = Timeline(
        key="trade",
        metric=None,
        label="Trade",
        changes=(
            statement("2011", 1.0),
            statement(None, 2.0),
            statement("since 1955", 3.0),
            statement("2011-2019", 4.0),
        ),
    )
    drawn = render.series(line, {"r.txt": "A release"}, "../")
    assert [(p.year, p.value) for p in drawn.points] == [(2011, 1.0), (2019, 4.0)]
    assert drawn.points[0].href == "../" + render.document_page("r.txt", "html") + "#q110"
