"""Topics: related series gathered for one page, one chart per measure, unit and statistic."""

from __future__ import annotations

from usrok_pipeline import pipeline
from usrok_pipeline.records import Fact, FactChange, Timeline
from usrok_pipeline.topics import topics


def tracked(key: str, unit: str = "usd", **facets: str) -> Timeline:
    fact = Fact(
        "r.txt", "A sentence.", 0, 11, "1", 1.0, unit, "exact", "2020", key, key, "bilateral"
    )
    fact = Fact(**{**{n: getattr(fact, n) for n in fact.__dataclass_fields__}, **facets})
    change = FactChange(key=key, kind="new figure", fact=fact, date="2020-01-01")
    return Timeline(key=key, metric=key, label=key, changes=(change,))


def level(measure: str, what: str = "all", way: str = "two_way", statistic: str = "level"):
    key = f"{measure}.{what}.{way}.{statistic}.annual"
    return tracked(
        key, measure=measure, object=what, direction=way, statistic=statistic, aggregation="annual"
    )


def layout(lines: list[Timeline], ranks: dict[str, str] | None = None) -> list[tuple]:
    return [
        (topic.name, [(g.title, [t.key for t in g.timelines]) for g in topic.groups])
        for topic in topics(lines, ranks or {})
    ]


def test_parts_and_the_whole_of_one_trade_share_a_chart() -> None:
    goods, services, both = level("trade", "goods"), level("trade", "services"), level("trade")
    assert layout([goods, services, both]) == [
        ("trade", [("Trade", [goods.key, services.key, both.key])])
    ]


def test_exports_and_imports_share_a_chart_and_a_change_has_its_own() -> None:
    out, back = level("exports", "goods", "us_to_rok"), level("exports", "goods", "rok_to_us")
    growth = level("exports", "goods", "us_to_rok", "change_pct")
    assert layout([growth, out, back]) == [
        (
            "trade",
            [("Exports", [out.key, back.key]), ("Exports: change (%)", [growth.key])],
        )
    ]


def test_ranks_go_with_what_they_rank_in_and_come_last() -> None:
    rank = tracked("rank_among_investors", unit="rank", statistic="rank")
    money = level("investment", "direct", "rok_to_us")
    assert layout([rank, money], {"rank_among_investors": "investment"}) == [
        ("investment", [("Investment", [money.key]), ("Ranks", [rank.key])])
    ]


def test_topics_come_in_page_order_and_a_fact_of_no_topic_is_on_the_last_page() -> None:
    loose = tracked("degrees:warming_goal", unit="degrees")
    students, troops = level("students", way="rok_to_us"), level("troops", way="us_to_rok")
    assert [name for name, _ in layout([troops, loose, students, level("trade")])] == [
        "trade",
        "people",
        "security-and-aid",
        "other",
    ]
    assert layout([loose]) == [("other", [("degrees:warming_goal", [loose.key])])]


def test_every_catalog_rank_names_a_measure_of_some_topic() -> None:
    from usrok_pipeline.topics import topic_table

    listed, _ = topic_table()
    measures = {m for _, _, group in listed for m in group}
    assert set(pipeline.rank_measures().values()) <= measures
