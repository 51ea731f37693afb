"""Significance: which changes a reader sees first, and how a change is told in words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from usrok_pipeline import render, significance
from usrok_pipeline.link import NEW_FIGURE, RANK_CHANGE, REVISION
from usrok_pipeline.records import Fact, FactChange


def figure(value: float, period: str | None, unit: str = "usd", scope: str = "bilateral") -> Fact:
    sentence = "Harbor fees came to a sum."
    return Fact(
        "r.txt",
        sentence,
        0,
        len(sentence),
        "sum",
        value,
        unit,
        "exact",
        period,
        "fees",
        "fees",
        scope,
    )


def change(kind: str, before: Fact, after: Fact, key: str = "fees") -> FactChange:
    return FactChange(key, kind, after, "2020-01-01", before, "2019-01-01")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # all else equal, a revision outranks a new figure
        (
            change(REVISION, figure(100, "2019"), figure(130, "2019"), "a"),
            change(NEW_FIGURE, figure(100, "2018"), figure(130, "2019"), "b"),
        ),
        # a bilateral figure outranks one of context
        (
            change(NEW_FIGURE, figure(100, "2018"), figure(130, "2019"), "b"),
            change(
                NEW_FIGURE,
                figure(100, "2018", scope="context"),
                figure(130, "2019", scope="context"),
                "a",
            ),
        ),
        # a large move outranks a small one
        (
            change(NEW_FIGURE, figure(100, "2018"), figure(180, "2019"), "b"),
            change(NEW_FIGURE, figure(100, "2018"), figure(110, "2019"), "a"),
        ),
        # a recent period outranks an old one
        (
            change(NEW_FIGURE, figure(100, "2018"), figure(130, "2019"), "b"),
            change(NEW_FIGURE, figure(100, "2008"), figure(130, "2009"), "a"),
        ),
    ],
)
def test_each_ground_of_significance_orders_two_changes(
    first: FactChange, second: FactChange
) -> None:
    assert significance.ranked([second, first]) == [first, second]


def test_equal_scores_keep_key_order() -> None:
    same = [change(NEW_FIGURE, figure(1, "2018"), figure(2, "2019"), key) for key in "zyx"]
    assert [c.key for c in significance.ranked(same)] == ["x", "y", "z"]


def test_a_reworded_period_with_the_same_value_does_not_move() -> None:
    assert not significance.moves(
        change(NEW_FIGURE, figure(5e6, "over two years"), figure(5e6, "2020-2021"))
    )
    assert significance.moves(change(NEW_FIGURE, figure(5e6, "2019"), figure(6e6, "2020")))


def test_a_change_is_told_with_units_periods_and_direction() -> None:
    grew = change(NEW_FIGURE, figure(40e9, "2018"), figure(50e9, "2019"))
    assert render.change_words(grew) == "$50 billion (2019), up from $40 billion (2018), +25.0%"
    revised = change(REVISION, figure(40e9, "2018"), figure(38e9, "2018"))
    assert render.change_words(revised) == "$38 billion (2018), revised from $40 billion (2018)"
    climbed = change(RANK_CHANGE, figure(9, None, unit="rank"), figure(7, None, unit="rank"))
    assert render.change_words(climbed) == "7th, up from 9th"
    fewer = replace(grew, fact=figure(3e9, "2019"))
    assert render.change_words(fewer) == "$3 billion (2019), down from $40 billion (2018), -92.5%"
