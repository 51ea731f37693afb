"""Significance: which changes of a report a reader should see first."""

from __future__ import annotations

from collections.abc import Sequence

from .link import NEW_FIGURE, RANK_CHANGE, REVISION, period_years, same_value
from .records import FactChange

# A revision corrects what was believed; a new figure or rank moves a series on.
KIND_WEIGHTS = {REVISION: 1.0, RANK_CHANGE: 0.9, NEW_FIGURE: 0.8}
CONTEXT_WEIGHT = 0.5  # a figure outside the bilateral relationship
YEARLY_DECAY = 0.85  # a change whose period is a year older weighs this much less
LARGEST_SIZE = 1.0  # a doubling and more count alike
SIZE_FLOOR = 0.5  # a small move of a series still outranks nothing


def size(change: FactChange) -> float:
    """How large a change is against its series: its share of the figure before it."""
    if change.previous is None:
        return 0.0
    before, after = change.previous.value, change.fact.value
    if not before:
        return LARGEST_SIZE
    return min(abs(after - before) / abs(before), LARGEST_SIZE)


def moves(change: FactChange) -> bool:
    """Whether a change gives another value than the figure before it (a period reworded,
    '2021-2025' for 'over five years', is no headline)."""
    return change.previous is not None and not same_value(change.previous.value, change.fact.value)


def year_of(change: FactChange) -> int:
    """The year a change is of: its period's last year, else its release's year."""
    years = period_years(change.fact.period)
    if years:
        return years[-1]
    return int(change.date[:4]) if change.date else 0


def ranked(changes: Sequence[FactChange]) -> list[FactChange]:
    """The changes most significant first, by one score: the kind's weight (halved for a
    figure of context) times the move's size against the figure before it (from
    SIZE_FLOOR) times a yearly decay from the newest period; equal scores in key order."""
    newest = max(map(year_of, changes), default=0)

    def score(change: FactChange) -> float:
        weight = KIND_WEIGHTS.get(change.kind, 0.0)
        if change.fact.scope == "context":
            weight *= CONTEXT_WEIGHT
        recency = YEARLY_DECAY ** (newest - year_of(change))
        return weight * (SIZE_FLOOR + size(change)) * recency

    return sorted(changes, key=lambda c: (-score(c), c.key, c.fact.document, c.fact.start))
