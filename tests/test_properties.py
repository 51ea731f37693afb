"""Properties of the normalizer and the extractor on any text (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from usrok_pipeline import normalize
from usrok_pipeline.extract import extract_document
from usrok_pipeline.records import Metadata, NormalizedDocument, ParsedDocument

PIECES = st.sampled_from(
    [
        " ",
        "  ",
        "\n",
        "\n\n",
        "\u00a0",
        "\t",
        "- ",
        "• ",
        "* ",
        "1. ",
        "**",
        "*",
        "__",
        "_",
        "\\#",
        "###",
        "#",
        "<u>",
        "</u>",
        "<sup>th</sup>",
        "$",
        "%",
        "$5 billion",
        "5",
        "2019",
        "2019/20",
        "1,200",
        "sixth largest",
        "more than",
        "nearly",
        "two million",
        "U.S.",
        "R.O.K.",
        "Korea",
        "trade",
        "goods",
        "services",
        "partner",
        ".",
        ",",
        ";",
        ":",
        "(",
        ")",
        "“",
        "”",
        "’",
        "Skip to Content",
        "An official website of the United States government",
        "U.S. Department of State",
        "anniversary",
        "years ago",
        "from 2010",
        "percent",
    ]
)
TEXTS = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=80).map("".join),
)
RUN_OF_THE_MILL = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def normalized(text: str) -> str:
    doc = ParsedDocument(name="a.txt", sha256="h", front_matter={}, body=text)
    blocks, removed = normalize.clean_blocks(doc, normalize.load_rules())
    return normalize.normalize(blocks, removed, frozenset())[0]


@RUN_OF_THE_MILL
@given(TEXTS)
def test_normalizing_twice_changes_nothing(text: str) -> None:
    once = normalized(text)
    assert normalized(once) == once


@RUN_OF_THE_MILL
@given(TEXTS)
def test_facts_point_into_their_sentence(text: str) -> None:
    body = normalized(text)
    meta = Metadata("t", "test", "2020-01-01", "test", None)
    for fact in extract_document(NormalizedDocument("a.txt", "h", meta, body)):
        assert body[fact.start : fact.end] == fact.sentence
        assert fact.mention and fact.mention in fact.sentence
        assert fact.value == fact.value  # not NaN
