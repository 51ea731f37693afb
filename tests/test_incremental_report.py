"""The incremental report: a metric or release page is rendered again only when what it shows
changed, and a pair of sentences is diffed once."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import PROJECT, SEEDS
from usrok_pipeline import link, pipeline, render
from usrok_pipeline.ingest import read_sources, sha256_of
from usrok_pipeline.records import Comparison, DiffSpan, Release, SourceFile
from usrok_pipeline.store import Store, replace_page_digests

TEMPLATES = PROJECT / "templates"
SUMMARY_FILES = (
    "changes.json",
    "changes.html",
    "changes.md",
    "facts.jsonl",
    "facts.csv",
)
ADDED = "Korea is the United States' 6th largest trading partner.\n"


def seed_sources() -> list[SourceFile]:
    sources, _ = read_sources(sorted(SEEDS.glob("*.txt")))
    return sources


def report_of(sources: list[SourceFile]) -> render.Report:
    processed, rejected = pipeline.process(sources)
    return pipeline.build_report(processed, [], rejected, [])


def digests(report: render.Report, version: str) -> dict[str, str]:
    releases = [Release.of(p) for p in report.documents]
    items = render.item_digests(releases, pipeline.tracked(releases), version)
    return render.page_digests(items)


def source(name: str, text: str) -> SourceFile:
    return SourceFile(name, sha256_of(text.encode()), text.encode())


def test_a_new_release_changes_its_pages_and_the_metrics_it_states_only() -> None:
    before = digests(report_of(seed_sources()), "v1")
    report = report_of([*seed_sources(), source("010_added.txt", ADDED)])
    after = digests(report, "v1")
    changed = {path for path, digest in after.items() if before.get(path) != digest}
    rank = next(
        f.key for p in report.documents for f in p.facts if p.document.name == "010_added.txt"
    )
    assert changed == {
        "documents/010_added.html",
        "documents/010_added.md",
        render.metric_page(rank, "html"),
        render.metric_page(rank, "md"),
    }


def test_a_new_version_of_the_code_or_the_facts_changes_every_page() -> None:
    report = report_of(seed_sources())
    before, after = digests(report, "v1"), digests(report, "v2")
    assert before.keys() == after.keys()
    assert not any(before[path] == after[path] for path in before)
    assert digests(report, "v1") == before


def test_unchanged_pages_are_neither_rendered_nor_removed(tmp_path: Path) -> None:
    report = report_of(seed_sources())
    pages = digests(report, "v1")
    render.write_reports(tmp_path, render.render_pages(report, TEMPLATES))
    kept = next(path for path in pages if path.startswith("documents/"))
    (tmp_path / kept).write_text("as it was")
    missing = next(path for path in pages if path.startswith("metrics/"))
    (tmp_path / missing).unlink()
    unchanged = render.unchanged_pages(tmp_path, pages, pages)
    assert kept in unchanged
    assert missing not in unchanged
    rendered = dict(render.render_pages(report, TEMPLATES, unchanged))
    assert kept not in rendered
    assert missing in rendered
    written = render.write_reports(tmp_path, rendered.items(), kept=unchanged)
    assert written == [missing]
    assert (tmp_path / kept).read_text() == "as it was"


@pytest.mark.usefixtures("prefect_server")
def test_a_run_writes_the_pages_of_what_it_changed(tmp_path: Path) -> None:
    from usrok_pipeline.flow import run_by_hand

    seeds, reports, state = tmp_path / "seeds", tmp_path / "reports", tmp_path / "state"
    shutil.copytree(SEEDS, seeds)
    first = run_by_hand(str(seeds), str(reports), str(state))
    pages = {p for p in first.written if p.startswith(("documents/", "metrics/"))}
    (reports / "documents" / "000_479443e2f1f97cd6.md").unlink()
    (reports / "facts.csv").write_text("edited by hand")  # not copied from: written whole
    (seeds / "010_added.txt").write_text(ADDED)
    second = run_by_hand(str(seeds), str(reports), str(state))
    written = {p for p in second.written if p.startswith(("documents/", "metrics/"))}
    assert {
        "documents/010_added.html",
        "documents/010_added.md",
        "documents/000_479443e2f1f97cd6.md",
    } < written
    assert len(written) < len(pages) / 2
    fresh = tmp_path / "fresh"
    run_by_hand(str(seeds), str(fresh), str(tmp_path / "fresh-state"))
    for name in SUMMARY_FILES:
        assert (reports / name).read_bytes() == (fresh / name).read_bytes()
    (reports / "documents" / "000_479443e2f1f97cd6.html").write_text("edited by hand")
    forced = run_by_hand(str(seeds), str(reports), str(state), force=True)
    assert "documents/000_479443e2f1f97cd6.html" in forced.written
    assert pages_of(reports) == pages_of(fresh)
    for name in SUMMARY_FILES:
        assert (reports / name).read_bytes() == (fresh / name).read_bytes()


def test_a_store_from_before_facts_were_kept_by_key_is_brought_up_to_date(
    tmp_path: Path,
) -> None:
    from usrok_pipeline.flow import run_by_hand

    seeds, reports, state = tmp_path / "seeds", tmp_path / "reports", tmp_path / "state"
    shutil.copytree(SEEDS, seeds)
    run_by_hand(str(seeds), str(reports), str(state))
    with sqlite3.connect(state / "state.db") as db:
        db.execute("UPDATE snapshot SET release = NULL")
        db.execute("DELETE FROM statements")
    (seeds / "010_added.txt").write_text(ADDED)
    run_by_hand(str(seeds), str(reports), str(state))
    fresh = tmp_path / "fresh"
    run_by_hand(str(seeds), str(fresh), str(tmp_path / "fresh-state"))
    assert pages_of(reports) == pages_of(fresh)
    for name in ("changes.json", "facts.jsonl"):
        assert (reports / name).read_bytes() == (fresh / name).read_bytes()
    with Store.open(f"sqlite:///{state / 'state.db'}") as store:
        assert {d.fact.document for d in store.latest_deltas()} == {"010_added.txt"}
        assert None not in {sha256 for sha256, _ in store.versions_in_snapshot().values()}


def test_only_releases_stored_with_the_same_bytes_are_held() -> None:
    stored = Release("a.txt", "1", "A", None, 2, ("k",), ())
    held, rest = pipeline.held_releases(
        [("a.txt", "1"), ("b.txt", "2")], {"a.txt": stored, "c.txt": stored}
    )
    assert (held, rest) == ({"a.txt": stored}, [("b.txt", "2")])
    assert pipeline.held_releases([("a.txt", "9")], {"a.txt": stored}) == ({}, [("a.txt", "9")])


def test_page_digests_are_kept_per_report_folder(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'state.db'}") as store:
        with store.transaction() as db:
            replace_page_digests(db, "reports", {"a.html": "1", "b.html": "2", "c.html": "3"})
            replace_page_digests(db, "elsewhere", {"a.html": "9"})
        store.forget_page_digests("reports", ["b.html"])
        assert store.page_digests("reports") == {"a.html": "1", "c.html": "3"}
        with store.transaction() as db:
            replace_page_digests(db, "reports", {"a.html": "1", "b.html": "4"})
        assert store.page_digests("reports") == {"a.html": "1", "b.html": "4"}
        assert store.page_digests("elsewhere") == {"a.html": "9"}


def test_sections_are_kept_per_report_folder_under_their_digest(tmp_path: Path) -> None:
    report = report_of(seed_sources())
    rows = render.macros(render.environment(TEMPLATES))
    titles = {p.document.name: p.document.metadata.title for p in report.documents}
    dates = {p.document.name: p.document.metadata.date for p in report.documents}
    line = report.timelines[0]
    key = render.key_section(line, report.rewordings, titles, dates, rows)
    key = replace(key, changes_json='{"a": 1}\n{"b": "two\\nlines"}')
    assert len(key.rewordings.pairs) > 1
    release = render.release_section(report.documents[0], rows)
    other = next(t for t in report.timelines if t.key != line.key)
    empty = render.key_section(other, [], titles, dates, rows)
    k, e, r = line.key, other.key, release.name
    with Store.open(f"sqlite:///{tmp_path / 'state.db'}") as store:
        store.save_key_sections("reports", {k: ("1", key), e: ("3", empty)})
        store.save_release_sections("reports", {r: ("2", release)})
        store.save_release_sections("elsewhere", {r: ("9", release)})
        assert store.key_sections("reports", {k: "1", e: "3"}) == {k: key, e: empty}
        assert store.release_sections("reports", {r: "2"}) == {r: release}
        assert store.release_sections("reports", {r: "3"}) == {}
        light = store.release_sections("reports", {r: "2"}, exports=False)[r]
        assert light == replace(release, jsonl="", csv="") and release.jsonl
        assert list(store.release_exports("reports", [r], "jsonl")) == [release.jsonl]
        assert list(store.release_exports("reports", [r], "csv")) == [release.csv]
        store.prune_sections("reports", [k], [])
        assert store.section_digests("reports") == ({k: "1"}, {})
        assert store.section_digests("elsewhere") == ({}, {r: "9"})


def test_a_pair_of_sentences_is_compared_once() -> None:
    before, after = "Trade rose to $1 billion.", "Trade grew to $1 billion."
    known = {render.content_digest(before, after): Comparison(0.5, (DiffSpan("equal", "x"),))}
    compare = pipeline.Comparisons(known)
    assert compare(before, after) == Comparison(0.5, (DiffSpan("equal", "x"),))
    assert compare.new == {}
    fresh = compare(after, before)
    assert fresh == link.compare_sentences(after, before)
    assert fresh.similarity > link.REWORDING_MIN_SIMILARITY and fresh.spans
    assert compare.new == {render.content_digest(after, before): fresh}
    unlike = link.compare_sentences(before, "Exports to Korea were worth $9 billion in 2015.")
    assert unlike.similarity < link.REWORDING_MIN_SIMILARITY and unlike.spans == ()


def test_comparisons_are_kept_per_version_of_the_diff_code(tmp_path: Path) -> None:
    comparison = link.compare_sentences("Trade rose to $1 billion.", "Trade grew to $1 billion.")
    with Store.open(f"sqlite:///{tmp_path / 'state.db'}") as store:
        store.save_comparisons("v1", {"pair": comparison})
        assert store.comparisons("v1", ["pair", "other"]) == {"pair": comparison}
        store.save_comparisons("v2", {})
        assert store.comparisons("v1", ["pair"]) == {}


def test_a_report_from_remembered_comparisons_is_the_same() -> None:
    sources = seed_sources()
    processed, rejected = pipeline.process(sources)
    compare = pipeline.Comparisons({})
    first = pipeline.build_report(processed, [], rejected, [], compare=compare)
    assert compare.new
    again = pipeline.Comparisons(compare.new)
    assert pipeline.build_report(processed, [], rejected, [], compare=again) == first
    assert again.new == {}


def pages_of(folder: Path) -> dict[str, bytes]:
    """The metric and release pages of a report folder (the index also shows the run history)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for subfolder in render.PAGE_FOLDERS
        for path in (folder / subfolder).iterdir()
    }
