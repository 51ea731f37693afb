"""Synthetic releases for benchmarks: real sentences recombined, figures and years shifted.

Each synthetic release keeps the boilerplate of a real one (its first and last lines) and
fills its body with paragraphs drawn from all the real releases. Releases come in series of
editions a year apart, so recurring facts recur with new figures. The same inputs and seed
give the same releases.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-2]\d)(?!\d)")
AMOUNT = re.compile(r"(?<=\$)(\d+(?:\.\d+)?)")
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
EDITIONS_PER_SERIES = 5
HEAD_LINES = 3
TAIL_LINES = 2
TARGET_CHARS = 6000


@dataclass(frozen=True)
class Release:
    """One synthetic release: its file name and text."""

    name: str
    text: str


def paragraphs(texts: Sequence[str]) -> list[str]:
    """The paragraphs of real releases that state something (at least one digit)."""
    return [
        p.strip()
        for text in texts
        for p in PARAGRAPH_BREAK.split(text)
        if any(c.isdigit() for c in p)
    ]


def shifted(text: str, years: int, scale: float) -> str:
    """A paragraph moved by some years, its dollar amounts scaled."""
    text = YEAR.sub(lambda m: str(int(m.group()) + years), text)
    return AMOUNT.sub(lambda m: f"{float(m.group()) * scale:.1f}", text)


def generate(count: int, texts: Sequence[str], seed: int = 0) -> list[Release]:
    """`count` releases built from real ones; deterministic for a seed."""
    pool = paragraphs(texts)
    if not pool:
        raise ValueError("the real releases state no figure to recombine")
    releases: list[Release] = []
    for index in range(count):
        series, edition = divmod(index, EDITIONS_PER_SERIES)
        rng = random.Random(f"{seed}:{series}")
        template = texts[rng.randrange(len(texts))].splitlines()
        body_seed = rng.random()
        edition_rng = random.Random(f"{seed}:{series}:{edition}")
        scale = 1.0 + 0.05 * edition + edition_rng.uniform(-0.02, 0.02)
        chosen: list[str] = []
        size = 0
        body_rng = random.Random(body_seed)
        while size < TARGET_CHARS:
            paragraph = shifted(pool[body_rng.randrange(len(pool))], edition, scale)
            chosen.append(paragraph)
            size += len(paragraph)
        head = "\n".join(template[:HEAD_LINES])
        tail = "\n".join(template[-TAIL_LINES:])
        text = f"{head}\n\n" + "\n\n".join(chosen) + f"\n\n{tail}\n"
        releases.append(Release(f"{series:05d}-{edition}_synthetic.txt", text))
    return releases
