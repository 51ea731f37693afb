"""Parse: front matter, inferred titles and publication dates."""

from __future__ import annotations

import pytest

from usrok_pipeline import pipeline
from usrok_pipeline.extract import anchored_year
from usrok_pipeline.parse import (
    describe,
    infer_date,
    infer_title,
    split_front_matter,
    year_in_name,
)
from usrok_pipeline.records import SourceFile


def test_front_matter_gives_title_date_and_source() -> None:
    text = (
        "---\ntitle: \"Leaders\\u2019 Joint\\u00a0Statement\"\ndate: '2021-05-21'\n"
        "source_url: https://example.gov/a\n---\nBody text.\n"
    )
    parsed = split_front_matter("a.md", "h", text)
    assert parsed.body == "Body text.\n"
    meta = describe(parsed.name, parsed.front_matter, parsed.body)
    assert (meta.title, meta.title_source) == ("Leaders\u2019 Joint Statement", "front matter")
    assert (meta.date, meta.date_source) == ("2021-05-21", "front matter")
    assert meta.source_url == "https://example.gov/a"


@pytest.mark.parametrize(
    "front",
    ["title: [unclosed", "!!python/object/apply:os.system ['touch /tmp/usrok-pwned']", "- a\n- b"],
)
def test_bad_front_matter_is_ignored_never_executed(front: str) -> None:
    parsed = split_front_matter("a.md", "h", f"---\n{front}\n---\nBody.\n")
    assert parsed.front_matter == {}
    assert parsed.body == "Body.\n"


@pytest.mark.parametrize(
    ("text", "date", "source"),
    [
        ("A title\nOctober 16, 2020\n\nBody from October 13, 2020.", "2020-10-16", "dateline"),
        ("WASHINGTON, March 3, 2021 - The Secretary said.", "2021-03-03", "dateline"),
        ("Met on June 1, 2019 and again on 5 July 2019.\n", "2019-07-05", "latest date in text"),
        (
            "Signed on 2018-02-30, an impossible day, and 2018-03-01.",
            "2018-03-01",
            "latest date in text",
        ),
        ("No date here, only 2019 and May 2020.", None, "unknown"),
        ("Port Pact\nAPRIL 3, 2017 • PRESS RELEASES\n\nText.", "2017-04-03", "dateline"),
        ("Busan | 9 October, 2016\n\nText.", "2016-10-09", "latest date in text"),
    ],
)
def test_infer_date(text: str, date: str | None, source: str) -> None:
    assert infer_date(text) == (date, source)


@pytest.mark.parametrize(
    ("text", "title", "source"),
    [
        (
            "U.S. and ROK Advance Cooperation\nOctober 16, 2020\n",
            "U.S. and ROK Advance Cooperation",
            "first heading",
        ),
        (
            "“A quote opens the page.”\n– Someone\nThe Real Heading\n",
            "The Real Heading",
            "first heading",
        ),
        ("Only sentences here. Another one follows.\n", "Only sentences here.", "first sentence"),
        ("- a list item\n- and another\n", "release", "file name"),
        (
            "Tea was served.\nTalks ran late.\nNo one left.\nA cut-off excerpt ends with a fragm",
            "Tea was served.",
            "first sentence",
        ),
    ],
)
def test_infer_title(text: str, title: str, source: str) -> None:
    assert infer_title(text, "release.txt") == (title, source)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # a heading whose lines below are list items heads a section, not the release
        (
            "Harbor upgrades began this spring.\nWhat Comes Next\n- dredging\n",
            "Harbor upgrades began this spring.",
        ),
        ("What Comes Next\n- dredging\n- new cranes\nPorts grew busier.\n", "Ports grew busier."),
        # an epigraph (a quotation and its attribution) is passed over
        (
            "“Ports make nations.”\n- A Mayor, May 1, 2001\nShips called often.\nLater\n- x\n",
            "Ships called often.",
        ),
        # an introduction that ends in a colon is no title
        (
            "The ministry said the following:\nRail links opened in two cities.\n",
            "Rail links opened in two cities.",
        ),
        # abbreviations do not end the first sentence
        (
            "Mr. Lee met U.S. officials in Busan. They spoke.\n",
            "Mr. Lee met U.S. officials in Busan.",
        ),
    ],
)
def test_a_title_is_never_a_section_heading_nor_a_quoted_remark(text: str, title: str) -> None:
    assert infer_title(text, "release.txt") == (title, "first sentence")


def test_a_title_taken_from_a_long_sentence_is_cut_at_a_word() -> None:
    sentence = "Delegations from both governments " + "reviewed shipping schedules " * 6 + "today."
    title, source = infer_title(sentence, "release.txt")
    assert source == "first sentence"
    assert title.endswith("…") and len(title) <= 91
    assert sentence.startswith(title[:-1]) and not title[:-1].endswith(" ")


@pytest.mark.parametrize(
    ("text", "date", "source"),
    [
        (
            "“We stand together.”\n- The Minister, April 2, 2018\nEnvoys will visit May 9–10.",
            "2018-05",
            "latest dated event: May 9–10, after April 2, 2018",
        ),
        (
            "Talks began in August 2016.\nThe envoys met again on October 3.",
            "2016-10",
            "latest dated event: October 3, after August 2016",
        ),
        # a day before the latest month named is of the past, and says nothing more
        (
            "Talks began in August 2016. They had first met on March 3.",
            "2016-08",
            "latest dated event: August 2016",
        ),
        (
            "“We stand together.”\n- The Minister, April 2, 2018",
            "2018-04",
            "latest dated event: April 2, 2018",
        ),
        ("Envoys will visit May 9–10.", None, "unknown"),
    ],
)
def test_an_undated_release_is_placed_by_its_latest_dated_event(
    text: str, date: str | None, source: str
) -> None:
    assert infer_date(text) == (None, "unknown")  # no full date outside an attribution
    meta = describe("release.txt", {}, text)
    assert (meta.date, meta.date_source) == (date, source)


def test_a_year_in_the_file_name_wins_over_a_month_the_text_names() -> None:
    meta = describe("notes-2013.txt", {}, "The handover is planned for December 2015.")
    assert (meta.date, meta.date_source) == ("2013", "year in file name")


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("003_wh-us-rok-alliance-fact-sheet-2013.txt", "2013"),
        ("2019_joint_statement.md", "2019"),
        ("002_b8fc4deb01f73003.txt", None),
        ("release-a2019.txt", None),
        ("trade-facts-2011-2012.txt", None),
    ],
)
def test_year_in_file_name(name: str, year: str | None) -> None:
    assert year_in_name(name)[0] == year


@pytest.mark.parametrize(
    ("text", "date", "source"),
    [
        (
            "Russel noted that the Free Trade Agreement, which took effect two years ago, "
            "helped facilitate $125 billion in trade last year.",
            "2014",
            "counted: 2 years after the U.S.-Korea Free Trade Agreement took effect in 2012",
        ),
        (
            "This year we marked the 70th anniversary of our military alliance.",
            "2023",
            "counted: 70 years after the U.S.-ROK alliance was formed in 1953",
        ),
        ("Over seventy years ago, the alliance was forged on the battlefield.", None, "unknown"),
        ("We celebrate the 60th anniversary of the first Fulbright grantees.", None, "unknown"),
    ],
)
def test_an_undated_release_is_dated_by_an_exact_count_from_a_known_event(
    text: str, date: str | None, source: str
) -> None:
    meta = describe("release.txt", {}, text, count_year=anchored_year)
    assert (meta.date, meta.date_source) == (date, source)


def test_a_date_in_the_text_wins_over_the_file_name_and_counted_years() -> None:
    text = "Washington, March 3, 2021 - The FTA took effect two years ago."
    assert describe("statement-2019.txt", {}, text).date == "2021-03-03"
    undated = "The FTA took effect two years ago."
    assert describe("statement-2019.txt", {}, undated, count_year=anchored_year).date == "2019"


def test_the_site_name_atop_a_page_is_not_its_title() -> None:
    page = (
        "Skip to main content\n\nU.S. Department of State\n\nHome > Countries > Korea\n\n"
        "Harbor Relations With Korea\n\nJuly 26, 2022\n\nTrade in goods reached $9 billion in 2021.\n"
    )
    (processed,), _ = pipeline.process([SourceFile("a.txt", "h", page.encode())])
    assert processed.document.metadata.title == "Harbor Relations With Korea"
