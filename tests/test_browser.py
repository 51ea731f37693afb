"""The report pages in a real browser: headless Chromium at phone and desktop widths."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT, REPORTS, SHARED
from usrok_pipeline import pipeline, render
from usrok_pipeline.ingest import read_sources

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = (390, 1280)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
        )
        yield context
        context.close()


@pytest.fixture(scope="module")
def corpus_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    paths = sorted((SHARED / "seeds").glob("*.txt")) + sorted(
        (SHARED / "corpus" / "docs").glob("*.txt")
    )
    sources, unreadable = read_sources(paths)
    processed, undecodable = pipeline.process(sources)
    report = pipeline.build_report(processed, [], [*unreadable, *undecodable], [])
    folder = tmp_path_factory.mktemp("corpus-reports")
    render.write_reports(folder, render.render_pages(report, PROJECT / "templates"))
    return folder


def watch(page: Any) -> list[str]:
    """The errors a page logs or raises, collected as they come."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def check_pages(browser: Any, folder: Path, shots: Path) -> list[str]:
    """Open every page at each width; return the problems seen."""
    problems: list[str] = []
    pages = sorted(folder.glob("*.html")) + sorted(folder.glob("*/*.html"))
    assert len(pages) > 3
    for width in WIDTHS:
        page = browser.new_page()
        page.set_viewport_size({"width": width, "height": 900})
        errors = watch(page)
        for path in pages:
            errors.clear()
            page.goto(path.as_uri())
            scroll = page.evaluate("document.documentElement.scrollWidth")
            name = path.relative_to(folder).as_posix()
            if scroll > width:
                problems.append(f"{name} at {width}px: {scroll}px wide")
            if errors:
                problems.append(f"{name} at {width}px: {errors}")
            if path.parent == folder or path.name.startswith(("000_", "rok_rank_as_us_trade")):
                page.screenshot(
                    path=str(shots / f"{width}-{name.replace('/', '_')}.png"), full_page=True
                )
        page.close()
    return problems


def test_seed_reports_fit_and_log_no_errors(browser: Any, tmp_path: Path) -> None:
    assert check_pages(browser, REPORTS, tmp_path) == []
    assert (tmp_path / "390-index.html.png").stat().st_size > 0


def test_corpus_reports_fit_and_log_no_errors(
    browser: Any, corpus_reports: Path, tmp_path: Path
) -> None:
    assert check_pages(browser, corpus_reports, tmp_path) == []


def test_headings_and_table_headers_for_screen_readers(browser: Any) -> None:
    page = browser.new_page()
    page.goto((REPORTS / "index.html").as_uri())
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("document.querySelectorAll('h1').length") == 1
    assert page.evaluate(
        "[...document.querySelectorAll('thead th')].every(th => th.scope === 'col')"
    )
    page.close()


def visible_rows(page: Any) -> list[str]:
    return page.evaluate(
        "[...document.querySelectorAll('table.filterable tbody tr')]"
        ".filter(row => !row.hidden).map(row => row.textContent.toLowerCase())"
    )


def test_the_filter_box_keeps_the_rows_holding_every_word(browser: Any) -> None:
    page = browser.new_page()
    page.goto((REPORTS / "index.html").as_uri())
    every_row = visible_rows(page)
    page.fill("[data-filter]", "Services  TWO-WAY")
    kept = visible_rows(page)
    assert 0 < len(kept) < len(every_row)
    assert all("services" in row and "two-way" in row for row in kept)
    page.fill("[data-filter]", "")
    assert visible_rows(page) == every_row
    page.close()


def test_without_its_script_the_filter_box_is_hidden_and_every_row_shown(browser: Any) -> None:
    page = browser.new_page()
    page.route("**/filter.js", lambda route: route.abort())
    page.goto((REPORTS / "index.html").as_uri())
    assert page.is_hidden(".filter")
    assert len(visible_rows(page)) == page.locator("table.filterable tbody tr").count() > 10
    page.close()
