"""Facts keyed by what they measure: a measure, an object, a direction, a statistic and an
aggregation read from the words of the clause, so that differently worded releases link and
different measures stay apart. Every sentence is made up for the test."""

from __future__ import annotations

import pytest

from test_extract import facts_of
from usrok_pipeline import facets


def metrics(text: str) -> list[str | None]:
    return [f.metric for f in facts_of(text, date="2020-06-01")]


@pytest.mark.parametrize(
    "wordings",
    [
        # Two-way trade in goods and services, however it is said.
        [
            "Bilateral trade in goods and services came to $150 billion in 2018.",
            "Total goods and private services trade between the United States and Korea hit $150 billion.",
            "Our two countries traded $150 billion worth of goods and services last year.",
            "U.S. trade with Korea in goods and services combined was $150 billion.",
        ],
        # What Korea sells the United States: its exports are U.S. imports.
        [
            "U.S. goods imports from Korea were $70 billion in 2018.",
            "Korea shipped $70 billion worth of goods to the United States in 2018.",
        ],
        # Korean direct investment held in the United States.
        [
            "The stock of Korean direct investment in the United States was $60 billion.",
            "Korean FDI in the United States (stock) reached $60 billion in 2019.",
        ],
        # Korean students in U.S. colleges.
        [
            "In 2019/20, 50,000 Korean students studied at U.S. universities.",
            "Some 50,000 students from the ROK were enrolled in American colleges in 2019/20.",
        ],
    ],
)
def test_one_measure_in_other_words_is_one_series(wordings: list[str]) -> None:
    keys = {metric for text in wordings for metric in metrics(text)}
    assert len(keys) == 1 and None not in keys, keys


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # A stock is not a flow, and an announcement is not either.
        (
            "The stock of Korean direct investment in the United States was $60 billion.",
            "Korean direct investment flows into the United States were $9 billion in 2019.",
        ),
        (
            "Korean companies announced $20 billion of new investment in the United States.",
            "The stock of Korean direct investment in the United States was $60 billion.",
        ),
        # Exports one way are not exports the other way, nor two-way trade.
        (
            "U.S. services exports to Korea were $20 billion.",
            "U.S. services imports from Korea were $10 billion.",
        ),
        (
            "U.S. services exports to Korea were $20 billion.",
            "Two-way services trade was $30 billion.",
        ),
        # Students who have come since 1955 are not this year's students.
        (
            "Since 1955, over 1.5 million Koreans have studied in the United States.",
            "In 2019/20, 50,000 Korean students studied at U.S. universities.",
        ),
        # American students in Korea are not Korean students here.
        (
            "About 3,000 American students studied in Korea in 2019.",
            "In 2019/20, 50,000 Korean students studied at U.S. universities.",
        ),
    ],
)
def test_different_measures_stay_apart(first: str, second: str) -> None:
    (one,) = metrics(first)
    (other,) = metrics(second)
    assert one is not None and other is not None
    assert one != other


def test_a_sum_counted_since_a_time_is_cumulative_wherever_the_sentence_says_so() -> None:
    (since,) = metrics(
        "Since March 2019, Korean firms have announced $30 billion of U.S. investment."
    )
    (once,) = metrics("During the visit, Korean firms announced $5 billion of U.S. investment.")
    assert since.endswith(".cumulative") and once.endswith(".announced")  # type: ignore[union-attr]


def test_donated_supplies_are_series_of_what_was_given() -> None:
    assert metrics(
        "Korea sent the United States 900,000 masks and 40,000 test kits during the outbreak."
    ) == ["supplies.masks.rok_to_us.level.all", "supplies.tests.rok_to_us.level.all"]


def test_a_rank_by_verb_is_ranked_among_what_follows_among() -> None:
    assert metrics("Among U.S. goods trading partners, Korea ranks fifth.") == [
        "rok_rank_as_us_goods_trading_partner"
    ]
    assert metrics(
        "Some 40,000 Korean students came to the United States, which kept Korea fourth among "
        "places of origin."
    ) == ["students.all.rok_to_us.level.all", "rok_rank_as_source_of_students_in_us"]


@pytest.mark.parametrize(
    "text",
    [
        "Bilateral steel trade was $9 billion in 2019.",  # a product the vocabulary lacks
        "The ROK sent 300,000 troops to the region.",  # not to the United States
        "Acme Corp’s $40 million plant opened in Ohio.",  # one company's investment
        "Top exports were: machinery ($6 billion) and aircraft ($5 billion).",  # unnamed parts
        "The fund gave $3 million to partners.",  # funding of no stated kind
        "The subsidiaries sold $9 billion in exports of goods from U.S. affiliates.",
    ],
)
def test_figures_of_no_known_series_get_no_metric(text: str) -> None:
    assert set(metrics(text)) == {None}


def test_a_later_figure_that_names_its_measure_only_takes_the_facets_before_it() -> None:
    text = (
        "Korean direct investment flows into the United States were $9 billion in 2019, and the "
        "stock of that investment reached $60 billion."
    )
    assert metrics(text) == [
        "investment.direct.rok_to_us.level.flow",
        "investment.direct.rok_to_us.level.stock",
    ]


def test_a_change_is_of_the_series_of_its_level() -> None:
    assert metrics(
        "U.S. goods exports to Korea were $50 billion in 2019, up 4 percent from 2018."
    ) == [
        "exports.goods.us_to_rok.level.annual",
        "exports.goods.us_to_rok.change_pct.annual",
    ]


def test_facets_are_fields_of_the_fact_and_labels_are_composed() -> None:
    (fact,) = facts_of("U.S. goods exports to Korea were $50 billion in 2019.")
    assert (fact.measure, fact.object, fact.direction, fact.statistic, fact.aggregation) == (
        "exports",
        "goods",
        "us_to_rok",
        "level",
        "annual",
    )
    assert facets.label(fact.key) == "U.S. exports to the ROK of goods"
    assert facets.label("trade.goods_services.two_way.change_pct.annual") == (
        "Trade in goods and services (two-way): change (%)"
    )
    assert facets.label("not a faceted key") is None
