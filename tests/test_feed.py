"""The run history: a page per run at a stable address, and an Atom feed a feed reader takes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import feedparser
import pytest
from pytest_regressions.file_regression import FileRegressionFixture

from conftest import PROJECT, REPORTS, SEEDS
from usrok_pipeline import pipeline, render, store
from usrok_pipeline.ingest import read_sources
from usrok_pipeline.records import ProcessedDocument, RunRecord

TEMPLATES = PROJECT / "templates"
FIRST_RUN = "2026-01-05T09:30:00+00:00"
SECOND_RUN = "2026-02-02T09:30:00+00:00"


def report_after(
    runs: Sequence[tuple[Sequence[ProcessedDocument], str]],
) -> dict[str, str]:
    """The report after RUNS, each the releases it saw and its start time, as the flow keeps
    the history: each run's news worked out when it is made, and kept."""
    history: list[RunRecord] = []
    seen: Sequence[ProcessedDocument] = ()
    for documents, started_at in runs:
        before = [f for p in seen for f in p.facts]
        deltas = pipeline.fact_deltas(before, [f for p in documents for f in p.facts])
        files = (len(documents) - len(seen), 0, 0)
        history.append(pipeline.run_record(len(history) + 1, files, 0, deltas, started_at))
        report = pipeline.build_report(documents, [], [], [], history, deltas)
        history = list(report.history)
        seen = documents
    return render.render(report, TEMPLATES)


@pytest.fixture(scope="module")
def two_runs() -> tuple[dict[str, str], dict[str, str]]:
    """The seeds' report after a run on all but the latest release, and after the next run,
    which adds it."""
    sources, _ = read_sources(sorted(SEEDS.glob("*.txt")))
    processed, _ = pipeline.process(sources)
    ordered = sorted(processed, key=lambda p: p.document.name)
    first = report_after([(ordered[:-1], FIRST_RUN)])
    second = report_after([(ordered[:-1], FIRST_RUN), (ordered, SECOND_RUN)])
    return first, second


def parsed(feed: str) -> feedparser.FeedParserDict:
    result = feedparser.parse(feed)
    assert not result.bozo, result.get("bozo_exception")
    assert result.version == "atom10"
    return result


def test_the_committed_report_has_a_valid_feed_of_its_run() -> None:
    feed = parsed((REPORTS / "feed.xml").read_text(encoding="utf-8"))
    (entry,) = feed.entries
    assert entry.link == "runs/1.html"
    assert (REPORTS / "runs" / "1.html").is_file()
    assert entry.id.startswith("urn:uuid:")
    assert "figures moved" in entry.title


def test_the_feed_lists_runs_newest_first_with_their_dates(
    two_runs: tuple[dict[str, str], dict[str, str]],
) -> None:
    _, second = two_runs
    feed = parsed(second["feed.xml"])
    assert [e.link for e in feed.entries] == ["runs/2.html", "runs/1.html"]
    assert [e.updated for e in feed.entries] == [SECOND_RUN, FIRST_RUN]
    assert feed.feed.updated == SECOND_RUN
    assert len({e.id for e in feed.entries}) == 2
    assert "1 new, 0 changed" in feed.entries[0].title


def test_a_run_keeps_its_address_and_its_feed_id_when_later_runs_come(
    two_runs: tuple[dict[str, str], dict[str, str]],
) -> None:
    first, second = two_runs
    before, after = parsed(first["feed.xml"]), parsed(second["feed.xml"])
    assert before.feed.id == after.feed.id
    assert before.entries[0].id == after.entries[-1].id
    assert {"runs/1.html", "runs/1.md"} <= first.keys()
    assert {"runs/1.html", "runs/1.md", "runs/2.html", "runs/2.md"} <= second.keys()


def test_a_run_page_links_the_statements_it_brought(
    two_runs: tuple[dict[str, str], dict[str, str]],
) -> None:
    _, second = two_runs
    page = second["runs/2.html"]
    assert "2026-02-02 09:30 UTC" in page
    assert 'href="../documents/' in page
    assert 'href="../runs/1.html"' in page


def test_a_run_page_names_a_release_withdrawn_since_without_a_link_to_it() -> None:
    sources, _ = read_sources(sorted(SEEDS.glob("*.txt")))
    processed, _ = pipeline.process(sources)
    ordered = sorted(processed, key=lambda p: p.document.name)
    gone = next(p for p in ordered if p.facts)
    kept = [p for p in ordered if p is not gone]
    report = report_after([(ordered, FIRST_RUN), (kept, SECOND_RUN)])
    name = gone.document.name
    first_run = report["runs/1.html"]
    assert f"stated in {name}, since withdrawn" in first_run
    assert render.document_page(name, "html") not in first_run
    assert "since withdrawn" in report["runs/1.md"]
    assert render.document_page(name, "md") not in report["runs/1.md"]
    parsed(report["feed.xml"])


def test_a_report_without_a_run_still_has_a_valid_empty_feed() -> None:
    sources, _ = read_sources(sorted(SEEDS.glob("*.txt"))[:1])
    processed, _ = pipeline.process(sources)
    files = render.render(pipeline.build_report(processed, [], [], []), TEMPLATES)
    feed = parsed(files["feed.xml"])
    assert feed.entries == []
    assert feed.feed.updated == render.NO_TIME


def test_source_date_epoch_sets_the_run_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767605400")
    assert store.now() == FIRST_RUN
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert store.now() != FIRST_RUN


@pytest.mark.parametrize("name", ["runs/1.html", "runs/2.html", "runs/2.md", "feed.xml"])
def test_run_pages_snapshot(
    name: str,
    two_runs: tuple[dict[str, str], dict[str, str]],
    file_regression: FileRegressionFixture,
) -> None:
    stem, extension = Path(name).stem, Path(name).suffix
    basename = f"{Path(name).parent.name}__{stem}" if "/" in name else stem
    file_regression.check(two_runs[1][name], basename=basename, extension=extension)
