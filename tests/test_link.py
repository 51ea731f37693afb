"""Link: timelines across releases and how each statement is classified."""

from __future__ import annotations

from dataclasses import replace

import pytest

from usrok_pipeline import pipeline
from usrok_pipeline.link import changed_facts, movement, news, rewordings, timelines
from usrok_pipeline.pipeline import nothing_to_do
from usrok_pipeline.records import (
    Fact,
    LastRun,
    Metadata,
    NormalizedDocument,
    ProcessedDocument,
    Rejected,
    SourceFile,
)


def fact(
    document: str,
    value: float,
    period: str | None,
    unit: str = "usd",
    key: str = "trade",
    sentence: str = "Trade was high.",
) -> Fact:
    return Fact(
        document=document,
        sentence=sentence,
        start=0,
        end=len(sentence),
        mention="x",
        value=value,
        unit=unit,
        qualifier="exact",
        period=period,
        metric=key,
        key=key,
        scope="bilateral",
    )


def release(name: str, date: str | None, *facts: Fact) -> ProcessedDocument:
    meta = Metadata(title=name, title_source="test", date=date, date_source="test", source_url=None)
    return ProcessedDocument(NormalizedDocument(name, "h", meta, ""), facts)


@pytest.mark.parametrize(
    ("statements", "kinds"),
    [
        (
            [("a", "2019-01-01", 100, "2018"), ("b", "2020-01-01", 120, "2019")],
            ["new figure", "new figure"],
        ),
        (
            [("a", "2019-01-01", 100, "2018"), ("b", "2020-01-01", 100.2, "2018")],
            ["new figure", "restatement"],
        ),
        (
            [("a", "2019-01-01", 100, "2018"), ("b", "2020-01-01", 95, "2018")],
            ["new figure", "revision"],
        ),
        (
            [("b", "2020-01-01", 120, "2019"), ("a", "2019-01-01", 100, "2018")],
            ["new figure", "new figure"],
        ),
    ],
)
def test_classification(statements: list[tuple[str, str, float, str]], kinds: list[str]) -> None:
    docs = [release(n, d, fact(n, v, p)) for n, d, v, p in statements]
    (line,) = timelines(docs, {"trade": "Trade"})
    assert [c.kind for c in line.changes] == kinds
    assert line.label == "Trade"


def test_rank_change_and_restatement() -> None:
    docs = [
        release("a", "2014-01-01", fact("a", 6, None, unit="rank", key="rank")),
        release("b", "2019-01-01", fact("b", 7, None, unit="rank", key="rank")),
        release("c", "2023-01-01", fact("c", 7, None, unit="rank", key="rank")),
    ]
    (line,) = timelines(docs, {})
    assert [c.kind for c in line.changes] == ["new figure", "rank change", "restatement"]
    assert [c.kind for c in changed_facts([line])] == ["rank change"]


def test_single_release_facts_are_tracked_only_for_catalog_metrics() -> None:
    unlisted = replace(fact("a", 1, None), metric=None, key="count:things")
    listed = fact("a", 2, None)
    (line,) = timelines([release("a", None, unlisted, listed)], {})
    assert line.key == "trade"


def test_figures_with_no_words_around_them_are_no_series_across_releases() -> None:
    sentences = ("Grants rose 10 percent to $2 billion in 2020.", "Loans fell 5% to $7 billion.")
    processed, _ = pipeline.process(
        [SourceFile(f"{n}.txt", str(n), text.encode()) for n, text in enumerate(sentences)]
    )
    keys = [f.key for p in processed for f in p.facts if f.unit == "usd"]
    assert keys == ["usd:unlabelled", "usd:unlabelled"]
    assert timelines(processed, {}) == []


def test_restated_old_figure_is_stale() -> None:
    docs = [
        release("a", "2020-01-01", fact("a", 120, "2019")),
        release("b", "2021-01-01", fact("b", 100, "2018")),
    ]
    (line,) = timelines(docs, {})
    assert [(c.fact.document, c.stale) for c in line.changes] == [("b", True), ("a", False)]
    assert movement(line) == ("up", 20, 20.0)


def test_rewordings_pair_consecutive_statements() -> None:
    docs = [
        release(
            "a", "2020-01-01", fact("a", 1, None, sentence="The ROK donated essential supplies.")
        ),
        release(
            "b", "2021-01-01", fact("b", 1, None, sentence="The ROK donated critical supplies.")
        ),
        release("c", "2022-01-01", fact("c", 1, None, sentence="Completely different words here.")),
    ]
    (found,) = rewordings(timelines(docs, {}))
    assert (found.before_document, found.after_document) == ("a", "b")
    assert [(s.op, s.text) for s in found.spans if s.op != "equal"] == [
        ("delete", "essential"),
        ("insert", "critical"),
    ]


LAST = LastRun("code-1", "/r", "completed", 10, 2, (Rejected("bad.txt", "the file is empty"),))


@pytest.mark.parametrize(
    ("files", "unreadable", "last", "code", "reports", "expected"),
    [
        ((0, 0, 0), [], LAST, "code-1", "/r", True),
        ((0, 0, 0), ["bad.txt"], LAST, "code-1", "/r", True),
        ((1, 0, 0), [], LAST, "code-1", "/r", False),
        ((0, 0, 1), [], LAST, "code-1", "/r", False),
        ((0, 0, 0), ["other.txt"], LAST, "code-1", "/r", False),
        ((0, 0, 0), [], LAST, "code-2", "/r", False),
        ((0, 0, 0), [], LAST, "code-1", "/elsewhere", False),
        ((0, 0, 0), [], None, "code-1", "/r", False),
    ],
)
def test_a_run_stops_at_once_only_when_nothing_can_differ(
    files: tuple[int, int, int],
    unreadable: list[str],
    last: LastRun | None,
    code: str,
    reports: str,
    expected: bool,
) -> None:
    assert nothing_to_do(files, unreadable, last, code, reports) is expected


@pytest.mark.parametrize(
    ("measure", "aggregation", "moves_with_time"),
    [("age", "all", True), ("ships", "cumulative", True), ("ships", "annual", False)],
)
def test_a_figure_that_grows_as_time_passes_is_no_news(
    measure: str, aggregation: str, moves_with_time: bool
) -> None:
    def aged(document: str, value: float, period: str) -> Fact:
        return replace(
            fact(document, value, period, unit="years", key="port.age"),
            measure=measure,
            aggregation=aggregation,
        )

    lines = timelines(
        [
            release("a", "2010-05-01", aged("a", 30, "2010")),
            release("b", "2020-05-01", aged("b", 40, "2020")),
        ],
        {"port.age": "Age of the port"},
    )
    assert [c.kind for c in changed_facts(lines)] == ["new figure"]
    assert bool(news(lines)) is not moves_with_time
    assert movement(lines[0]) == (("with-time", 10, None) if moves_with_time else ("up", 10, 33.3))


def test_one_release_that_gives_two_periods_states_a_change() -> None:
    lines = timelines(
        [release("a", "2021-03-01", fact("a", 20e9, "2012"), fact("a", 60e9, "2020"))],
        {"trade": "Trade"},
    )
    (line,) = lines
    assert [(c.kind, c.previous.value if c.previous else None) for c in line.changes] == [
        ("new figure", None),
        ("new figure", 20e9),
    ]
    assert movement(line) == ("up", 40e9, 200.0)


def test_one_change_against_two_bases_in_one_release_is_no_movement() -> None:
    lines = timelines(
        [
            release(
                "a",
                "2012-03-01",
                fact("a", 12, "2011 vs 2010", unit="percent"),
                fact("a", 56, "2011 vs 2000", unit="percent"),
            )
        ],
        {"trade": "Trade"},
    )
    assert changed_facts(lines) == []
