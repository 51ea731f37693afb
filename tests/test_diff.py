"""Diff: example pairs in, word-level edits out."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usrok_pipeline.diff import (
    OPERATIONS,
    differ,
    is_change,
    line_diff,
    similarity,
    text_diff,
    word_codes,
    words,
)

PAIRS = [
    (
        "Over 1.7 million Korean students have enrolled in the United States since 1955.",
        "Over 1.7 million Korean students have enrolled in United States educational institutions since 1955.",
        [("delete", "the "), ("insert", "educational institutions ")],
    ),
    (
        "The ROK donated essential medical supplies.",
        "The ROK donated critical medical supplies.",
        [("delete", "essential"), ("insert", "critical")],
    ),
    ("Same text.", "Same text.", []),
]


@pytest.mark.parametrize(("before", "after", "edits"), PAIRS)
def test_text_diff_in_whole_words(before: str, after: str, edits: list[tuple[str, str]]) -> None:
    spans = text_diff(before, after)
    assert [(s.op, s.text) for s in spans if s.op != "equal"] == edits
    assert "".join(s.text for s in spans if s.op != "insert") == before
    assert "".join(s.text for s in spans if s.op != "delete") == after
    assert is_change(spans) == bool(edits)


def test_line_diff_reports_changed_lines() -> None:
    spans = line_diff("a\nb\nc\n", "a\nB\nc\n")
    assert [(s.op, s.text) for s in spans if s.op != "equal"] == [
        ("delete", "b\n"),
        ("insert", "B\n"),
    ]


@pytest.mark.parametrize(
    ("before", "after", "low", "high"),
    [
        ("same", "same", 1.0, 1.0),
        ("", "", 1.0, 1.0),
        ("abc", "xyz", 0.0, 0.0),
        ("abcd", "abce", 0.7, 0.8),
    ],
)
def test_similarity(before: str, after: str, low: float, high: float) -> None:
    assert low <= similarity(before, after) <= high


def python_similarity(before: str, after: str) -> float:
    """similarity() as the Python diff-match-patch computes it."""
    if not before and not after:
        return 1.0
    engine = differ()
    distance = engine.diff_levenshtein(engine.diff_main(before, after, False))
    return round(1.0 - distance / max(len(before), len(after)), 4)


def python_word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """text_diff() as the Python diff-match-patch computes it."""
    coded_before, coded_after, tokens = word_codes(before, after)
    engine = differ()
    diffs = engine.diff_main(coded_before, coded_after, False)
    engine.diff_cleanupSemantic(diffs)
    return [(OPERATIONS[op], words(coded, tokens)) for op, coded in diffs]


SENTENCES = st.lists(
    st.sampled_from(["trade", "goods", "$5", "billion", "in", "2019", "the", "Korea’s", "😀"]),
    max_size=30,
).map(" ".join)
UNEVEN = st.text(alphabet=st.sampled_from("ab c😀é\n"), max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.one_of(SENTENCES, UNEVEN), st.one_of(SENTENCES, UNEVEN))
def test_similarity_as_the_python_engine_computes_it(before: str, after: str) -> None:
    assert similarity(before, after) == python_similarity(before, after)


@settings(max_examples=300, deadline=None)
@given(st.one_of(SENTENCES, UNEVEN), st.one_of(SENTENCES, UNEVEN))
def test_word_diff_as_the_python_engine_computes_it(before: str, after: str) -> None:
    spans = [(s.op, s.text) for s in text_diff(before, after)]
    assert spans == python_word_diff(before, after)
