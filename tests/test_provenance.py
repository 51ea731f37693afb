"""Provenance: every figure on every page links to the highlighted number of its release page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from conftest import PROJECT, SEEDS
from usrok_pipeline import pipeline, render
from usrok_pipeline.ingest import read_sources

FRAGMENT_LINK = re.compile(r"^(?P<page>[^#]*)#(?P<anchor>q\d+)$")


class Links(HTMLParser):
    """The ids, the links and the figures of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.figures: list[str] = []
        self.marks_without_id = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
            if found.get("class") == "figure":
                self.figures.append(str(found["href"]))
        if tag == "mark" and not found.get("id"):
            self.marks_without_id += 1


def parsed(text: str) -> Links:
    links = Links()
    links.feed(text)
    return links


@pytest.fixture(scope="module")
def pages() -> dict[str, Links]:
    sources, unreadable = read_sources(sorted(SEEDS.glob("*.txt")))
    processed, undecodable = pipeline.process(sources)
    report = pipeline.build_report(processed, [], [*unreadable, *undecodable], [])
    files = render.render(report, PROJECT / "templates")
    return {path: parsed(text) for path, text in files.items() if path.endswith(".html")}


def resolve(page: str, link: str) -> str:
    folder = page.rsplit("/", 1)[0] + "/" if "/" in page else ""
    return link[3:] if link.startswith("../") else folder + link


def test_every_link_to_a_statement_lands_on_its_highlighted_number(pages: dict[str, Links]) -> None:
    checked = 0
    for page, found in pages.items():
        for link in found.links:
            if match := FRAGMENT_LINK.match(link):
                target = resolve(page, match["page"])
                assert match["anchor"] in pages[target].ids, f"{page}: {link}"
                checked += 1
    assert checked > 100


def test_every_highlighted_number_can_be_linked_to(pages: dict[str, Links]) -> None:
    releases = [found for page, found in pages.items() if page.startswith("documents/")]
    assert releases and all(found.marks_without_id == 0 for found in releases)


@pytest.mark.parametrize("kind", ["index.html", "metrics/", "topics/"])
def test_figures_of_the_summary_pages_link_to_their_sentence(
    pages: dict[str, Links], kind: str
) -> None:
    figures = [
        link for page, found in pages.items() if page.startswith(kind) for link in found.figures
    ]
    assert figures and all(FRAGMENT_LINK.match(link) for link in figures)
