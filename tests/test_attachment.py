"""Which time, qualifier and bound govern a figure: its own clause, a sentence that refers back
to the one before, a month read against the publication date. Sentences are made up here."""

from __future__ import annotations

import pytest

from test_extract import facts_of


def periods(text: str, date: str | None = "2019-08-20") -> list[str | None]:
    return [f.period for f in facts_of(text, date=date)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A month without a year is the latest such month up to the release.
        ("In March, the fund lent $40 million to farmers.", ["March 2019"]),
        ("Last October, the port handled 900 vessels.", ["October 2018"]),
        ("In November, exporters shipped $2 billion of grain.", ["November 2018"]),
        (
            "During 2016, waits fell from 20 days in May to 9 days in June.",
            ["May 2016", "June 2016"],
        ),
        # A time opening the sentence governs it; one inside a clause governs that clause only.
        (
            "Last year, exports reached $8 billion, and this year imports hit $9 billion.",
            ["2018", "2019"],
        ),
        (
            "The canal opened in 1914, and about 14,000 ships now pass through it each year.",
            [None],
        ),
        ("In 2017, sales were $5 billion, and profits are $2 billion.", ["2017", "2017"]),
        # Today, this spring: the release's own year; a span of time has none.
        ("From today, 60 percent of the tariffs are gone.", ["2019"]),
        ("This spring, the city ordered 12 ferries.", ["2019"]),
        ("Today marks ten years since the bridge opened.", ["2019"]),
        ("The lease runs for a 30-year term.", [None]),
        # A change against a year: the year before the change is its base.
        (
            "Exports were $9 billion in 2016, 12 percent more than in 2014.",
            ["2016", "2016 vs 2014"],
        ),
        (
            "Sales hit $4 billion in 2018, an increase of 7 percent over 2017.",
            ["2018", "2018 vs 2017"],
        ),
    ],
)
def test_the_time_that_governs_a_figure(text: str, expected: list[str | None]) -> None:
    assert periods(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Sentences that refer back, or go on in the past tense, take the earlier time.
        ("In 2015, ten firms built plants. These plants employ 3,000 workers.", ["2015", "2015"]),
        ("Exports totaled $7 billion in 2014. Imports were $6 billion.", ["2014", "2014"]),
        (
            "Last year, tourists spent $3 billion. Over the same period, hotels added 400 rooms.",
            ["2018", "2018"],
        ),
        ("In 2016, 9,000 students enrolled. More than half of them studied law.", ["2016", "2016"]),
        # The present tense speaks of now.
        ("In 2012, the office opened. It now has 45 staff.", [None]),
        ("Trade hit $5 billion in 2013. Local firms employ 2,000 people.", ["2013", None]),
        ("In 2011, the fund opened. About 300 guards are stationed there.", [None]),
        ("In 2011, the fund opened. It planned that 40 schools will join.", ["2011"]),
    ],
)
def test_a_sentence_takes_the_time_of_the_one_before_only_when_it_refers_to_it(
    text: str, expected: list[str | None]
) -> None:
    assert periods(text) == expected


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("Enrollment has passed 2 million.", "more_than"),
        ("Investment surpassed $3 billion.", "more_than"),
        ("Upwards of 800 firms attended.", "more_than"),
        ("Each grant may last no longer than three years.", "up_to"),
        ("The duty is phased out over a 10-year period.", "exact"),
    ],
)
def test_bounds_in_verbs_and_spans(text: str, qualifier: str) -> None:
    assert [f.qualifier for f in facts_of(text, date=None)] == [qualifier]


def test_a_month_ahead_in_a_plan_is_the_coming_one() -> None:
    assert periods("The agency plans to award $3 million in October.") == ["October 2019"]
