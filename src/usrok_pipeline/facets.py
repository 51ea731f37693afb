"""What a figure measures, as facets read from the words of its clause: the key that links the
same recurring fact across releases however each release words it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

import yaml

UNIT_FAMILIES = {"usd": "money", "people": "count", "count": "count", "years": "years"}
PEOPLE_MEASURES = frozenset({"students", "troops", "jobs", "visitors", "residents", "supplies"})
DIRECTION_LABELS = {"us_to_rok": "U.S. to the ROK", "rok_to_us": "ROK to the U.S."}
# How a measure's label takes its object's: 'Trade in goods', 'Funding for health'.
OBJECT_LINKS = {"exports": "of", "aid": "for", "participants": "of", "jobs": "", "supplies": "—"}
FLOW_LABELS = {"us_to_rok": "U.S. exports to the ROK", "rok_to_us": "U.S. imports from the ROK"}
STATISTIC_LABELS = {
    "change_pct": "change (%)",
    "change_usd": "change ($)",
    "multiple": "growth (times)",
    "share": "share (%)",
}
ANY = "all"
# The words of a key derived from a figure with no word around it: it names no series, so
# figures of several releases that have it are not one.
UNLABELLED = "unlabelled"
# Where a figure's clause ends: what follows tells of another figure.
CLAUSE_END = re.compile(r",\s+(?:and|but|while|whereas|on top of|in addition to)\b|;")
# A count's clause ends at its examples too: '10,000 participants, including 3,600 Fulbrighters'.
COUNT_CLAUSE_END = re.compile(
    r",\s+(?:and|but|while|whereas|on top of|in addition to|including|such as)\b|;"
)


@dataclass(frozen=True)
class Facet:
    """One word of a vocabulary: its name in keys, its label, the words that say it."""

    name: str
    label: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Vocabulary:
    """The facet vocabularies, compiled."""

    measures: dict[str, tuple[Facet, ...]]
    objects_of: dict[str, tuple[Facet, ...]]
    ages: tuple[Facet, ...]
    aggregations: tuple[Facet, ...]
    defaults: dict[str, str]
    needs_object: frozenset[str]
    two_way: re.Pattern[str]
    between: re.Pattern[str]
    product: re.Pattern[str]
    product_of: re.Pattern[str]
    generic: frozenset[str]
    us: str
    rok: str

    @property
    def labels(self) -> dict[str, str]:
        """Every facet's label by its name."""
        every = [*self.ages, *self.aggregations]
        every += [f for facets in self.objects_of.values() for f in facets]
        every += [f for facets in self.measures.values() for f in facets]
        return {f.name: f.label for f in every}


@dataclass(frozen=True)
class Facets:
    """What a figure measures: the parts of its key."""

    measure: str
    object: str = ANY
    direction: str = ANY
    statistic: str = "level"
    aggregation: str = ANY

    @property
    def key(self) -> str:
        """The key of the series: the facets joined by dots."""
        return ".".join(
            (self.measure, self.object, self.direction, self.statistic, self.aggregation)
        )


def facet(entry: dict[str, Any]) -> Facet:
    """A vocabulary entry, compiled."""
    unless = re.compile(entry["unless"], re.I) if "unless" in entry else None
    return Facet(
        str(entry["name"]), str(entry["label"]), re.compile(entry["pattern"], re.I), unless
    )


@cache
def vocabulary() -> Vocabulary:
    """The packaged facet vocabularies."""
    text = resources.files("usrok_pipeline").joinpath("data/facets.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    return Vocabulary(
        measures={
            family: tuple(facet(e) for e in entries) for family, entries in raw["measures"].items()
        },
        objects_of={
            measure: tuple(facet(e) for e in raw["objects"][group])
            for group, measures in raw["object_groups"].items()
            for measure in measures
        },
        ages=tuple(facet(e) for e in raw["ages"]),
        aggregations=tuple(facet(e) for e in raw["aggregations"]),
        defaults=dict(raw["defaults"]),
        needs_object=frozenset(raw["needs_object"]),
        two_way=re.compile(raw["two_way"], re.I),
        between=re.compile(raw["between"], re.I),
        product=re.compile(raw["product"], re.I),
        product_of=re.compile(raw["product_of"], re.I),
        generic=frozenset(raw["generic"]),
        us=raw["nations"]["us"],
        rok=raw["nations"]["rok"],
    )


@cache
def any_of(facets: tuple[Facet, ...]) -> re.Pattern[str]:
    """One pattern for a whole vocabulary: most contexts name none of its words, and one
    search tells so (first() 0.18 -> 0.13 s over 20 extractions of the development set)."""
    return re.compile("|".join(f"(?:{f.pattern.pattern})" for f in facets), re.I)


def first(facets: tuple[Facet, ...], contexts: Sequence[str]) -> Facet | None:
    """The first facet that a context names, nearest context first."""
    if not facets:
        return None
    anywhere = any_of(facets)
    for context in dict.fromkeys(contexts):  # the contexts of a figure overlap
        if not anywhere.search(context):
            continue
        for candidate in facets:
            if candidate.pattern.search(context) and not (
                candidate.unless and candidate.unless.search(context)
            ):
                return candidate
    return None


@cache
def nation_patterns(us: str, rok: str) -> tuple[re.Pattern[str], ...]:
    """Where a clause says a nation: after 'to'/'in', after 'from', before the measured noun."""
    either = rf"(?P<us>(?<!\w)(?:{us})(?!\w))|(?P<rok>(?<!\w)(?:{rok})(?!\w))"
    return (
        re.compile(rf"\b(?:to|into|in|at|on)\s+(?:the\s+)?(?:{either})"),
        re.compile(rf"\bfrom\s+(?:the\s+)?(?:{either})"),
        re.compile(rf"(?:{either})(?:['’]s)?"),
    )


def nation(match: re.Match[str] | None) -> str | None:
    """Which nation a match names."""
    if match is None:
        return None
    return "us" if match.group("us") else "rok"


def other(side: str) -> str:
    """The other country."""
    return "rok" if side == "us" else "us"


def direction(measure: str, context: str, vocab: Vocabulary, counted: str = "") -> str:
    """Which way a figure goes between the two countries, from where its clause says it goes
    to, comes from, or whose it is ('U.S. exports to Korea', 'Korean investment in the
    United States', 'goods imports from Korea', 'Korean students')."""
    if measure == "trade" and (vocab.two_way.search(context) or "exports" not in context):
        return "two_way"
    if measure in ("deficit", "surplus"):
        return ANY
    if vocab.between.search(context):
        return "two_way"
    to, source, whose = nation_patterns(vocab.us, vocab.rok)
    destination = nation(to.search(context))
    origin = nation(source.search(context))
    owner = nation(whose.search(context))
    if measure == "jobs":
        # Jobs are where their workers are ('52,000 U.S. jobs', '90,000 Americans'); they
        # come from the other country's firms.
        place = nation(whose.search(counted)) or destination
        return f"{other(place)}_to_{place}" if place else ANY
    if measure == "aid" and destination is None:
        return ANY  # funding goes where it is said to go: 'to COVAX' is to neither
    if measure == "imports":
        # The importer is the country named with the word: 'U.S. imports from Korea'.
        destination = destination or owner
        origin = origin or (other(destination) if destination else None)
    else:
        origin = origin or (owner if owner != destination else None)
        if origin is None and destination:
            origin = other(destination)
        if measure in PEOPLE_MEASURES and origin and not destination:
            # People go somewhere: 'The ROK sent troops to the region' is not to the U.S.
            names = {nation(m) for m in whose.finditer(context)}
            if other(origin) not in names:
                return ANY
    if origin is None and measure in ("exports", "imports") and owner is None:
        # A U.S. release's exports and imports are the United States' own.
        origin = "us" if measure == "exports" else "rok"
    if origin is None:
        return ANY
    return f"{origin}_to_{other(origin)}"


def product_words(clause: str, vocab: Vocabulary) -> list[str]:
    """The words that may name a product of a flow: the first before one ('semiconductor
    trade'), each after one ('imports of Korean automobiles')."""
    before = vocab.product.search(clause)
    return [
        *([before.group("word")] if before else []),
        *(m.group("word") for m in vocab.product_of.finditer(clause)),
    ]


def read_facets(
    unit: str,
    statistic: str,
    near: Sequence[str],
    clause: str,
    topic: str = "",
    wider: Sequence[str] = (),
) -> Facets | None:
    """The facets of a figure of UNIT and STATISTIC: the measure from the words NEAR it
    (nearest first), the rest from its CLAUSE, else from the WIDER contexts (TOPIC: the
    goods or services the paragraph spoke of); None when no measure is named."""
    vocab = vocabulary()
    family = "money" if statistic == "share" else UNIT_FAMILIES.get(unit)
    measure = first(vocab.measures.get(family or "", ()), [*near, clause])
    if measure is None:
        return None
    if measure.name == "age":
        # What has lasted may be named anywhere in the sentence: 'For seven decades, ...
        # our alliance has been'.
        age = first(vocab.ages, wider[-1:] or [clause])
        return Facets("age", age.name) if age else None
    end = COUNT_CLAUSE_END if family == "count" else CLAUSE_END
    clause = end.split(clause, maxsplit=1)[0]
    wider = [clause, *(end.split(c, maxsplit=1)[0] for c in (*near, *wider))]
    # A count's object is named with its noun ('3,600 Fulbrighters'); a sum's in its clause.
    places = [*near, clause] if family == "count" else [*near[:1], *wider, topic]
    what = first(vocab.objects_of.get(measure.name, ()), places)
    if what is None and any(w.lower() not in vocab.generic for w in product_words(clause, vocab)):
        return None  # 'semiconductor trade': a product the vocabulary does not name
    # A sum counted since a time says so anywhere in the sentence ('Since January 2021,
    # companies have announced ...' is cumulative); the other aggregations, nearest first.
    whole = [" ".join(dict.fromkeys(wider))]
    aggregation = first(vocab.aggregations[:1], whole) or first(vocab.aggregations, wider)
    default = vocab.defaults.get(f"{measure.name}.{what.name}" if what else "") or (
        vocab.defaults.get(measure.name)
    )
    # Jobs that exports support are the exporter's: they go the exports' way, wherever the
    # jobs are said to be ('U.S. exports to Korea support 360,000 American jobs').
    flow = "exports" if measure.name == "jobs" and what and what.name == "exports" else measure.name
    way = next(
        (w for c in wider if (w := direction(flow, c, vocab, near[0])) != ANY),
        ANY,
    )
    return Facets(
        # Imports from one country are the other's exports to it: one series, however said.
        measure="exports" if measure.name == "imports" and way != ANY else measure.name,
        object=what.name if what else ANY,
        direction=way,
        statistic=statistic,
        aggregation=aggregation.name if aggregation else default or ANY,
    )


def parse_key(key: str) -> Facets | None:
    """The facets a key is composed of; None for a key that is not one."""
    parts = key.split(".")
    if len(parts) != len(Facets.__dataclass_fields__):
        return None
    return Facets(*parts)


def fields(metric: str | None, is_rank: bool) -> dict[str, str]:
    """The facet fields of a fact with this metric: those of a faceted key, 'rank' for a
    rank, none otherwise."""
    if is_rank:
        return {"statistic": "rank"}
    found = parse_key(metric or "")
    if found is None:
        return {}
    return {
        "measure": found.measure,
        "object": found.object,
        "direction": found.direction,
        "statistic": found.statistic,
        "aggregation": found.aggregation,
    }


def inherit(found: Facets, earlier: str) -> str | None:
    """The key of a figure that names its measure only ('the stock of that investment'),
    from the figure before it of the same measure: what and which way from that one, its
    own aggregation and statistic."""
    before = parse_key(earlier)
    if before is None or before.measure != found.measure:
        return None
    aggregation = found.aggregation if found.aggregation != ANY else before.aggregation
    return replace(before, statistic=found.statistic, aggregation=aggregation).key


def specific(found: Facets) -> bool:
    """Whether facets say enough to make a series: a measure alone ('investment', 'funding')
    gathers figures of different things; 'the trade deficit' of a U.S. release is the U.S.
    deficit with the ROK, as a two-way total is both's (a surplus may be either's)."""
    if found.measure in vocabulary().needs_object:
        return found.object != ANY
    return found.object != ANY or found.direction != ANY or found.measure in ("age", "deficit")


def with_statistic(key: str, statistic: str) -> str:
    """The key of the same measure as another statistic: a change of a level (of a rank,
    the rank's key with a suffix that link.fact_label names)."""
    found = parse_key(key)
    if found is None:
        return f"{key}_{'growth_multiple' if statistic == 'multiple' else statistic}"
    return replace(found, statistic=statistic).key


def label(key: str) -> str | None:
    """A reader's name for a faceted key ('Trade in goods and services (two-way)'), or None
    for a key that is not one."""
    found = parse_key(key)
    if found is None:
        return None
    measure, what, way = found.measure, found.object, found.direction
    statistic, aggregation = found.statistic, found.aggregation
    names = vocabulary().labels
    if measure == "age":
        return f"Age of {names.get(what, 'the relationship')}"
    named = names.get(measure, measure)
    thing = names.get(what, what)
    if measure == "exports" and way in FLOW_LABELS:
        words = [FLOW_LABELS[way]]
    elif what != ANY and thing.endswith(named):
        words, what = [thing[:1].upper() + thing[1:]], ANY  # 'Direct investment'
    else:
        words = [named[:1].upper() + named[1:]]
    if what != ANY:
        words.append(" ".join(filter(None, (OBJECT_LINKS.get(measure, "in"), thing))))
    if way == "two_way":
        words.append("(two-way)")
    elif way in DIRECTION_LABELS and measure != "exports":
        words.append(f"({DIRECTION_LABELS[way]})")
    if aggregation not in (ANY, "annual"):
        words.append(f"[{names.get(aggregation, aggregation)}]")
    text = " ".join(words)
    return f"{text}: {STATISTIC_LABELS[statistic]}" if statistic in STATISTIC_LABELS else text
