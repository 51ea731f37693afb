"""Diff: example pairs in, word-level edits out."""

from __future__ import annotations

import pytest

from usrok_pipeline.diff import is_change, line_diff, similarity, text_diff

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
