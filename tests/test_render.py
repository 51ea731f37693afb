"""Render: the report of the seeds, escaping of release text, byte-identical output."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from pathlib import Path

import pytest
from pytest_regressions.file_regression import FileRegressionFixture

from conftest import PROJECT, SEEDS
from usrok_pipeline import link, pipeline, render
from usrok_pipeline.ingest import read_sources, sha256_of
from usrok_pipeline.records import (
    Fact,
    FactChange,
    FactDelta,
    Rewording,
    RunRecord,
    SourceFile,
    Timeline,
)

TEMPLATES = PROJECT / "templates"


def seed_report() -> dict[str, str]:
    sources, _ = read_sources(sorted(SEEDS.glob("*.txt")))
    processed, rejected = pipeline.process(sources)
    return render.render(pipeline.build_report(processed, [], rejected, []), TEMPLATES)


SEED_PAGES = sorted(name for name in seed_report() if name.endswith((".html", ".md")))


@pytest.mark.parametrize("name", SEED_PAGES)
def test_seed_report_snapshot(name: str, file_regression: FileRegressionFixture) -> None:
    stem, extension = name.rsplit(".", 1)
    file_regression.check(
        seed_report()[name], basename=stem.replace("/", "__"), extension=f".{extension}"
    )


def release(name: str, text: str) -> SourceFile:
    return SourceFile(name, sha256_of(text.encode()), text.encode())


def test_exports_say_where_each_figure_comes_from() -> None:
    sources = [
        release(
            "a.md",
            "---\ntitle: Port Figures\ndate: 2019-04-02\nsource_url: https://example.gov/ports\n"
            "---\nTwo-way trade in goods reached $90 billion in 2018.\n",
        ),
        release("b.txt", "Dock Notes\n\nTwo-way trade in goods reached $95 billion in 2019.\n"),
    ]
    processed, _ = pipeline.process(sources)
    files = render.render(pipeline.build_report(processed, [], [], []), TEMPLATES)
    records = [json.loads(line) for line in files["facts.jsonl"].splitlines()]
    context = [
        (r["release_title"], r["release_date"], r["source_url"], r["label"]) for r in records
    ]
    assert context == [
        ("Port Figures", "2019-04-02", "https://example.gov/ports", "Trade in goods (two-way)"),
        ("Dock Notes", None, None, "Trade in goods (two-way)"),
    ]
    rows = list(csv.DictReader(io.StringIO(files["facts.csv"])))
    assert [(r["release_title"], r["release_date"], r["source_url"]) for r in rows] == [
        ("Port Figures", "2019-04-02", "https://example.gov/ports"),
        ("Dock Notes", "", ""),
    ]


def test_same_inputs_same_bytes() -> None:
    assert seed_report() == seed_report()


def test_facts_jsonl_fields() -> None:
    lines = seed_report()["facts.jsonl"].splitlines()
    record = json.loads(lines[0])
    assert {
        "document",
        "sentence",
        "start",
        "end",
        "value",
        "unit",
        "qualifier",
        "period",
        "metric",
    } <= set(record)
    order = [(json.loads(line)["document"], json.loads(line)["start"]) for line in lines]
    assert order == sorted(order)


def test_release_text_is_escaped() -> None:
    hostile = (
        "---\ntitle: '<script>alert(1)</script>'\nsource_url: 'javascript:alert(1)'\n---\n"
        "Trade with <img src=x onerror=alert(1)> Korea totaled $5 billion in 2019.\n"
    )
    twin = hostile.replace("$5 billion", "$6 billion")
    sources = [
        SourceFile(n, sha256_of(t.encode()), t.encode())
        for n, t in (("a.md", hostile), ("b.md", twin))
    ]
    processed, _ = pipeline.process(sources)
    files = render.render(pipeline.build_report(processed, [], [], []), TEMPLATES)
    pages = {name: text for name, text in files.items() if name.endswith(".html")}
    assert {
        "index.html",
        "changes.html",
        render.document_page("a.md", "html"),
        render.document_page("b.md", "html"),
    } <= set(pages)
    for name, page in pages.items():
        assert "<script>alert" not in page and "<img src=x" not in page, name
        assert 'href="javascript:' not in page, name
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["index.html"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[render.document_page("a.md", "html")]


MARKDOWN_PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "[click](javascript:alert(3))",
    "<javascript:alert(4)>",
    "**bold** and `code` and ~~gone~~",
)


def test_markdown_twins_carry_no_markup_of_the_release() -> None:
    body = " ".join(MARKDOWN_PAYLOADS)
    hostile = (
        f"---\ntitle: '{MARKDOWN_PAYLOADS[0]} {MARKDOWN_PAYLOADS[2]}'\n"
        "source_url: 'javascript:alert(5)'\n---\n"
        f"Trade with Korea {body} totaled $5 billion in 2019.\n"
    )
    twin = hostile.replace("$5 billion", "$6 billion")
    sources = [
        SourceFile(n, sha256_of(t.encode()), t.encode())
        for n, t in (("a`b.md", hostile), ("b.md", twin))
    ]
    processed, _ = pipeline.process(sources)
    files = render.render(pipeline.build_report(processed, [], [], []), TEMPLATES)
    pages = {name: text for name, text in files.items() if name.endswith(".md")}
    assert {
        "index.md",
        render.document_page("a`b.md", "md"),
        render.document_page("b.md", "md"),
    } <= set(pages), set(pages)
    for name, page in pages.items():
        for raw in ("<script>", "<img", "<javascript:", "**bold**", "`code`"):
            assert raw not in page, (name, raw)
        assert not re.search(r"(?<!\\)\]\(javascript:", page), name
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[render.document_page("b.md", "md")]
    assert "\\[click\\](javascript:alert(3))" in pages[render.document_page("b.md", "md")]
    assert "``a`b.md``" in pages[render.document_page("a`b.md", "md")]


@pytest.mark.parametrize(
    ("name", "span"),
    [
        ("plain.txt", "`plain.txt`"),
        ("a`b.txt", "``a`b.txt``"),
        ("`x`", "`` `x` ``"),
        ("a\nb", "`a\\nb`"),
    ],
)
def test_a_file_name_is_one_code_span(name: str, span: str) -> None:
    assert render.markdown_code(name) == span


def test_exports() -> None:
    files = seed_report()
    rows = list(csv.DictReader(io.StringIO(files["facts.csv"])))
    assert len(rows) == len(files["facts.jsonl"].splitlines())
    assert rows[0].keys() >= {"document", "value", "unit", "period", "metric", "sentence"}
    changes = json.loads(files["changes.json"])
    assert set(changes) == {"changes", "rewordings"}
    assert all({"before", "after", "spans"} <= set(r) for r in changes["rewordings"])


@pytest.mark.parametrize(
    ("value", "unit", "qualifier", "text"),
    [
        (61100000000, "usd", "exact", "$61.1 billion"),
        (200000000, "usd", "more_than", "more than $200 million"),
        (-4700000000, "usd", "exact", "down $4.7 billion"),
        (6, "rank", "exact", "6th"),
        (22, "rank", "exact", "22nd"),
        (-3.9, "percent", "more_than", "down more than 3.9%"),
        (49000, "people", "more_than", "more than 49,000 people"),
        (70, "years", "over", "over 70 years"),
    ],
)
def test_stated(value: float, unit: str, qualifier: str, text: str) -> None:
    fact = Fact("a", "s", 0, 1, "x", value, unit, qualifier, None, None, "k", "bilateral")
    assert render.stated(fact) == text


@pytest.mark.parametrize("corpus", ["seeds", "empty"])
def test_changes_json_put_together_is_one_json_document(corpus: str) -> None:
    sources, _ = read_sources(sorted(SEEDS.glob("*.txt")) if corpus == "seeds" else [])
    processed, _ = pipeline.process(sources)
    report = pipeline.build_report(processed, [], [], [])
    streamed = render.render(report, TEMPLATES)["changes.json"]
    whole = {
        "changes": [dataclasses.asdict(change) for change in report.changes],
        "rewordings": [dataclasses.asdict(rewording) for rewording in report.rewordings],
    }
    assert json.loads(streamed) == json.loads(json.dumps(whole))
    items = [line for line in streamed.splitlines() if line.startswith("  {")]
    assert len(items) == len(whole["changes"]) + len(whole["rewordings"])  # one a line
    assert (corpus == "seeds") == bool(report.rewordings)  # both a filled and an empty list


def fact_of(key: str) -> Fact:
    return Fact("a.txt", "s", 0, 1, "1", 1.0, "count", "exact", None, None, key, "bilateral")


def claim(key: str, pair: str) -> Rewording:
    return Rewording(fact_of(key), fact_of(key), "a.txt", "b.txt", f"{pair} before", pair, 0.9)


def line(key: str) -> Timeline:
    return Timeline(key, None, key, ())


def test_reworded_claims_are_shown_once_under_the_first_fact() -> None:
    claims = [
        claim("a", "p1"),
        claim("a", "p2"),
        claim("b", "p2"),
        claim("b", "p3"),
        claim("c", "p4"),
        claim("c", "p4"),
        claim("e", "p5"),
    ]
    keys = ("a", "b", "c", "d", "e")
    report = render.Report((), tuple(map(line, keys)), (), tuple(claims), (), (), ())
    shown = render.shown_rewordings(report)
    assert [(t.key, [c.after_sentence for c in found]) for t, found in shown] == [
        ("a", ["p1", "p2"]),
        ("b", ["p3"]),
        ("c", ["p4"]),
        ("e", ["p5"]),
    ]


def test_a_file_is_rewritten_only_when_it_changed(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    assert render.write_if_changed(path, b"a\nb\n")
    assert not render.write_if_changed(path, b"a\nb\n")
    assert render.write_if_changed(path, b"a\nc\n")
    assert path.read_text() == "a\nc\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["facts.jsonl"]


def test_the_index_lists_the_first_fact_changes_of_a_large_run() -> None:
    text = "".join(f"Trade totaled ${n} billion in {2000 + n % 20}.\n\n" for n in range(1, 601))
    sources = [SourceFile("a.md", sha256_of(text.encode()), text.encode())]
    processed, _ = pipeline.process(sources)
    facts = processed[0].facts
    deltas = [FactDelta("added", fact) for fact in facts]
    record = RunRecord(1, 1, 0, 0, 0, len(deltas), 0)
    report = pipeline.build_report(processed, [], [], [], [record], deltas)
    files = render.render(report, TEMPLATES)
    index = files["index.md"]
    listed = [line for line in index.splitlines() if line.startswith("| added |")]
    assert len(facts) == 600
    assert len(listed) == render.DELTAS_SHOWN
    assert f"The first {render.DELTAS_SHOWN} of 600 fact changes are listed" in index
    assert "<summary>600 fact changes</summary>" in files["index.html"]
    assert files["index.html"].count('<td data-label="Change">added</td>') == render.DELTAS_SHOWN
    assert len(render.delta_rows(deltas)) == render.DELTAS_SHOWN
    assert "the table artifact lists the first 500" in render.run_summary(record, deltas)


def test_a_movement_is_told_in_the_figures_unit() -> None:
    before = Fact(
        "a", "Trade was high.", 0, 15, "x", 19.7e9, "usd", "exact", "2011", "m", "m", "bilateral"
    )
    after = dataclasses.replace(before, value=61.1e9, period="2019")
    change = FactChange("m", "new figure", after, "2021", before, "2021", False)
    line = Timeline("m", "m", "Direct investment", (change,))
    assert render.movement_text(change, link.movement(line)) == "▲ up $41.4 billion (+210.2%)"
