"""Extraction on the layouts real releases use: USTR trade facts, signed changes, ranks,
numbers in words, periods, and numbers that only look like years."""

from __future__ import annotations

from typing import Any

import pytest

from test_extract import facts_of

USTR_PAGE = (
    "U.S.-Korea Trade Facts\n\n"
    "Korea is currently the United States 6th largest goods trading partner with $112.2 billion "
    "in total (two way) goods trade during 2016. Goods exports totaled $42.3 billion; goods "
    "imports totaled $69.9 billion. The U.S. goods trade deficit with Korea was $27.7 billion in "
    "2016.\n\n"
    "Trade in services with Korea (exports and imports) totaled an estimated $33.0 billion in "
    "2016. Services exports were an estimated $22.2 billion; services imports were $10.8 "
    "billion. The U.S. services trade surplus with Korea was an estimated $11.4 billion in 2016.\n\n"
    "U.S. goods exports to Korea in 2016 were $42.3 billion, down 3.1% ($1.4 billion) from 2015 "
    "but up 56.0% from 2006. The top export categories in 2016 were: machinery ($6.1 billion), "
    "and aircraft ($5.1 billion).\n\n"
    "U.S. foreign direct investment (FDI) in Korea (stock) was $39.1 billion in 2015, a 10.3% "
    "increase from 2014. Korea's FDI in the United States (stock) was $40.1 billion in 2015.\n"
)
BILLION = 1_000_000_000


def rows(text: str, date: str | None = "2017-03-01") -> list[tuple[Any, ...]]:
    return [
        (round(f.value, 1), f.unit, f.qualifier, f.period, f.metric) for f in facts_of(text, date)
    ]


def test_ustr_trade_facts_page() -> None:
    assert rows(USTR_PAGE) == [
        (6, "rank", "exact", "2016", "rok_rank_as_us_goods_trading_partner"),
        (112.2 * BILLION, "usd", "exact", "2016", "trade.goods.two_way.level.annual"),
        (42.3 * BILLION, "usd", "exact", "2016", "exports.goods.us_to_rok.level.annual"),
        (69.9 * BILLION, "usd", "exact", "2016", "exports.goods.rok_to_us.level.annual"),
        (27.7 * BILLION, "usd", "exact", "2016", "deficit.goods.all.level.annual"),
        (33.0 * BILLION, "usd", "about", "2016", "trade.services.two_way.level.annual"),
        (22.2 * BILLION, "usd", "about", "2016", "exports.services.us_to_rok.level.annual"),
        (10.8 * BILLION, "usd", "exact", "2016", "exports.services.rok_to_us.level.annual"),
        (11.4 * BILLION, "usd", "about", "2016", "surplus.services.all.level.annual"),
        (42.3 * BILLION, "usd", "exact", "2016", "exports.goods.us_to_rok.level.annual"),
        (-3.1, "percent", "exact", "2016 vs 2015", "exports.goods.us_to_rok.change_pct.annual"),
        (
            -1.4 * BILLION,
            "usd",
            "exact",
            "2016 vs 2015",
            "exports.goods.us_to_rok.change_usd.annual",
        ),
        (56.0, "percent", "exact", "2016 vs 2006", "exports.goods.us_to_rok.change_pct.annual"),
        (6.1 * BILLION, "usd", "exact", "2016", None),
        (5.1 * BILLION, "usd", "exact", "2016", None),
        (39.1 * BILLION, "usd", "exact", "2015", "investment.direct.us_to_rok.level.stock"),
        (10.3, "percent", "exact", "2015 vs 2014", "investment.direct.us_to_rok.change_pct.stock"),
        (40.1 * BILLION, "usd", "exact", "2015", "investment.direct.rok_to_us.level.stock"),
    ]


@pytest.mark.parametrize(
    ("sentence", "value", "period"),
    [
        (
            "In 2010/11, 73,351 students were here (down 3.9% from the previous year).",
            -3.9,
            "2010/2011 vs 2009/2010",
        ),
        ("The deficit dropped by more than 20 percent in 2018.", -20, "2018"),
        ("Exports in 2011 were up 10.2% ($4.1 billion) from 2010.", 10.2, "2011 vs 2010"),
        (
            "Services exports were $22.2 billion in 2016, 2.5% ($552 million) more than 2015 levels.",
            2.5,
            "2016 vs 2015",
        ),
        ("Imports in 2016 were $69.9 billion, 1.7% lower than 2015 levels.", -1.7, "2016 vs 2015"),
        (
            "In 2016, 3,100 cadets trained here, 4.2 percent fewer than the year before.",
            -4.2,
            "2016 vs 2015",
        ),
        (
            "In 2014-15, 61,000 students came here, down 4% from the year before.",
            -4,
            "2014-2015 vs 2013-2014",
        ),
        (
            "The services surplus was $9 billion in 2019, a 12.5% increase over 2018.",
            12.5,
            "2019 vs 2018",
        ),
        (
            "Ferry crossings rose 6 percent in 2015 compared with the prior year.",
            6,
            "2015 vs 2014",
        ),
        (
            "Shipments of steel grew by 12 percent, from $8 billion in 2009 to $9 billion in 2013.",
            12,
            "2013 vs 2009",
        ),
        (
            "Tourism spending grew by 30 percent, from $4 billion in 2012 to $5.2 billion last year.",
            30,
            "2020 vs 2012",
        ),
    ],
)
def test_signed_changes(sentence: str, value: float, period: str) -> None:
    change = next(f for f in facts_of(sentence) if f.unit == "percent")
    assert (change.value, change.period) == (value, period)
    assert change.metric is None or ".change_pct." in change.metric


@pytest.mark.parametrize(
    ("sentence", "rank", "metric"),
    [
        (
            "The ROK is the largest per capita source of foreign students in the United States.",
            1,
            None,
        ),
        ("South Korea is the 13th fastest growing source of investment.", 13, None),
        (
            "The ROK is the seventh-largest trading partner of the United States.",
            7,
            "rok_rank_as_us_trade_partner",
        ),
        (
            "South Korea is the third-leading place of origin for students in the United States.",
            3,
            "rok_rank_as_source_of_students_in_us",
        ),
        (
            "The United States is South Korea's second-largest trading partner.",
            2,
            "us_rank_as_rok_trade_partner",
        ),
        (
            "Korea was the United States' 6th largest supplier of goods imports in 2016.",
            6,
            "rok_rank_as_us_supplier",
        ),
        (
            "The United States is the largest foreign direct investment destination for ROK investors.",
            1,
            None,
        ),
        ("Korea stood as the 9th largest U.S. trading partner.", 9, "rok_rank_as_us_trade_partner"),
        (
            "Korea was the 5th-largest U.S. goods trading partner last year.",
            5,
            "rok_rank_as_us_goods_trading_partner",
        ),
        (
            "Counting goods only, Korea ranked 8th among U.S. trading partners.",
            8,
            "rok_rank_as_us_goods_trading_partner",
        ),
        (
            "Measured by goods alone, Korea ranked 8th among U.S. trading partners.",
            8,
            "rok_rank_as_us_goods_trading_partner",
        ),
        ("Korea now ranks 9th among our trading partners.", 9, "rok_rank_as_us_trade_partner"),
        ("Korea is the 14th largest foreign investor.", 14, "rok_rank_as_investor_in_us"),
        ("The United States is the largest foreign investor.", 1, "us_rank_as_investor_in_rok"),
        ("Hanwha is the largest foreign investor.", 1, None),
        ("Korea is the 4th largest market for U.S. exports.", 4, "rok_rank_as_us_export_market"),
        (
            "Korea was the 5th largest export market for U.S. goods in 2016.",
            5,
            "rok_rank_as_us_goods_export_market",
        ),
        (
            "Korea is the 8th largest export market for U.S. goods and services.",
            8,
            "rok_rank_as_us_export_market",
        ),
        ("Korea is the 8th largest export market for U.S. wheat.", 8, None),
        (
            "Korea climbed to 9th place among U.S. trading partners.",
            9,
            "rok_rank_as_us_trade_partner",
        ),
        (
            "Korea is the fifth largest foreign investor in the U.S.",
            5,
            "rok_rank_as_investor_in_us",
        ),
        (
            "Korea was the third-largest source of greenfield investment into the U.S. in 2015.",
            3,
            "rok_rank_as_source_of_greenfield_investment_in_us",
        ),
    ],
)
def test_ranks(sentence: str, rank: int, metric: str | None) -> None:
    (fact,) = facts_of(sentence)
    assert (fact.value, fact.unit, fact.metric) == (rank, "rank", metric)


def test_a_rank_basis_counts_in_its_own_clause_only() -> None:
    facts = facts_of(
        "Korea is our 9th largest trading partner, and in goods trade alone it ranks 6th"
        " among our trading partners."
    )
    assert [(f.value, f.metric) for f in facts] == [
        (9, "rok_rank_as_us_trade_partner"),
        (6, "rok_rank_as_us_goods_trading_partner"),
    ]


def test_goods_only_rank_never_links_to_goods_and_services() -> None:
    goods = facts_of("Korea is our 6th largest goods trading partner.")[0]
    total = facts_of("Korea is our 6th largest trading partner.")[0]
    assert goods.metric == "rok_rank_as_us_goods_trading_partner"
    assert total.metric == "rok_rank_as_us_trade_partner"


@pytest.mark.parametrize(
    ("sentence", "value", "unit"),
    [
        ("Prominent alumni include nine ROK Prime Ministers.", 9, "people"),
        ("More than two million ROK citizens visit the United States.", 2_000_000, "people"),
        ("The alliance has kept the peace for seventy years.", 70, "years"),
        ("The ROK pledges a new $200M commitment.", 200_000_000, "usd"),
        ("Subsidiaries contributed $1.1 billion to research.", 1_100_000_000, "usd"),
        ("Exports reached 61.1 billion dollars.", 61_100_000_000, "usd"),
        ("The program funded twenty-five projects.", 25, "count"),
    ],
)
def test_numbers_in_words_and_suffixes(sentence: str, value: float, unit: str) -> None:
    (fact,) = facts_of(sentence)
    assert (fact.value, fact.unit) == (value, unit)


def test_no_break_space_inside_a_number_is_normalized_first() -> None:
    from usrok_pipeline import pipeline
    from usrok_pipeline.ingest import sha256_of
    from usrok_pipeline.records import SourceFile

    data = "Exports reached $61.1\u00a0billion in 2019.\n".encode()
    (processed,), _ = pipeline.process([SourceFile("a.txt", sha256_of(data), data)])
    assert [(f.value, f.period) for f in processed.facts] == [(61_100_000_000, "2019")]


def test_excerpt_cut_off_mid_word() -> None:
    (fact,) = facts_of("In 2009/10, their breakdown was as follows:\n\n50.2% underg")
    assert (fact.value, fact.unit, fact.period) == (50.2, "percent", "2009/2010")


@pytest.mark.parametrize(
    ("sentence", "period"),
    [
        ("In FY2019, the program funded 1,200 grants.", "FY2019"),
        (
            "In the 2019/20 academic year, 49,809 students from South Korea studied here.",
            "2019/2020 academic year",
        ),
        ("Trade totaled $125 billion in 2016.", "2016"),
        ("Trade totaled $125 billion during 2016.", "2016"),
        ("Since January 2021, Korean companies have invested $113 billion.", "since January 2021"),
        ("The ROK committed $200 million in new funding over five years.", "over five years"),
        ("The ROK pledges $220 million for the 2021-2024 period.", "2021-2024"),
        ("The ROK pledges $220 million for 2021–2024.", "2021-2024"),
        ("Trade was $125 billion last year.", "2016"),
        ("Trade was $125 billion this year.", "2017"),
        ("As of 2016, subsidiaries supported nearly 52,000 U.S. jobs.", "2016"),
        (
            "Between May 2014 and the end of 2016, the firms announced $9 billion in plants.",
            "2014-2016",
        ),
        ("In academic year 2014/15, 61,000 students came here.", "2014/2015 academic year"),
        ("The 1999-00 cohort numbered 3,900 students.", "1999-2000"),
        ("In 2014-15, 61,000 students came here.", "2014-2015"),
        ("By mid-June 2015, the clinics had screened more than 8,000 patients.", "2015"),
        ("By the end of 2016, the port was handling 4,000 containers a day.", "2016"),
    ],
)
def test_periods(sentence: str, period: str) -> None:
    assert facts_of(sentence, "2017-03-01")[0].period == period


@pytest.mark.parametrize(
    ("text", "date", "period"),
    [
        ("The ROK announced on April 17 that it will buy 36 helicopters.", "2013", "2013"),
        ("The ROK announced on April 17, 2012 that it will buy 36 helicopters.", "2013", "2012"),
        (
            "In the early months of the COVID-19 pandemic, the ROK donated 2.5 million masks.",
            "2021-02-04",
            "2020",
        ),
        (
            "Since President Biden took office, Korean companies have invested $113 billion.",
            "2023",
            "January 2021 - 2023",
        ),
        (
            "Since President Biden took office, Korean companies have invested $113 billion.",
            None,
            "since January 2021",
        ),
        (
            "Since President Trump took office, Korean companies have invested $30 billion.",
            "2019-06-30",
            "January 2017 - 2019",
        ),
        (
            "Since President Trump took office, Korean companies have invested $30 billion.",
            "2026",
            "January 2025 - 2026",
        ),
        (
            "Since the start of the Moon administration, exchanges grew to 3,000 people.",
            "2019",
            "May 2017 - 2019",
        ),
    ],
)
def test_named_times_and_days(text: str, date: str | None, period: str) -> None:
    assert facts_of(text, date)[0].period == period


@pytest.mark.parametrize(
    "sentence",
    [
        "The clinics will screen more than 8,000 patients by 2019.",
        "By the end of 2017, the port expects to handle 4,000 containers a day.",
    ],
)
def test_a_target_date_does_not_date_a_count(sentence: str) -> None:
    assert facts_of(sentence, "2017-03-01")[0].period is None


def test_a_term_of_office_that_two_people_held_is_not_guessed_without_a_date() -> None:
    text = "Since President Trump took office, Korean companies have invested $30 billion."
    assert facts_of(text, None)[0].period is None


def test_a_named_time_is_not_read_before_it_happened() -> None:
    text = "In the early months of the pandemic, the ROK donated 2.5 million masks."
    assert facts_of(text, "2010-05-01")[0].period is None


def test_a_named_period_carries_to_the_next_sentence_of_its_paragraph() -> None:
    text = (
        "In the early months of the pandemic, the two countries set up travel screening. "
        "The ROK donated 2.5 million masks.\n\nThe ROK gave $10 million."
    )
    assert [f.period for f in facts_of(text)] == ["2020", None]


def test_a_change_since_a_year_runs_to_the_last_year_the_release_reports() -> None:
    text = (
        "Our two countries traded $227.5 billion worth of goods and services in 2022. "
        "Bilateral trade has grown 74 percent since the free trade agreement took effect in 2012."
    )
    assert [f.period for f in facts_of(text, "2023")] == ["2022", "2012-2022"]


def test_a_year_after_a_comma_belongs_to_the_figure_there_not_to_the_rank() -> None:
    ranked = (
        "Korea is our 6th largest goods trading partner with $112 billion in trade during 2016."
    )
    appended = "Korea has become our sixth-largest trading partner, with $145 billion in 2014."
    assert [f.period for f in facts_of(ranked)] == ["2016", "2016"]
    assert [f.period for f in facts_of(appended)] == [None, "2014"]


def test_relative_year_without_a_publication_date_is_left_as_written() -> None:
    assert facts_of("Trade was $125 billion last year.", None)[0].period == "last year"


def test_a_total_since_a_time_is_implied_for_the_next_sentence_that_speaks_of_it() -> None:
    facts = facts_of(
        "Since 2015, Korean firms have announced $30 billion in U.S. projects. These projects"
        " will create 9,000 jobs. Around 200,000 Americans live in Korea. More than 10,000"
        " people have joined exchanges.",
        "2019-05-01",
    )
    assert [(f.mention, f.period) for f in facts][1:] == [
        ("9,000", "since 2015"),
        ("200,000", None),
        ("10,000", None),
    ]


def test_the_time_of_what_a_sentence_adds_to_is_not_implied_for_the_next() -> None:
    facts = facts_of(
        "Firms announced $5 billion in plants during the visit, on top of the $9 billion"
        " pledged in 2017. These commitments are expected to create 2,000 jobs.",
        "2019-05-01",
    )
    assert [(f.mention, f.period) for f in facts] == [
        ("$5 billion", None),
        ("$9 billion", "2017"),
        ("2,000", None),
    ]


def test_period_carries_within_a_paragraph_only() -> None:
    text = (
        "Trade totaled $125 billion in 2011. Exports totaled $60 billion.\n\n"
        "Imports were $65 billion."
    )
    assert [f.period for f in facts_of(text)] == ["2011", "2011", None]


@pytest.mark.parametrize(
    ("sentence", "values"),
    [
        ("The exchange brought together 2,023 Koreans and 2,023 Americans.", [2023, 2023]),
        ("Almost 2000 International Visitor Leadership Program participants took part.", [2000]),
        ("Exports were 82% greater than 2006 levels.", [82]),
        ("The 2018 Panmunjom Declaration and the 2021 summit, since 2000.", []),
        ("A goal of net zero no later than 2050 and 1,000 projects by 2030.", [1000]),
    ],
)
def test_counts_that_look_like_years(sentence: str, values: list[int]) -> None:
    assert [f.value for f in facts_of(sentence)] == values


@pytest.mark.parametrize(
    ("sentence", "scope"),
    [
        ("South Korea joined an ASEAN-convened meeting of 18 of the region’s leaders.", "context"),
        ("Economies that represent nearly 40 percent of global gross domestic product.", "context"),
        ("The ROK decided to sign the Accords, joining nine other nations.", "context"),
        ("More than 1,200 American companies operate in the ROK.", "bilateral"),
        ("Doosan Bobcat's $26 million investment in Litchfield, Minnesota", "bilateral"),
    ],
)
def test_scope(sentence: str, scope: str) -> None:
    assert facts_of(sentence)[0].scope == scope


@pytest.mark.parametrize(
    ("sentence", "value", "unit"),
    [
        ("The fund reached one million participants.", 1_000_000, "people"),
        ("The ROK pledged 500 billion won to the program.", 500_000_000_000, "krw"),
        ("The ROK pledged KRW 1.2 trillion.", 1_200_000_000_000, "krw"),
        ("Exports grew threefold since then.", 3, "ratio"),
        ("Services exports to Korea were $34.3 billion in 2022.", 34_300_000_000, "usd"),
        ("More than a million visitors came to the port.", 1_000_000, "people"),
        ("The port spent a billion dollars on cranes.", 1_000_000_000, "usd"),
        ("The port pledged a billion won for cranes.", 1_000_000_000, "krw"),
        ("The pledge rose to KRW 4.1 trillion.", 4_100_000_000_000, "krw"),
    ],
)
def test_more_quantity_forms(sentence: str, value: float, unit: str) -> None:
    (fact,) = facts_of(sentence)
    assert (fact.value, fact.unit) == (value, unit)


@pytest.mark.parametrize(
    "sentence",
    [
        "The port gave a million-dollar grant.",
        "The ferry with hull number 85 docked.",
        "Executive Order Number 13,526 was signed.",
    ],
)
def test_a_number_that_names_or_prices_a_thing_is_no_count(sentence: str) -> None:
    assert all(f.unit != "people" and f.unit != "count" for f in facts_of(sentence))


def test_both_ends_of_a_scaled_range_are_exact_decimals() -> None:
    facts = facts_of("Grants of $2.3–4.1 million were made.")
    assert [f.value for f in facts] == [2_300_000, 4_100_000]


def test_a_year_before_won_is_not_money() -> None:
    assert facts_of("The team that in 2019 won the award.") == []


@pytest.mark.parametrize(
    ("sentence", "metric"),
    [
        (
            "U.S. total exports of agricultural products to Korea totaled $7.7 billion in 2019.",
            "exports.agriculture.us_to_rok.level.annual",
        ),
        ("Korean investment in the U.S. battery industry reached $12 billion.", None),
        (
            "Korean exports to the U.S. hit a record $98 billion in 2021.",
            "exports.all.rok_to_us.level.annual",
        ),
        (
            "American exports to Korea reached $51 billion in 2021.",
            "exports.all.us_to_rok.level.annual",
        ),
        (
            "The U.S. trade deficit with Korea narrowed to $21 billion in 2017.",
            "deficit.all.all.level.annual",
        ),
        ("Korea ran a surplus of $20 billion.", None),
        ("Two-way commerce reached $150 billion in 2017.", "trade.all.two_way.level.annual"),
        ("The two nations have been allies for over 60 years.", "age.alliance.all.level.all"),
        ("The Department of Commerce spent $5 million.", None),
        ("U.S. soldiers in Korea number 23,500.", "troops.all.us_to_rok.level.all"),
        ("U.S. imports of Korean tractors totaled $3 billion last year.", None),
        (
            "Two-way trade in goods reached $41 billion in the second quarter of 2019.",
            "trade.goods.two_way.level.quarterly",
        ),
        (
            "In the first half of 2019, two-way trade in goods reached $80 billion.",
            "trade.goods.two_way.level.half_year",
        ),
        ("Korean imports of U.S. cherries reached $2 billion.", None),
        (
            "U.S. exports of nearly $60 billion went to Korea in 2018.",
            "exports.all.us_to_rok.level.annual",
        ),
        (
            "U.S. exports to Korea support an estimated 150,000 American jobs.",
            "jobs.exports.us_to_rok.level.all",
        ),
        ("Exports to Korea support 150,000 jobs.", "jobs.exports.us_to_rok.level.all"),
        (
            "Private sector investment by Korean firms in the United States reached $12 billion.",
            "investment.all.rok_to_us.level.all",
        ),
        ("Over 3,000 U.S. students study in Korea.", "students.all.us_to_rok.level.all"),
        ("The ROK sent 300,000 troops to the region.", None),
        (
            "The United States maintains about 28,500 troops in the ROK.",
            "troops.all.us_to_rok.level.all",
        ),
        (
            "The U.S. goods and services trade surplus with Korea was $7.1 billion in 2019.",
            "surplus.goods_services.all.level.annual",
        ),
        (
            "We celebrate the 140th anniversary of diplomatic relations.",
            "age.relations.all.level.all",
        ),
        ("We celebrate the 70th anniversary of our alliance.", "age.alliance.all.level.all"),
    ],
)
def test_catalog_separates_similar_facts(sentence: str, metric: str | None) -> None:
    assert facts_of(sentence)[0].metric == metric
