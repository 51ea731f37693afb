"""The incremental run: results of the per-release steps are cached by content, a metric or
release page is rendered again only when what it shows changed, and a store of an earlier
version is brought up to date."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import PROJECT, SEED_COUNT, SEEDS
from usrok_pipeline import incremental, pipeline, render
from usrok_pipeline.ingest import read_sources, sha256_of
from usrok_pipeline.records import SourceFile
from usrok_pipeline.store import Store

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


def inputs(report: render.Report, code: str) -> dict[str, str]:
    """Page inputs, each release standing for its facts by its hash."""
    keys = {p.document.name: p.document.sha256 for p in report.documents}
    return incremental.page_inputs(report, keys, code)


def source(name: str, text: str) -> SourceFile:
    return SourceFile(name, sha256_of(text.encode()), text.encode())


def test_a_new_release_changes_its_pages_and_the_metrics_it_states_only() -> None:
    before = inputs(report_of(seed_sources()), "v1")
    report = report_of([*seed_sources(), source("010_added.txt", ADDED)])
    after = inputs(report, "v1")
    changed = {path for path, digest in after.items() if before.get(path) != digest}
    rank = next(
        f.key for p in report.documents for f in p.facts if p.document.name == "010_added.txt"
    )
    assert changed == {
        render.document_page("010_added.txt", "html"),
        render.document_page("010_added.txt", "md"),
        render.metric_page(rank, "html"),
        render.metric_page(rank, "md"),
    }


def test_a_new_version_of_the_code_changes_every_page() -> None:
    report = report_of(seed_sources())
    before, after = inputs(report, "v1"), inputs(report, "v2")
    assert before.keys() == after.keys()
    assert not any(before[path] == after[path] for path in before)
    assert inputs(report, "v1") == before


def test_only_pages_on_disk_as_written_from_the_same_inputs_are_kept(tmp_path: Path) -> None:
    report = report_of(seed_sources())
    pages = inputs(report, "v1")
    _, digests = render.write_reports(tmp_path, render.render_pages(report, TEMPLATES))
    memo = {incremental.page_key(path, pages[path]): digests[path] for path in pages}
    edited = next(path for path in pages if path.startswith("documents/"))
    (tmp_path / edited).write_text("edited by hand")
    missing = next(path for path in pages if path.startswith("metrics/"))
    (tmp_path / missing).unlink()
    unchanged = incremental.unchanged_pages(tmp_path, pages, memo)
    assert unchanged == set(pages) - {edited, missing}
    assert incremental.unchanged_pages(tmp_path, inputs(report, "v2"), memo) == set()
    rendered = dict(render.render_pages(report, TEMPLATES, unchanged))
    assert {edited, missing} <= set(rendered)
    assert not unchanged & set(rendered)
    written, _ = render.write_reports(tmp_path, rendered.items(), kept=unchanged)
    assert written == sorted([edited, missing])
    assert dict(render.render_pages(report, TEMPLATES)) == {
        path: (tmp_path / path).read_text(encoding="utf-8") for path in rendered | pages
    }


@pytest.mark.usefixtures("prefect_server")
def test_a_run_writes_the_pages_of_what_it_changed(tmp_path: Path) -> None:
    from usrok_pipeline.flow import run_by_hand

    seeds, reports, state = tmp_path / "seeds", tmp_path / "reports", tmp_path / "state"
    shutil.copytree(SEEDS, seeds)
    first = run_by_hand(str(seeds), str(reports), str(state))
    pages = {p for p in first.written if p.startswith(("documents/", "metrics/"))}
    (reports / render.document_page("000_479443e2f1f97cd6.txt", "md")).unlink()
    (reports / "facts.csv").write_text("edited by hand")  # not copied from: written whole
    (seeds / "010_added.txt").write_text(ADDED)
    second = run_by_hand(str(seeds), str(reports), str(state))
    written = {p for p in second.written if p.startswith(("documents/", "metrics/"))}
    assert {
        render.document_page("010_added.txt", "html"),
        render.document_page("010_added.txt", "md"),
        render.document_page("000_479443e2f1f97cd6.txt", "md"),
    } < written
    assert len(written) < len(pages) / 2
    fresh = tmp_path / "fresh"
    run_by_hand(str(seeds), str(fresh), str(tmp_path / "fresh-state"))
    for name in SUMMARY_FILES:
        assert (reports / name).read_bytes() == (fresh / name).read_bytes()
    (reports / render.document_page("000_479443e2f1f97cd6.txt", "html")).write_text("edited")
    forced = run_by_hand(str(seeds), str(reports), str(state), force=True)
    assert render.document_page("000_479443e2f1f97cd6.txt", "html") in forced.written
    assert pages_of(reports) == pages_of(fresh)
    for name in SUMMARY_FILES:
        assert (reports / name).read_bytes() == (fresh / name).read_bytes()


def old_store(path: Path, facts: dict[str, str]) -> None:
    """A store as an earlier version left it: the facts of each release in a snapshot, and
    tables of bookkeeping this version does not keep."""
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE snapshot (name TEXT PRIMARY KEY, facts TEXT NOT NULL, sha256 TEXT)"
        )
        db.executemany("INSERT INTO snapshot VALUES (?, ?, NULL)", facts.items())
        for table in ("processed", "key_sections", "summary_layouts"):
            db.execute(f"CREATE TABLE {table} (payload TEXT)")


def test_a_store_of_an_earlier_version_keeps_its_facts_and_drops_its_bookkeeping(
    tmp_path: Path,
) -> None:
    processed, _ = pipeline.process(seed_sources()[:1])
    name = processed[0].document.name
    facts = (
        "["
        + ", ".join(json.dumps(f.as_json() | {"value": f.value}) for f in processed[0].facts)
        + "]"
    )
    old_store(tmp_path / "state.db", {name: facts})
    with Store.open(f"sqlite:///{tmp_path / 'state.db'}") as store:
        assert store.extractions() == {name: ""}
        assert store.stated_facts([name]) == list(processed[0].facts)
    with sqlite3.connect(tmp_path / "state.db") as db:
        tables = {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    assert not tables & {"snapshot", "processed", "key_sections", "summary_layouts"}


def test_cache_entries_a_run_no_longer_uses_are_dropped(tmp_path: Path) -> None:
    from usrok_pipeline.flow import run_plain

    seeds, reports, state = tmp_path / "seeds", tmp_path / "reports", tmp_path / "state"
    shutil.copytree(SEEDS, seeds)
    run_plain(str(seeds), str(reports), str(state))
    gone = sorted(seeds.iterdir())[0]
    gone.unlink()
    run_plain(str(seeds), str(reports), str(state))
    with sqlite3.connect(state / "state.db") as db:
        counts = dict(db.execute("SELECT step, COUNT(*) FROM cache GROUP BY step").fetchall())
    assert counts == {
        incremental.CLEAN: SEED_COUNT - 1,
        incremental.CANDIDATES: SEED_COUNT - 1,
        incremental.EXTRACT: SEED_COUNT - 1,
        incremental.PAGE: len(
            [p for p in render.pages_on_disk(reports) if p.startswith(("metrics/", "documents/"))]
        ),
        incremental.REPORT_FILES: 1,
    }


def pages_of(folder: Path) -> dict[str, bytes]:
    """The metric, topic and release pages of a report folder (the index and the run pages
    also show the run history)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for subfolder in render.PAGE_FOLDERS
        if subfolder != "runs"
        for path in (folder / subfolder).iterdir()
    }
