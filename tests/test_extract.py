"""Extract: sentences, quantities, qualifiers, periods and metric keys; snapshots per seed."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest
from pytest_regressions.data_regression import DataRegressionFixture

from conftest import SEEDS, seed_names
from usrok_pipeline import pipeline
from usrok_pipeline.extract import extract_document, split_sentences
from usrok_pipeline.ingest import read_sources
from usrok_pipeline.records import Fact, Metadata, NormalizedDocument


def facts_of(text: str, date: str | None = "2021-05-21") -> list[Fact]:
    meta = Metadata(title="t", title_source="test", date=date, date_source="test", source_url=None)
    doc = NormalizedDocument(name="t.txt", sha256="h", metadata=meta, text=text)
    return list(extract_document(doc))


def brief(fact: Fact) -> tuple[Any, ...]:
    value = int(fact.value) if float(fact.value).is_integer() else fact.value
    return (value, fact.unit, fact.qualifier, fact.period)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "The U.S. and the R.O.K. met. They agreed.",
            ["The U.S. and the R.O.K. met.", "They agreed."],
        ),
        (
            "President Joseph R. Biden, Jr. is here. Next one.",
            ["President Joseph R. Biden, Jr. is here.", "Next one."],
        ),
        ("- First item. Second.\n- Third item", ["First item.", "Second.", "Third item"]),
        ("“A quote.” He said so.", ["“A quote.”", "He said so."]),
        ("Ten firms came.[3] They stayed.", ["Ten firms came.[3]", "They stayed."]),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    found = list(split_sentences(text))
    assert [s.text for s in found] == sentences
    assert all(text[s.start : s.end] == s.text for s in found)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "ROK FDI in the United States reached $61.1 billion in 2019.",
            [(61100000000, "usd", "exact", "2019")],
        ),
        (
            "The ROK pledges a new $200M commitment for 2021-2025 period.",
            [(200000000, "usd", "exact", "2021-2025")],
        ),
        (
            "Trade totaled $1.1bn and then US$ 3 million.",
            [(1100000000, "usd", "exact", None), (3000000, "usd", "exact", None)],
        ),
        (
            "More than two million ROK citizens live in the United States.",
            [(2000000, "people", "more_than", None)],
        ),
        (
            "Upward of 30,000 visitors came, and fewer than 2 percent stayed.",
            [(30000, "people", "more_than", None), (2, "percent", "up_to", None)],
        ),
        (
            "Shipments of machinery topped $4.1 billion in 2018.",
            [(4100000000, "usd", "more_than", "2018")],
        ),
        (
            "The port fund grew to more than USD 2.5 billion, then USD4 million more.",
            [(2500000000, "usd", "more_than", None), (4000000, "usd", "exact", None)],
        ),
        (
            "Over 1.7 million Korean students have enrolled since 1955.",
            [(1700000, "people", "over", "since 1955")],
        ),
        (
            "During the 2019/2020 academic year, more than 49,000 Korean students came.",
            [(49000, "people", "more_than", "2019/2020 academic year")],
        ),
        (
            "In the 2009/10 academic year, 72,153 students were here (down 3.9% from the previous year).",
            [
                (72153, "people", "exact", "2009/2010 academic year"),
                (-3.9, "percent", "exact", "2009/2010 academic year vs 2008/2009 academic year"),
            ],
        ),
        (
            "The deficit dropped by more than 20 percent in 2018.",
            [(-20, "percent", "more_than", "2018")],
        ),
        (
            "Exports in 2011 were $43.5 billion, up 12.0% ($4.7 billion) from 2010.",
            [
                (43500000000, "usd", "exact", "2011"),
                (12, "percent", "exact", "2011 vs 2010"),
                (4700000000, "usd", "exact", "2011 vs 2010"),
            ],
        ),
        (
            "It includes 3600 Fulbrighters and almost 2000 participants.",
            [(3600, "people", "exact", None), (2000, "people", "almost", None)],
        ),
        ("Korea is the sixth largest trading partner.", [(6, "rank", "exact", None)]),
        (
            "Korea is the 6th-largest trading partner and the second-largest investor.",
            [(6, "rank", "exact", None), (2, "rank", "exact", None)],
        ),
        (
            "The ROK is the largest per capita source of foreign students.",
            [(1, "rank", "exact", None)],
        ),
        ("It is the 13th fastest growing source of investment.", [(13, "rank", "exact", None)]),
        ("Our alliance marked its 70th anniversary.", [(70, "years", "exact", "2021")]),
        ("Over seventy years ago, the alliance was forged.", [(70, "years", "over", "2021")]),
        ("For over seven decades, our alliance has been strong.", [(70, "years", "over", None)]),
        ("Bilateral trade was $125 billion last year.", [(125000000000, "usd", "exact", "2020")]),
        (
            "Nearly 95 percent of products will be duty free by 2017.",
            [(95, "percent", "nearly", "2017")],
        ),
        (
            "In January 2017, Hyundai announced plans to invest $3.1 billion by 2021.",
            [(3100000000, "usd", "exact", "2017-2021")],
        ),
        (
            "The ROK has committed $200 million in new funding over five years.",
            [(200000000, "usd", "exact", "over five years")],
        ),
        ("It brought its 3.8 gigawatt solar factory online.", [(3.8, "gigawatts", "exact", None)]),
        (
            "The United States maintains about 28,500 troops in the ROK.",
            [(28500, "people", "about", None)],
        ),
        (
            "Prominent alumni include nine ROK Prime Ministers and two former ROK Presidents.",
            [(9, "people", "exact", None), (2, "people", "exact", None)],
        ),
        (
            "Met with 2,023 Koreans and 2,023 Americans.",
            [(2023, "people", "exact", None), (2023, "people", "exact", None)],
        ),
        ("Temperatures must stay below 1.5 degrees.", [(1.5, "degrees", "exact", None)]),
        (
            "The economy more than tripled from $1 billion in 2011 to $3 billion in 2019.",
            [
                (3, "ratio", "more_than", "2011-2019"),
                (1000000000, "usd", "exact", "2011"),
                (3000000000, "usd", "exact", "2019"),
            ],
        ),
    ],
)
def test_quantities(sentence: str, expected: list[tuple[Any, ...]]) -> None:
    assert [brief(f) for f in facts_of(sentence)] == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "The recent acquisition of F-35A fighters and 5G networks against COVID-19.",
        "A U.S.-ROK Foreign and Defense Ministerial (“2+2”) was held March 17–18, 2021.",
        "The 4th SED and the 21st century, in 2019, since the 2018 Panmunjom Declaration.",
        "Our two countries and the two leaders agreed on two-way trade; one of the largest.",
        "For the past five years relations were good; call 202-395-5070 or see Report R41481.",
        "It will 1) develop principles; 2) launch a dialogue; the COP 26 target.",
        "Tens of billions and countless dozens of members.",
    ],
)
def test_not_quantities(sentence: str) -> None:
    assert facts_of(sentence) == []


@pytest.mark.parametrize(
    ("text", "metrics"),
    [
        (
            "The United States is the ROK’s second largest trading partner, and the ROK is the "
            "United States’ sixth largest trading partner.",
            ["us_rank_as_rok_trade_partner", "rok_rank_as_us_trade_partner"],
        ),
        (
            "The United States is the ROK’s only treaty ally and its second largest trading partner.",
            ["us_rank_as_rok_trade_partner"],
        ),
        (
            "Korea has become the United States’ 6th-largest trading partner, and the U.S. is Korea’s 2nd-largest.",
            ["rok_rank_as_us_trade_partner", "us_rank_as_rok_trade_partner"],
        ),
        (
            "The ROK is now the United States’ 6th-largest goods trading partner.",
            ["rok_rank_as_us_goods_trading_partner"],
        ),
        (
            "The United States is now the second largest investor in Korea.",
            ["us_rank_as_investor_in_rok"],
        ),
        (
            "The R.O.K. is one of our closest partners, with more than $130 billion in two-way goods "
            "trade and nearly $35 billion in services in 2018 alone.",
            ["trade.goods.two_way.level.annual", "trade.services.two_way.level.annual"],
        ),
        (
            "In 2018, two-way trade of goods and services totaled more than $167 billion.",
            ["trade.goods_services.two_way.level.annual"],
        ),
        (
            "U.S. goods and services trade with Korea totaled $125 billion in 2011. "
            "Exports totaled $60 billion; Imports totaled $65 billion.",
            [
                "trade.goods_services.two_way.level.annual",
                "exports.goods_services.us_to_rok.level.annual",
                "exports.goods_services.rok_to_us.level.annual",
            ],
        ),
        (
            "U.S. goods exports to Korea in 2011 were $43.5 billion, up 12.0% ($4.7 billion) from 2010.",
            [
                "exports.goods.us_to_rok.level.annual",
                "exports.goods.us_to_rok.change_pct.annual",
                "exports.goods.us_to_rok.change_usd.annual",
            ],
        ),
        (
            "More than two million ROK citizens visit, work, or live in the United States, and over "
            "200,000 U.S. citizens reside in the ROK.",
            ["residents.all.rok_to_us.level.all", "residents.all.us_to_rok.level.all"],
        ),
        (
            "More than 10,000 U.S. and ROK citizens have participated in USG-sponsored exchanges, "
            "including 3600 Fulbrighters.",
            [
                "participants.government.two_way.level.all",
                "participants.fulbright.two_way.level.all",
            ],
        ),
        (
            "The threat posed by North Korea has been a focal point of the alliance for over 60 years.",
            [None],
        ),
        (
            "The Free Trade Agreement (KORUS), which celebrated its 10th anniversary this year, remains "
            "the foundation of our economic relationship.",
            ["age.fta.all.level.all"],
        ),
        (
            "The subsidiaries are accountable for $14.2 billion in U.S. exports of goods from "
            "majority-owned U.S. affiliates.",
            [None],
        ),
    ],
)
def test_metrics(text: str, metrics: list[str | None]) -> None:
    assert [f.metric for f in facts_of(text)] == metrics


def test_unlisted_fact_links_by_its_wording() -> None:
    first = facts_of("The ROK donated equipment, including 40 fire engines, and tools.")
    second = facts_of("The ROK donated heavy equipment, including 40 fire engines.")
    other = facts_of("The ROK bought 40 tractors.")
    assert first[0].metric is None
    assert first[0].key == second[0].key != other[0].key


def test_offsets_point_into_the_text() -> None:
    text = "Intro.\n\n- In 2019, trade totaled more than $170 billion."
    fact = facts_of(text)[0]
    assert text[fact.start : fact.end] == fact.sentence
    assert fact.mention in fact.sentence


@pytest.mark.parametrize("name", seed_names())
def test_seed_facts_snapshot(name: str, data_regression: DataRegressionFixture) -> None:
    sources, _ = read_sources(sorted(SEEDS.glob("*.txt")))
    processed, _ = pipeline.process(sources)
    facts = next(p.facts for p in processed if p.document.name == name)
    data_regression.check({"facts": [asdict(f) for f in facts]}, basename=name.removesuffix(".txt"))
