"""Link the same recurring fact across releases and say how each statement relates to the last."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from . import diff, facets
from .records import Comparison, Fact, FactChange, ProcessedDocument, Rewording, Timeline

YEAR = re.compile(r"(?<!\d)(?:18|19|20)\d\d(?!\d)")
# A period that runs from a year to whenever the release speaks ('since 1955') ends at no
# year the text names.
OPEN_PERIOD = re.compile(r"^\s*since\b", re.IGNORECASE)
RELATIVE_TOLERANCE = 0.005
REWORDING_MIN_SIMILARITY = 0.5
NEW_FIGURE = "new figure"
RESTATEMENT = "restatement"
REVISION = "revision"
RANK_CHANGE = "rank change"
# A figure that grows as time passes: how a movement of one is told apart.
AGE = "age"
CUMULATIVE = "cumulative"
WITH_TIME = "with-time"
DERIVED_LABELS = (
    ("_change_pct", "change (%)"),
    ("_change_usd", "change ($)"),
    ("_growth_multiple", "growth (times)"),
)


def same_value(a: float, b: float) -> bool:
    """Values equal within rounding (half a percent), as releases round their figures."""
    return a == b or abs(a - b) <= RELATIVE_TOLERANCE * max(abs(a), abs(b))


def period_years(period: str | None) -> tuple[int, ...]:
    """The years a period names, for ordering and comparison."""
    return tuple(sorted(int(y) for y in YEAR.findall(period or "")))


def period_end(period: str | None) -> int | None:
    """The year a figure stands at on a time axis, the last its period names; None for no
    period, or one open to the release's own time."""
    years = period_years(period)
    return years[-1] if years and not OPEN_PERIOD.match(period or "") else None


def ordering(fact: Fact, dates: Mapping[str, str | None]) -> tuple[int, str, str, int]:
    """Timeline order: the period's last year (else the release year), date, name, offset."""
    date = dates.get(fact.document) or ""
    years = period_years(fact.period)
    year = years[-1] if years else int(date[:4]) if date else 9999
    return (year, date or "9999", fact.document, fact.start)


def classify(fact: Fact, previous: Fact | None, same_period: Iterable[float]) -> str:
    """What a statement is against the figures stated before it in other releases
    (`same_period`: the values they gave for the same period)."""
    if previous is None:
        return NEW_FIGURE
    if fact.unit == "rank" and not same_value(fact.value, previous.value):
        return RANK_CHANGE
    values = list(same_period)
    if values:
        if any(same_value(value, fact.value) for value in values):
            return RESTATEMENT
        return REVISION
    if same_value(fact.value, previous.value) and not period_years(fact.period):
        return RESTATEMENT
    return NEW_FIGURE


def tracked_keys(documents: Sequence[ProcessedDocument]) -> dict[str, list[Fact]]:
    """Facts grouped by key, for catalog metrics and for keys stated in more than one release
    (but a key that names nothing)."""
    by_key: dict[str, list[Fact]] = defaultdict(list)
    for processed in documents:
        for fact in processed.facts:
            by_key[fact.key].append(fact)
    return {
        key: facts
        for key, facts in sorted(by_key.items())
        if is_tracked(facts[0].metric is not None, len({fact.document for fact in facts}))
        and not key.endswith(f":{facets.UNLABELLED}")
    }


def is_tracked(is_metric: bool, releases: int) -> bool:
    """Whether a key gets a timeline and a page: catalog metrics, and keys stated in more
    than one release."""
    return is_metric or releases > 1


def stale_facts(facts: Sequence[Fact], dates: Mapping[str, str | None]) -> set[int]:
    """Positions of figures restated after another release had already given a later
    period's figure (releases read in date order, keeping the latest period seen so far)."""
    dated = sorted(
        (date, index, years[-1])
        for index, fact in enumerate(facts)
        if (date := dates.get(fact.document)) and (years := period_years(fact.period))
    )
    stale: set[int] = set()
    latest_before = 0
    pending_date, pending_latest = "", 0
    for date, index, year in dated:
        if date != pending_date:
            latest_before = max(latest_before, pending_latest)
            pending_date, pending_latest = date, 0
        if year < latest_before:
            stale.add(index)
        pending_latest = max(pending_latest, year)
    return stale


def timelines(documents: Sequence[ProcessedDocument], labels: Mapping[str, str]) -> list[Timeline]:
    """Every catalog metric and every fact stated in several releases, as a timeline of its
    statements, each classified."""
    dates = {p.document.name: p.document.metadata.date for p in documents}
    return [timeline(key, facts, dates, labels) for key, facts in tracked_keys(documents).items()]


def timeline(
    key: str, facts: Sequence[Fact], dates: Mapping[str, str | None], labels: Mapping[str, str]
) -> Timeline:
    """The statements of one tracked key (DATES: of the releases that state it), oldest
    first, each classified against the one before it: of another release, or of the same
    release for an earlier period (a release that gives 2011 and 2019 states a change)."""
    ordered = sorted(facts, key=lambda f: ordering(f, dates))
    stale = stale_facts(ordered, dates)
    changes: list[FactChange] = []
    last: Fact | None = None
    last_other: Fact | None = None  # the latest fact from another release than `last`'s
    by_period: dict[tuple[int, ...], dict[float, set[str]]] = defaultdict(dict)
    for index, fact in enumerate(ordered):
        previous = last if last and follows(last, fact) else last_other
        period = by_period[period_years(fact.period)]
        same_period = [v for v, docs in period.items() if docs - {fact.document}]
        changes.append(
            FactChange(
                key=key,
                kind=classify(fact, previous, same_period),
                fact=fact,
                date=dates.get(fact.document),
                previous=previous,
                previous_date=dates.get(previous.document) if previous else None,
                stale=index in stale,
            )
        )
        period.setdefault(fact.value, set()).add(fact.document)
        if last is not None and last.document != fact.document:
            last_other = last
        last = fact
    label = fact_label(key, labels)
    return Timeline(key=key, metric=ordered[0].metric, label=label, changes=tuple(changes))


def follows(before: Fact, after: Fact) -> bool:
    """Whether AFTER can be read against BEFORE: a fact of another release, or of the same
    release for a later period (not the same period twice, nor one change against two bases)."""
    if before.document != after.document:
        return True
    years_before, years_after = period_years(before.period), period_years(after.period)
    return bool(years_before and years_after and years_before[-1] < years_after[-1])


def compare_sentences(before: str, after: str) -> Comparison:
    """How alike two wordings of a claim are, and their word diff when they are alike enough
    to be shown as a rewording."""
    score = diff.similarity(before, after)
    spans = diff.text_diff(before, after) if score >= REWORDING_MIN_SIMILARITY else ()
    return Comparison(score, spans)


def rewordings(
    lines: Sequence[Timeline], compare: Callable[[str, str], Comparison] = compare_sentences
) -> list[Rewording]:
    """Recurring claims whose sentence was reworded from one release to the next (COMPARE:
    how two sentences are compared, which a caller may answer from earlier runs)."""
    seen: set[tuple[str, str]] = set()
    found: list[Rewording] = []
    for timeline in lines:
        for change in timeline.changes:
            before, after = change.previous, change.fact
            if before is None or before.sentence == after.sentence:
                continue
            pair = (before.sentence, after.sentence)
            if pair in seen:
                continue
            seen.add(pair)
            comparison = compare(before.sentence, after.sentence)
            if comparison.similarity < REWORDING_MIN_SIMILARITY:
                continue
            found.append(
                Rewording(
                    before=before,
                    after=after,
                    before_document=before.document,
                    after_document=after.document,
                    before_sentence=before.sentence,
                    after_sentence=after.sentence,
                    similarity=comparison.similarity,
                    spans=comparison.spans,
                )
            )
    return found


def moves_with_time(timeline: Timeline) -> bool:
    """Whether a figure grows only because time passes: an age, or a total since some date
    ("students since 1955"). Its new figures are no news."""
    fact = latest(timeline).fact
    return fact.measure == AGE or fact.aggregation == CUMULATIVE


def news(lines: Sequence[Timeline]) -> list[FactChange]:
    """The changes worth telling a reader of: those of figures that do not move with time."""
    return changed_facts([t for t in lines if not moves_with_time(t)])


def changed_facts(lines: Sequence[Timeline]) -> list[FactChange]:
    """The statements that move a recurring figure: revisions, rank changes and new figures."""
    return [
        change
        for timeline in lines
        for change in timeline.changes
        if change.previous is not None and change.kind in (REVISION, RANK_CHANGE, NEW_FIGURE)
    ]


def fact_label(key: str, labels: Mapping[str, str]) -> str:
    """A reader's name for a key: the catalog label, the label of the figure a change is of,
    else the key's own words."""
    if key in labels:
        return labels[key]
    faceted = facets.label(key)
    if faceted:
        return faceted
    for suffix, wording in DERIVED_LABELS:
        base = key.removesuffix(suffix)
        if base != key and base in labels:
            return f"{labels[base]}: {wording}"
    return key.split(":", 1)[-1].replace("_", " ")


def releases(timeline: Timeline) -> int:
    """How many releases state a fact."""
    return len({change.fact.document for change in timeline.changes})


def latest(timeline: Timeline) -> FactChange:
    """The statement of a fact for its latest period, from the latest release."""
    return timeline.changes[-1]


def movement(timeline: Timeline) -> tuple[str, float | None, float | None]:
    """How the latest figure compares with the figure before it: direction, change, percent;
    a figure that moves with time says so instead of up or down."""
    direction, change, percent = shift(latest(timeline))
    if change and moves_with_time(timeline):
        return WITH_TIME, change, None
    return direction, change, percent


def shift(statement: FactChange) -> tuple[str, float | None, float | None]:
    """How a statement compares with the figure before it: direction ('first', 'same', 'up',
    'down'; a rank is up when its number falls), change, and percent (None for a rank)."""
    if statement.previous is None:
        return "first", None, None
    before, after = statement.previous.value, statement.fact.value
    if same_value(before, after):
        return "same", 0.0, 0.0
    change = after - before
    if statement.fact.unit == "rank":
        return ("up" if after < before else "down"), change, None
    percent = round(100 * change / abs(before), 1) if before else None
    return ("up" if change > 0 else "down"), change, percent
