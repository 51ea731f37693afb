"""Topics: the tracked facts of related measures (trade, investment, people, ...) gathered for
one page, with the series of one measure, unit and statistic put on one chart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from . import facets, link
from .records import Timeline

RANKS_TITLE = "Ranks"


@dataclass(frozen=True, slots=True)
class Group:
    """Series of one unit that read together: goods, services and both of one trade."""

    title: str
    unit: str
    timelines: tuple[Timeline, ...]


@dataclass(frozen=True, slots=True)
class Topic:
    """One topic page: its name in the page's file name, its title and its groups."""

    name: str
    label: str
    groups: tuple[Group, ...]


@cache
def topic_table() -> tuple[tuple[tuple[str, str, tuple[str, ...]], ...], tuple[str, str]]:
    """The topics of data/topics.yaml as (name, label, measures), in page order, and the
    name and label of the page for facts of no topic."""
    raw = yaml.safe_load(
        resources.files("usrok_pipeline").joinpath("data/topics.yaml").read_text("utf-8")
    )
    listed = tuple((t["name"], t["label"], tuple(t["measures"])) for t in raw["topics"])
    return listed, (raw["other"]["name"], raw["other"]["label"])


def measure_of(timeline: Timeline, rank_measures: Mapping[str, str]) -> str:
    """What a tracked fact measures: its facet, or for a catalog rank what it ranks in."""
    return link.latest(timeline).fact.measure or rank_measures.get(timeline.key, "")


def group_key(timeline: Timeline) -> tuple[str, ...]:
    """Which chart a series is drawn on: ranks together, amounts by measure, statistic,
    aggregation and unit, a fact of no facets alone."""
    fact = link.latest(timeline).fact
    if fact.unit == "rank":
        return ("rank",)
    if not fact.measure:
        return ("key", timeline.key)
    return (fact.measure, fact.statistic, fact.aggregation, fact.unit)


def group_title(key: tuple[str, ...], first: Timeline) -> str:
    """A chart's title: 'Trade', 'Exports: change (%)', 'Ranks'; a lone fact's own label."""
    if key[0] == "rank":
        return RANKS_TITLE
    if key[0] == "key":
        return first.label
    measure, statistic, aggregation, _ = key
    named = facets.Facets(measure, facets.ANY, facets.ANY, statistic, aggregation)
    return facets.label(named.key) or first.label


def group_order(key: tuple[str, ...], measures: Sequence[str]) -> tuple[int, bool, tuple[str, ...]]:
    """Groups in the order of the topic's measures, levels before their changes and shares,
    ranks last."""
    if key[0] == "rank":
        return (len(measures) + 1, False, key)
    place = measures.index(key[0]) if key[0] in measures else len(measures)
    return (place, key[0] != "key" and key[1] != "level", key)


def topics(timelines: Sequence[Timeline], rank_measures: Mapping[str, str]) -> tuple[Topic, ...]:
    """The topics that have tracked facts, in page order, each with its groups in the order
    of its measures; the facts of no topic on the last page."""
    listed, (other_name, other_label) = topic_table()
    by_topic: dict[str, dict[tuple[str, ...], list[Timeline]]] = {}
    for timeline in timelines:
        measure = measure_of(timeline, rank_measures)
        name = next((n for n, _, measures in listed if measure in measures), other_name)
        by_topic.setdefault(name, {}).setdefault(group_key(timeline), []).append(timeline)
    pages = [*listed, (other_name, other_label, ())]
    return tuple(
        Topic(
            name,
            label,
            tuple(
                Group(group_title(key, lines[0]), link.latest(lines[0]).fact.unit, tuple(lines))
                for key, lines in sorted(
                    by_topic[name].items(), key=lambda item: group_order(item[0], measures)
                )
            ),
        )
        for name, label, measures in pages
        if name in by_topic
    )
