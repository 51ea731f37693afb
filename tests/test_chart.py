"""Chart: one fact's values as an inline SVG that stays readable however often it is stated."""

from __future__ import annotations

import re

import pytest

from usrok_pipeline.chart import MOST_AXIS_LABELS, MOST_POINT_MARKS, chart_svg
from usrok_pipeline.records import Fact, FactChange, Timeline


def timeline(count: int) -> Timeline:
    changes = tuple(
        FactChange(
            key="trade",
            kind="new figure",
            fact=Fact(
                f"r{i}.txt",
                "Trade rose.",
                0,
                11,
                "$1",
                float(i),
                "usd",
                "exact",
                str(2000 + i),
                "trade",
                "trade",
                "bilateral",
            ),
            date=None,
        )
        for i in range(count)
    )
    return Timeline(key="trade", metric="trade", label="Two-way trade", changes=changes)


@pytest.mark.parametrize("count", [1, 5, MOST_AXIS_LABELS])
def test_a_few_statements_each_have_a_mark_and_a_label(count: int) -> None:
    svg = chart_svg(timeline(count))
    assert svg.count("<circle") == count
    labels = re.findall(r'class="tick">(\d{4})</text>', svg)
    assert labels == [str(2000 + i) for i in range(count)]


@pytest.mark.parametrize("count", [MOST_AXIS_LABELS + 1, MOST_POINT_MARKS + 1, 5000])
def test_many_statements_are_a_line_with_spaced_labels(count: int) -> None:
    svg = chart_svg(timeline(count))
    labels = re.findall(r'class="tick">(\d{4})</text>', svg)
    assert 1 < len(labels) <= MOST_AXIS_LABELS
    assert labels[0] == "2000"
    assert svg.count("<circle") == (count if count <= MOST_POINT_MARKS else 0)
    line = re.search(r'<polyline points="([^"]*)"', svg)
    assert line is not None and len(line.group(1).split()) == count
