"""Number forms written in words or as compounds, ranges with both ends, negated bounds, and
identifiers that look like numbers but count nothing. Every sentence is made up for the test."""

from __future__ import annotations

from typing import Any

import pytest

from test_extract import brief, facts_of


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Just over half of the grants went to rural schools.", [(50, "percent", "over", None)]),
        ("Nearly a third of the tourists came by ferry.", [(33.33, "percent", "nearly", None)]),
        ("About one-fifth of the vessels were built abroad.", [(20, "percent", "about", None)]),
        ("Two-thirds of the firms hired locally.", [(66.67, "percent", "exact", None)]),
        ("Roughly a quarter of the output is shipped east.", [(25, "percent", "about", None)]),
        ("Imports have fallen by half since then.", [(-50, "percent", "exact", None)]),
        ("A dozen mayors signed the letter.", [(12, "count", "exact", None)]),
        ("Three dozen teachers joined the exchange.", [(36, "people", "exact", None)]),
        ("Half a dozen ports were upgraded.", [(6, "count", "exact", None)]),
        ("The pact covers all six sectors of the accord.", [(6, "count", "exact", None)]),
        ("The rules cut the wait under a 30-day review.", [(30, "days", "exact", None)]),
        ("A 12-year lease was signed for the depot.", [(12, "years", "exact", None)]),
        ("They will build a 2.5-gigawatt wind farm.", [(2.5, "gigawatts", "exact", None)]),
        ("The old 40,000-ton quota lapsed.", [(40000, "count", "exact", None)]),
    ],
)
def test_words_and_compounds(sentence: str, expected: list[tuple[Any, ...]]) -> None:
    assert [brief(f) for f in facts_of(sentence, date=None)] == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Analysts value the harbor works at $4–6 billion.",
            [(4000000000, "usd", "more_than", None), (6000000000, "usd", "up_to", None)],
        ),
        (
            "Permits take 3 to 8 weeks to clear.",
            [(3, "weeks", "more_than", None), (8, "weeks", "up_to", None)],
        ),
        (
            "Growth should run at 2–4 percent.",
            [(2, "percent", "more_than", None), (4, "percent", "up_to", None)],
        ),
        (
            "Queues shrank from 30 to 4 days.",
            [(30, "days", "exact", None), (4, "days", "exact", None)],
        ),
    ],
)
def test_ranges_give_both_ends(sentence: str, expected: list[tuple[Any, ...]]) -> None:
    assert [brief(f) for f in facts_of(sentence, date=None)] == expected


@pytest.mark.parametrize(
    ("sentence", "qualifier"),
    [
        ("The levy may be no greater than 9 percent.", "up_to"),
        ("Each port admits not more than 400 vessels.", "up_to"),
        ("No fewer than 700 farms took part.", "more_than"),
        ("A minimum of 250 officers attend.", "more_than"),
        ("Sales grew more than 9 percent.", "more_than"),
    ],
)
def test_negated_bounds(sentence: str, qualifier: str) -> None:
    assert [f.qualifier for f in facts_of(sentence, date=None)] == [qualifier]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Among its export markets, Chile ranks fourth.", (4, "rank")),
        ("The port ranked 9th among Pacific gateways.", (9, "rank")),
        ("That kept Peru second among buyers of its grain.", (2, "rank")),
        ("The depot is now the largest naval supply facility in the region.", (1, "rank")),
        ("Ohio was the single largest destination of the new plants.", (1, "rank")),
        ("Sales reached more than triple the level of 2010.", (3, "ratio")),
    ],
)
def test_ranks_and_multiples(sentence: str, expected: tuple[Any, ...]) -> None:
    assert [brief(f)[:2] for f in facts_of(sentence, date=None)] == [expected]


@pytest.mark.parametrize(
    "sentence",
    [
        "Export credits rose after the 301 review.",
        "The carrier flew its Airbus A350 fleet; the Embraer 190 AR was retired.",
        "The airline bought Boeing 777 ER jets.",
        "The treaty, widely called a 505 accord, took effect.",
        "The tax credit under H.R. 4520 expired.",
        "Data came from a survey of firms.[3]",
        "[4] Figures from the statistics office.",
        "The largest firms and our leading exporters met.",
        "The second half of the year was calm, as was a quarter of a century before.",
    ],
)
def test_identifiers_and_groups_are_not_quantities(sentence: str) -> None:
    assert facts_of(sentence, date=None) == []
