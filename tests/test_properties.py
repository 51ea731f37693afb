"""Properties of the normalizer and the extractor on any text (hypothesis)."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from usrok_pipeline import normalize
from usrok_pipeline.extract import (
    PERIODS,
    extract_document,
    find_mentions,
    letter_words,
    scan_periods,
)
from usrok_pipeline.records import Metadata, NormalizedDocument, ParsedDocument

PIECES = st.sampled_from(
    [
        " ",
        "  ",
        "\n",
        "\n\n",
        "\u00a0",
        "\t",
        "- ",
        "• ",
        "* ",
        "1. ",
        "**",
        "*",
        "__",
        "_",
        "\\#",
        "###",
        "#",
        "<u>",
        "</u>",
        "<sup>th</sup>",
        "$",
        "%",
        "$5 billion",
        "5",
        "2019",
        "2019/20",
        "1,200",
        "sixth largest",
        "more than",
        "nearly",
        "two million",
        "U.S.",
        "R.O.K.",
        "Korea",
        "trade",
        "goods",
        "services",
        "partner",
        ".",
        ",",
        ";",
        ":",
        "(",
        ")",
        "“",
        "”",
        "’",
        "Skip to Content",
        "An official website of the United States government",
        "U.S. Department of State",
        "anniversary",
        "years ago",
        "from 2010",
        "percent",
    ]
)
TEXTS = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=80).map("".join),
)
TIME_PIECES = st.sampled_from(
    [
        " ",
        "-",
        "–",
        "/",
        ",",
        ".",
        "(",
        "2019",
        "20",
        "1998",
        "5",
        "in",
        "In",
        "during",
        "for",
        "of",
        "throughout",
        "over",
        "at",
        "early",
        "mid-",
        "calendar year",
        "since",
        "as of",
        "by the end of",
        "by",
        "on",
        "March",
        "Sept.",
        "1st",
        "from",
        "than",
        "to",
        "through",
        "FY",
        "fiscal year",
        "academic year",
        "school year",
        "this year",
        "the past year",
        "next",
        "the coming",
        "within",
        "five",
        "years",
        "months",
    ]
)
TIME_TEXTS = st.lists(
    st.tuples(TIME_PIECES, st.sampled_from(["", " ", " ", " "])), max_size=30
).map(lambda pieces: "".join(piece + gap for piece, gap in pieces))
RUN_OF_THE_MILL = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def normalized(text: str) -> str:
    doc = ParsedDocument(name="a.txt", sha256="h", front_matter={}, body=text)
    blocks, removed = normalize.clean_blocks(doc, normalize.load_rules())
    return normalize.normalize(blocks, removed, frozenset())[0]


@RUN_OF_THE_MILL
@given(TEXTS)
def test_normalizing_twice_changes_nothing(text: str) -> None:
    once = normalized(text)
    assert normalized(once) == once


@RUN_OF_THE_MILL
@given(TEXTS)
def test_facts_point_into_their_sentence(text: str) -> None:
    body = normalized(text)
    meta = Metadata("t", "test", "2020-01-01", "test", None)
    for fact in extract_document(NormalizedDocument("a.txt", "h", meta, body)):
        assert body[fact.start : fact.end] == fact.sentence
        assert fact.mention and fact.mention in fact.sentence
        assert fact.value == fact.value  # not NaN


@pytest.mark.parametrize(
    "phrase",
    [
        "1998/99 academic year",
        "2019-20 school year",
        "2019/20",
        "FY2019",
        "fiscal year 2019",
        "1998 - 2019",
        "2019 through 2021",
        "since March 2019",
        "as of 2019",
        "by the end of 2019",
        "on March 5, 2019",
        "from 2019",
        "than 2019",
        "in 2019",
        "during mid-2019",
        "for calendar year 2019",
        "of 2019",
        "throughout 2019",
        "over 2019",
        "at late 2019",
        "from this year",
        "last year",
        "next year",
        "the previous year",
        "the past year",
        "over five years",
        "within the next 5 years",
        "during the coming ten months",
        "in two years",
    ],
)
def test_each_kind_of_period_is_found_where_the_pattern_finds_it(phrase: str) -> None:
    for text in (phrase, f"Trade grew {phrase}.", f"({phrase.upper()})"):
        expected = [m.span() for m in PERIODS.finditer(text)]
        assert expected
        assert [m.span() for m in scan_periods(text, 0, len(text))] == expected


@RUN_OF_THE_MILL
@given(TIME_TEXTS, st.integers(0, 100), st.integers(0, 100))
def test_periods_are_found_where_the_pattern_finds_them(text: str, cut: int, keep: int) -> None:
    for start, end in ((0, len(text)), (cut, len(text) - keep)):
        expected = [m.span() for m in PERIODS.finditer(text, start, end)]
        assert [m.span() for m in scan_periods(text, start, end)] == expected


@RUN_OF_THE_MILL
@given(TEXTS)
def test_letter_words_are_the_runs_of_letters(text: str) -> None:
    lower = text.lower()
    assert letter_words(lower) == set(re.findall(r"[a-z]+", lower))


@RUN_OF_THE_MILL
@given(TEXTS)
def test_mentions_of_a_sentence_never_share_a_character(text: str) -> None:
    mentions = find_mentions(text)
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)
    for before, after in itertools.pairwise(mentions):
        assert before.end <= after.start, (before, after)


def test_a_sentence_of_thousands_of_figures_reads_every_one() -> None:
    sentence = "Shares were " + ", ".join(f"{n}%" for n in range(1, 5001)) + "."
    assert [m.value for m in find_mentions(sentence)] == list(range(1, 5001))
