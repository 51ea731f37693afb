"""Every release has a page of its own, whatever its name: names alike once slugged do not
share one, a long name still makes a file name, and one name in two Unicode forms is read
once."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from conftest import PROJECT
from usrok_pipeline import pipeline, render
from usrok_pipeline.ingest import release_paths, sha256_of
from usrok_pipeline.records import SourceFile

TEMPLATES = PROJECT / "templates"
ALIKE_ONCE_SLUGGED = (
    ("Notes.txt", "notes.txt"),
    ("brief.txt", "brief.md"),
    ("visit 2024.txt", "visit-2024.txt"),
    ("서울.txt", "부산.txt"),
    ("one\ntwo.txt", "one|two.txt"),
)


def release(name: str, text: str) -> SourceFile:
    return SourceFile(name, sha256_of(text.encode()), text.encode())


@pytest.mark.parametrize(("first", "second"), ALIKE_ONCE_SLUGGED)
def test_names_alike_once_slugged_get_pages_of_their_own(first: str, second: str) -> None:
    texts = {first: "Exports to Korea reached $7 billion.\n", second: "Visitors: 12,000.\n"}
    processed, _ = pipeline.process([release(name, text) for name, text in texts.items()])
    files = render.render(pipeline.build_report(processed, [], [], []), TEMPLATES)
    for kind in render.PAGE_KINDS:
        pages = {name: render.document_page(name, kind) for name in texts}
        assert len(set(pages.values())) == 2, pages
        for name, page in pages.items():
            assert texts[name].split(":")[0].split()[0] in files[page]
            assert page.removeprefix("documents/") in files[f"index.{kind}"]


def test_a_page_name_is_the_same_on_every_run() -> None:
    assert render.document_page("visit 2024.txt", "html") == "documents/visit-2024-8cd3aea7.html"


def test_a_name_as_long_as_the_system_allows_makes_a_page_it_can_write(tmp_path: Path) -> None:
    name = "a" * 250 + ".txt"
    processed, _ = pipeline.process([release(name, "Trade reached $9 billion in 2020.\n")])
    files = render.render(pipeline.build_report(processed, [], [], []), TEMPLATES)
    page = render.document_page(name, "html")
    assert len(Path(page).name) < 100
    written, _ = render.write_reports(tmp_path, files.items())
    assert page in written and "$9 billion" in (tmp_path / page).read_text(encoding="utf-8")


def test_one_name_in_two_unicode_forms_is_read_once_and_the_other_named(tmp_path: Path) -> None:
    composed = unicodedata.normalize("NFC", "café.txt")
    decomposed = unicodedata.normalize("NFD", "café.txt")
    for name in (composed, decomposed):
        (tmp_path / name).write_text("Students: 1,000.\n", encoding="utf-8")
    paths, rejected = release_paths(tmp_path)
    assert [path.name for path in paths] == [min(composed, decomposed)]
    assert [r.name for r in rejected] == [max(composed, decomposed)]
    assert "Unicode-normalized" in rejected[0].reason
    assert render.document_page(composed, "html") == render.document_page(decomposed, "html")
