"""The committed reports/ folder is exactly what the pipeline writes for the bundled seeds."""

from __future__ import annotations

import pytest

from conftest import PROJECT, REPORTS, SEEDS
from usrok_pipeline import pipeline, render
from usrok_pipeline.ingest import scan


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    sources, unreadable = scan(SEEDS)
    processed, undecodable = pipeline.process(sources)
    report = pipeline.build_report(processed, [], [*unreadable, *undecodable], [])
    return render.render(report, PROJECT / "templates")


@pytest.mark.parametrize("name", ["index.html", "index.md", "facts.jsonl"])
def test_committed_report_is_current(rendered: dict[str, str], name: str) -> None:
    committed = (REPORTS / name).read_text(encoding="utf-8")
    assert committed == rendered[name], f"reports/{name} is stale: run `make run` and commit it"
