"""Word-level differences between two texts, as pure (a, b) -> result functions."""

from __future__ import annotations

import re

from diff_match_patch import diff_match_patch

from .records import DiffSpan

OPERATIONS = {0: "equal", 1: "insert", -1: "delete"}
TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
FIRST_TOKEN_CODE = 0xF0000


def differ() -> diff_match_patch:
    """A diff engine that never gives up early, so that results do not depend on speed."""
    engine = diff_match_patch()
    engine.Diff_Timeout = 0
    return engine


def text_diff(before: str, after: str) -> tuple[DiffSpan, ...]:
    """The edits from one text to another in whole words, cleaned up to read as phrases."""
    codes: dict[str, str] = {}
    tokens: list[str] = []

    def encode(text: str) -> str:
        out = []
        for token in TOKEN.findall(text):
            if token not in codes:
                codes[token] = chr(FIRST_TOKEN_CODE + len(tokens))
                tokens.append(token)
            out.append(codes[token])
        return "".join(out)

    engine = differ()
    diffs = engine.diff_main(encode(before), encode(after), False)
    engine.diff_cleanupSemantic(diffs)
    return tuple(
        DiffSpan(OPERATIONS[op], "".join(tokens[ord(c) - FIRST_TOKEN_CODE] for c in coded))
        for op, coded in diffs
    )


def line_diff(before: str, after: str) -> tuple[DiffSpan, ...]:
    """The edits between two documents, line by line, for version comparisons."""
    engine = differ()
    chars_before, chars_after, lines = engine.diff_linesToChars(before, after)
    diffs = engine.diff_main(chars_before, chars_after, False)
    engine.diff_charsToLines(diffs, lines)
    engine.diff_cleanupSemantic(diffs)
    return tuple(DiffSpan(OPERATIONS[op], text) for op, text in diffs)


def similarity(before: str, after: str) -> float:
    """How much of two texts is shared: 1.0 for equal texts, 0.0 for nothing in common."""
    if not before and not after:
        return 1.0
    engine = differ()
    distance: int = engine.diff_levenshtein(engine.diff_main(before, after, False))
    return round(1.0 - distance / max(len(before), len(after)), 4)


def is_change(spans: tuple[DiffSpan, ...]) -> bool:
    """Whether a diff holds any insertion or deletion."""
    return any(span.op != "equal" for span in spans)
