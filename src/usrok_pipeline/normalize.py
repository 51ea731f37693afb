"""Reduce a release to its own words: boilerplate out, hard wraps joined, lists kept."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from .records import Block, ParsedDocument, Removal

SPACE_LIKE = re.compile(r"[\u00a0\u2007\u2009\u202f\u3000\t]")
INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
ESCAPED_MARK = re.compile(r"\\([#*_`>\[\]])")
FORMAT_TAG = re.compile(r"</?(?:u|b|i|em|strong|sup|sub|span|small)\b[^>]*>", re.IGNORECASE)
EMPHASIS = re.compile(r"(?<![\w*])(\*{1,3}|_{2,3})(?=\S)(.{1,300}?)(?<=\S)\1(?![\w*])")
HEADING_MARK = re.compile(r"^#{1,6}\s+")
BULLET = re.compile(r"^(?:[•▪◦●·‣∙]|[-*+](?=\s|$)|\d{1,2}[.)](?=\s|$))\s*")
MULTISPACE = re.compile(r" {2,}")
# A character without which a line has no escape, emphasis or tag to drop.
MARKUP_CHARACTER = re.compile(r"[\\*_<]")
DIGIT = re.compile(r"\d")
WRAPPED_DOCUMENT_MAX_WIDTH = 100
WRAPPED_LINE_SHARE = 0.6
WRAPPED_OUTLIER_SHARE = 0.02
WRAPPED_RAGGED_CHARS = 25
WRAPPED_NEAR_WIDTH_SHARE = 0.4


@dataclass(frozen=True)
class Rules:
    """The boilerplate rules read from the YAML file."""

    line_rules: tuple[tuple[str, re.Pattern[str]], ...]
    inline_rules: tuple[tuple[str, re.Pattern[str]], ...]
    footer_patterns: tuple[re.Pattern[str], ...]
    footer_within_last_lines: int
    masthead_patterns: tuple[re.Pattern[str], ...]
    learned_min_documents: int
    learned_max_chars: int
    any_line_rule: re.Pattern[str] = re.compile(r"(?!)")
    any_inline_rule: re.Pattern[str] = re.compile(r"(?!)")


@cache
def load_rules() -> Rules:
    """The packaged boilerplate rules, compiled once."""
    raw: dict[str, Any] = yaml.safe_load(
        resources.files("usrok_pipeline").joinpath("data/normalize.yaml").read_text("utf-8")
    )
    return rules_from_mapping(raw)


def rules_from_mapping(raw: dict[str, Any]) -> Rules:
    """Compile a rules mapping (the YAML file's shape)."""
    line_rules = tuple(
        (name, re.compile(pattern, re.IGNORECASE))
        for name, patterns in raw.get("line_rules", {}).items()
        for pattern in patterns
    )
    inline_rules = tuple(
        (name, re.compile(pattern, re.IGNORECASE))
        for name, patterns in raw.get("inline_rules", {}).items()
        for pattern in patterns
    )
    footer = raw.get("footer", {})
    masthead = raw.get("masthead", {})
    learned = raw.get("learned", {})
    return Rules(
        line_rules=line_rules,
        inline_rules=inline_rules,
        footer_patterns=tuple(re.compile(p, re.IGNORECASE) for p in footer.get("patterns", [])),
        footer_within_last_lines=int(footer.get("within_last_lines", 0)),
        masthead_patterns=tuple(re.compile(p, re.IGNORECASE) for p in masthead.get("patterns", [])),
        learned_min_documents=int(learned.get("min_documents", 3)),
        learned_max_chars=int(learned.get("max_chars", 200)),
        any_line_rule=any_of(line_rules),
        any_inline_rule=any_of(inline_rules),
    )


def any_of(rules: Sequence[tuple[str, re.Pattern[str]]]) -> re.Pattern[str]:
    """One pattern that matches where any rule does: most lines match none, and one search
    is much cheaper than one per rule."""
    return re.compile("|".join(f"(?:{rx.pattern})" for _, rx in rules) or r"(?!)", re.IGNORECASE)


def clean_inline(line: str) -> str:
    """Drop markdown escapes, emphasis and formatting tags, until none is left (removing
    one pair of marks can make another)."""
    if not MARKUP_CHARACTER.search(line):
        return line
    while True:
        cleaned = EMPHASIS.sub(r"\2", FORMAT_TAG.sub("", ESCAPED_MARK.sub("", line)))
        if cleaned == line:
            return line
        line = cleaned


def masthead_end(lines: Sequence[str], patterns: Sequence[re.Pattern[str]]) -> int:
    """Where the site's name atop a page ends: at its first line that is not one."""
    for i, line in enumerate(lines):
        if line.strip() and not any(rx.search(line.strip()) for rx in patterns):
            return i
    return len(lines)


def strip_boilerplate_lines(lines: Sequence[str], rules: Rules) -> tuple[list[str], list[Removal]]:
    """Remove banner, notice, player and navigation lines, the site's name atop the page
    and the trailing footer."""
    kept: list[str] = []
    removed: list[Removal] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):  # a heading mark is markup too: "# ###" is a separator
            stripped = HEADING_MARK.sub("", stripped)
        if stripped and rules.any_line_rule.search(stripped):
            rule = next(name for name, rx in rules.line_rules if rx.search(stripped))
            removed.append(Removal(rule, stripped))
            continue
        if rules.any_inline_rule.search(line):
            for name, rx in rules.inline_rules:
                removed.extend(Removal(name, m.group().strip()) for m in rx.finditer(line))
                line = rx.sub("", line)
        kept.append(line)
    top = masthead_end(kept, rules.masthead_patterns)
    removed.extend(Removal("masthead", x.strip()) for x in kept[:top] if x.strip())
    kept = kept[top:]
    filled = [i for i, line in enumerate(kept) if line.strip()]
    for i in filled[-rules.footer_within_last_lines :] if rules.footer_within_last_lines else []:
        if any(rx.search(kept[i].strip()) for rx in rules.footer_patterns):
            removed.extend(Removal("footer", x.strip()) for x in kept[i:] if x.strip())
            kept = kept[:i]
            break
    return kept, removed


def is_hard_wrapped(lines: Sequence[str]) -> tuple[bool, int]:
    """Whether a text is wrapped at a fixed width (most lines end near it), and that width."""
    lengths = [len(line.rstrip()) for line in lines if line.strip()]
    if len(lengths) < 3:
        return False, 0
    over = [n for n in lengths if n > WRAPPED_DOCUMENT_MAX_WIDTH]
    if len(over) > WRAPPED_OUTLIER_SHARE * len(lengths):
        return False, 0
    width = max(n for n in lengths if n <= WRAPPED_DOCUMENT_MAX_WIDTH)
    near = [n for n in lengths if n >= width - WRAPPED_RAGGED_CHARS]
    return len(near) >= WRAPPED_NEAR_WIDTH_SHARE * len(lengths), width


def assemble_blocks(lines: Sequence[str]) -> list[Block]:
    """Join hard-wrapped lines into paragraphs, one block per paragraph or list item."""
    wrapped, width = is_hard_wrapped(lines)
    blocks: list[Block] = []
    parts: list[str] = []
    is_item = False
    joinable = False

    def flush() -> None:
        # Emphasis can open on one line and close on the next it is joined to, and what it
        # wrapped can start with a heading or list mark: read as a line would be.
        text = clean_inline(MULTISPACE.sub(" ", " ".join(parts)).strip())
        bullet = None
        if not is_item:
            text = HEADING_MARK.sub("", text)
            bullet = BULLET.match(text)
            text = text[bullet.end() :] if bullet else text
        if text:
            blocks.append(Block(text, is_item or bool(bullet)))
        parts.clear()

    for raw in lines:
        hard_break = raw.endswith("  ")
        line = HEADING_MARK.sub("", raw.strip())
        if not line:
            flush()
            joinable = False
            continue
        bullet = BULLET.match(line)
        if bullet or not joinable:
            flush()
            is_item = bool(bullet)
            line = line[bullet.end() :] if bullet else line
        parts.append(line)
        joinable = wrapped and not hard_break and len(raw.rstrip()) >= WRAPPED_LINE_SHARE * width
    flush()
    return blocks


def clean_blocks(parsed: ParsedDocument, rules: Rules) -> tuple[list[Block], list[Removal]]:
    """The rule-based first pass: what remains of a body, and what the rules removed."""
    lines = INVISIBLE.sub("", SPACE_LIKE.sub(" ", parsed.body)).split("\n")
    kept, removed = strip_boilerplate_lines(lines, rules)
    # Once markup is gone a line can turn out to be boilerplate too ("<b>###</b>").
    kept, removed_after = strip_boilerplate_lines([clean_inline(line) for line in kept], rules)
    return assemble_blocks(kept), [*removed, *removed_after]


def boilerplate_candidates(blocks: Iterable[Block], rules: Rules) -> frozenset[str]:
    """The blocks of one document that could be shared boilerplate: short, stating no number."""
    return frozenset(
        block.text
        for block in blocks
        if len(block.text) <= rules.learned_max_chars and not DIGIT.search(block.text)
    )


def learn_boilerplate(candidates: Iterable[Collection[str]], rules: Rules) -> frozenset[str]:
    """The candidates (one set per document) that recur across several documents."""
    counts: Counter[str] = Counter()
    for found in candidates:
        counts.update(found)
    return frozenset(text for text, n in counts.items() if n >= rules.learned_min_documents)


def render_blocks(blocks: Sequence[Block]) -> str:
    """Blocks as text: paragraphs apart by a blank line, list items on adjacent lines."""
    out: list[str] = []
    previous: Block | None = None
    for block in blocks:
        if previous is not None:
            out.append("\n" if block.is_item and previous.is_item else "\n\n")
        out.append(f"- {block.text}" if block.is_item else block.text)
        previous = block
    return "".join(out) + ("\n" if out else "")


def normalize(
    blocks: Sequence[Block], removed: Sequence[Removal], learned: frozenset[str]
) -> tuple[str, tuple[Removal, ...]]:
    """The final text of a document once learned boilerplate is taken out too."""
    kept = [block for block in blocks if block.text not in learned]
    dropped = [Removal("learned", block.text) for block in blocks if block.text in learned]
    return render_blocks(kept), (*removed, *dropped)
