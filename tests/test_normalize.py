"""Normalize: boilerplate out, wraps joined, lists kept; snapshots of every seed."""

from __future__ import annotations

import pytest
from pytest_regressions.file_regression import FileRegressionFixture

from conftest import SEEDS, seed_names
from usrok_pipeline import normalize, pipeline
from usrok_pipeline.ingest import read_sources
from usrok_pipeline.records import ParsedDocument

WRAPPED = (
    "Over seventy years ago, the alliance between the United States and the\n"
    "Republic of Korea was forged on the battlefield, as we stood\n"
    "shoulder-to-shoulder in war. Bonded in common sacrifice, our partnership\n"
    "has helped to keep the peace in the decades since.\n"
    "\n"
    "A second paragraph that is short.\n"
)


def clean(body: str, learned: frozenset[str] = frozenset()) -> tuple[str, list[str]]:
    doc = ParsedDocument(name="a.txt", sha256="h", front_matter={}, body=body)
    blocks, removed = normalize.clean_blocks(doc, normalize.load_rules())
    text, removals = normalize.normalize(blocks, removed, learned)
    return text, [r.rule for r in removals]


@pytest.mark.parametrize(
    ("body", "text", "rules"),
    [
        (
            "An official website of the United States government\n\nOfficial websites use .gov\n\n"
            "Secure .gov websites use HTTPS\n\nThe release.\n",
            "The release.\n",
            ["gov_banner", "gov_banner", "gov_banner"],
        ),
        (
            "You are viewing ARCHIVED CONTENT released online from January 20, 2017.\n\n"
            "Content in this archive site is NOT UPDATED, and links may not function.\n\nText.\n",
            "Text.\n",
            ["archived_notice", "archived_notice"],
        ),
        ("Your browser doesn\u2019t support HTML5\n\nText.\n", "Text.\n", ["media_player"]),
        ("Skip to Content\nText.\n", "Text.\n", ["navigation"]),
        ("As prepared\n\nThank you.\n", "Thank you.\n", ["speech_note"]),
        (
            "Relations [May 1, 2014]   [open pdf - 578KB]\n",
            "Relations [May 1, 2014]\n",
            ["file_link"],
        ),
        ("Text.\n\n\\###\n", "Text.\n", ["end_marker"]),
        (
            "Text.\n\nU.S. Department of State\n\nThe Lessons of 1989\n",
            "Text.\n",
            ["footer", "footer"],
        ),
        (
            "The White House\n\nHome > Briefing Room > Statements\n\nHarbor Pact Signed\n\n"
            "Text about the White House.\n\nThe White House\n",
            "Harbor Pact Signed\n\nText about the White House.\n",
            ["navigation", "masthead", "footer"],
        ),
        (
            "Port Notes\n\nU.S. Department of State was named in the text.\n\nA.\n\nB.\n\nC.\n\n"
            "D.\n\nU.S. Department of State\n\nE.\n\nF.\n\nG.\n\nH.\n\nI.\n",
            "Port Notes\n\nU.S. Department of State was named in the text.\n\nA.\n\nB.\n\nC.\n\n"
            "D.\n\nU.S. Department of State\n\nE.\n\nF.\n\nG.\n\nH.\n\nI.\n",
            [],
        ),
        (
            "***The Alliance: A New Chapter***\n\n**<u>Technology</u>** and 10<sup>th</sup>\n",
            "The Alliance: A New Chapter\n\nTechnology and 10th\n",
            [],
        ),
        ("Costs\u00a0$26\u00a0million.\n", "Costs $26 million.\n", []),
        (
            "Intro:\n  \u2022 first item\n  \u2022 second item\n    \u2022 nested item\n",
            "Intro:\n\n- first item\n- second item\n- nested item\n",
            [],
        ),
        (
            WRAPPED,
            "Over seventy years ago, the alliance between the United States and the Republic of "
            "Korea was forged on the battlefield, as we stood shoulder-to-shoulder in war. Bonded "
            "in common sacrifice, our partnership has helped to keep the peace in the decades "
            "since.\n\nA second paragraph that is short.\n",
            [],
        ),
        (
            "-   The announcements of significant investments in the United States\n"
            "    and the Republic of Korea by our leading companies. These\n"
            "    investments reflect the longstanding close economic ties between.\n"
            "-   Facilitate mutual and complementary investments in semiconductors,\n"
            "    including for advanced chips.\n",
            "- The announcements of significant investments in the United States and the Republic "
            "of Korea by our leading companies. These investments reflect the longstanding close "
            "economic ties between.\n- Facilitate mutual and complementary investments in "
            "semiconductors, including for advanced chips.\n",
            [],
        ),
    ],
)
def test_clean(body: str, text: str, rules: list[str]) -> None:
    assert clean(body) == (text, rules)


@pytest.mark.parametrize(
    "body",
    [
        "0\n +\n0",  # a list mark alone on its line
        "0\n0.\n0",
        "# ###",  # a separator under a heading mark
        "0\n*0\n0*",  # emphasis over a joined line break
        "0\n*+\n0*",  # a list mark that emphasis hid
        "- - -",
    ],
)
def test_normalizing_twice_changes_nothing(body: str) -> None:
    once, _ = clean(body)
    assert clean(once)[0] == once


def test_unwrapped_lines_stay_paragraphs() -> None:
    body = "Title Line\n" + ("A long paragraph line that is not wrapped at all. " * 4) + "\nNext\n"
    text, _ = clean(body)
    assert text.split("\n\n")[0] == "Title Line"


def test_boilerplate_learned_from_recurring_lines() -> None:
    rules = normalize.load_rules()
    shared = normalize.Block("Subscribe to our newsletter", is_item=False)
    numbered = normalize.Block("Trade totaled $5 billion", is_item=False)
    docs = [[shared, numbered, normalize.Block(f"own text {i}", False)] for i in range(3)]
    candidates = [normalize.boilerplate_candidates(blocks, rules) for blocks in docs]
    assert candidates[0] == frozenset({"Subscribe to our newsletter"})  # the others state numbers
    learned = normalize.learn_boilerplate(candidates, rules)
    assert learned == frozenset({"Subscribe to our newsletter"})
    assert normalize.learn_boilerplate(candidates[:2], rules) == frozenset()
    text, removed = clean("Subscribe to our newsletter\n\nKept.\n", learned)
    assert (text, removed) == ("Kept.\n", ["learned"])


@pytest.mark.parametrize("name", seed_names())
def test_seed_snapshot(name: str, file_regression: FileRegressionFixture) -> None:
    sources, _ = read_sources(sorted(SEEDS.glob("*.txt")))
    documents = {d.name: d for d in pipeline.normalize_corpus(pipeline.parse_sources(sources)[0])}
    file_regression.check(
        documents[name].text, basename=name.removesuffix(".txt"), extension=".txt"
    )
