"""Render the report pages and the fact export from the linked facts."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from functools import cache, lru_cache, partial
from itertools import chain
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from . import link, significance
from .chart import Point, Series, chart_svg, drawable, legend, unit_title
from .records import (
    Fact,
    FactChange,
    FactDelta,
    ProcessedDocument,
    Rejected,
    Rewording,
    RunRecord,
    Timeline,
    VersionChange,
    canonical_json,
)
from .topics import Topic

QUALIFIER_WORDS = {
    "exact": "",
    "more_than": "more than ",
    "over": "over ",
    "nearly": "nearly ",
    "almost": "almost ",
    "about": "about ",
    "up_to": "up to ",
}
MONEY_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
LARGE_COUNT = 1e6
ORDINAL_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}
CHANGE_KEY = re.compile(r"^change:|_change_")
SLUG_RUN = re.compile(r"[^a-z0-9_]+")
PAGE_FOLDERS = ("metrics", "documents", "topics", "runs")
PAGE_KINDS = ("html", "md")
# Files copied from the templates folder as they are: the style sheet and the filter box's script.
ASSETS = ("style.css", "filter.js")
# The fact changes of a run that the index lists: a first run over a large corpus adds every
# fact, and a page of a hundred thousand rows helps nobody.
DELTAS_SHOWN = 500
# The feed lists the latest runs that changed something, each with its first changes.
FEED_RUNS = 20
FEED_NEWS = 10
# The time of a feed with no run yet (a report built without the flow): Atom requires one.
NO_TIME = "1970-01-01T00:00:00+00:00"
# The overview opens with this many of the most significant changes, told in words.
HEADLINES = 5
SLUGS_REMEMBERED = 1 << 16
PAGE_SLUG_CHARS = 60
PAGE_HASH_CHARS = 8
CSV_FIELDS = (
    "document",
    "start",
    "end",
    "mention",
    "value",
    "unit",
    "qualifier",
    "period",
    "metric",
    "key",
    "scope",
    "measure",
    "object",
    "direction",
    "statistic",
    "aggregation",
    "label",
    "release_title",
    "release_date",
    "source_url",
    "sentence",
)
# What Markdown reads as markup inside a line (line-start marks never begin a value here).
MARKDOWN_PUNCTUATION = re.compile(r"[\\`*_\[\]|~#!]")
BACKTICK_RUN = re.compile(r"`+")
WEB_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


@dataclass(frozen=True)
class Report:
    """Everything the report pages show, already computed."""

    documents: tuple[ProcessedDocument, ...]
    timelines: tuple[Timeline, ...]
    changes: tuple[FactChange, ...]
    rewordings: tuple[Rewording, ...]
    versions: tuple[VersionChange, ...]
    rejected: tuple[Rejected, ...]
    withdrawn: tuple[str, ...]
    history: tuple[RunRecord, ...] = ()
    deltas: tuple[FactDelta, ...] = ()
    # The changes a reader is told of (not those of figures that move with time), most
    # significant first.
    news: tuple[FactChange, ...] = ()
    topics: tuple[Topic, ...] = ()


def number(value: float) -> str:
    """A number with thousands separators and no needless decimals."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


def ordinal(value: int) -> str:
    """1 -> '1st', 12 -> '12th', 22 -> '22nd'."""
    suffix = "th" if 10 <= value % 100 <= 20 else ORDINAL_SUFFIXES.get(value % 10, "th")
    return f"{value}{suffix}"


def amount(fact: Fact) -> str:
    """A fact's value in words a reader expects: '$61.1 billion', '6th', '-3.9%'."""
    value = fact.value
    if fact.unit == "usd":
        sign = "-" if value < 0 else ""
        magnitude = abs(value)
        for scale, word in MONEY_SCALES:
            if magnitude >= scale:
                return f"{sign}${number(round(magnitude / scale, 3))} {word}"
        return f"{sign}${number(magnitude)}"
    if fact.unit == "rank":
        return ordinal(int(value))
    if fact.unit == "percent":
        return f"{number(value)}%"
    if fact.unit in ("people", "count"):
        count = number(value)
        if abs(value) >= LARGE_COUNT:
            scale, word = next((sc, w) for sc, w in MONEY_SCALES if abs(value) >= sc)
            count = f"{number(round(value / scale, 3))} {word}"
        return count if fact.unit == "count" else f"{count} people"
    if fact.unit == "ratio":
        return f"{number(value)}×"
    return f"{number(value)} {fact.unit}"


def stated(fact: Fact) -> str:
    """The value with its qualifier: 'more than $167 billion', 'down more than 20%'."""
    qualifier = QUALIFIER_WORDS.get(fact.qualifier, fact.qualifier.replace("_", " ") + " ")
    if fact.value < 0:
        return f"down {qualifier}{amount(replace(fact, value=-fact.value))}"
    if CHANGE_KEY.search(fact.key):
        return f"up {qualifier}{amount(fact)}"
    return f"{qualifier}{amount(fact)}"


def quote_parts(fact: Fact) -> tuple[str, str, str]:
    """The sentence split around the number it states, for highlighting."""
    at = fact.sentence.find(fact.mention)
    if at < 0:
        return fact.sentence, "", ""
    end = at + len(fact.mention)
    return fact.sentence[:at], fact.mention, fact.sentence[end:]


def web_url(url: str | None) -> str | None:
    """A link target only when it is a web address, so that a release cannot inject a script URL."""
    return url if url and WEB_URL.match(url) else None


def release_titles(report: Report) -> dict[str, str]:
    """Each release's title, by file name, for the pages that cite it."""
    return {p.document.name: p.document.metadata.title for p in report.documents}


def anchor(fact: Fact) -> str:
    """The id of the number a fact was read from, highlighted on its release's page."""
    return f"q{fact.start + max(fact.sentence.find(fact.mention), 0)}"


def statement_page(fact: Fact, kind: str) -> str:
    """Where a figure is stated: its highlighted number on its release's page (on the
    Markdown twin, which has no anchors, the page)."""
    page = document_page(fact.document, kind)
    return f"{page}#{anchor(fact)}" if kind == "html" else page


def topic_page(name: str, kind: str) -> str:
    """The path of a topic's page inside the report folder."""
    return f"topics/{slug(name)}.{kind}"


def run_page(run_id: int, kind: str) -> str:
    """The path of a run's page inside the report folder: stable, as runs keep their number."""
    return f"runs/{run_id}.{kind}"


def run_urn(record: RunRecord) -> str:
    """A run's permanent id in the feed: its number and start time, as a name-based UUID."""
    name = f"usrok-pipeline/runs/{record.run_id}/{record.started_at}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def feed_urn(first: RunRecord | None) -> str:
    """The feed's permanent id, from the report's first run, which no later run changes."""
    since = first.started_at if first else NO_TIME
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'usrok-pipeline/feed/{since}')}"


def when(started_at: str) -> str:
    """A run's start time for a reader: '2026-12-02 14:05 UTC' (the records keep UTC)."""
    return f"{started_at[:10]} {started_at[11:16]} UTC" if started_at else "time not recorded"


def series(timeline: Timeline, titles: Mapping[str, str], root: str) -> Series:
    """A tracked fact's statements that name a period, as a chart draws them; those that name
    none are left to the table, not put at an invented date."""
    return Series(
        timeline.label,
        tuple(
            Point(
                year,
                change.fact.value,
                f"{stated(change.fact)} ({change.fact.period}), "
                f"{titles[change.fact.document]}, {change.date or 'date unknown'}",
                root + statement_page(change.fact, "html"),
            )
            for change in timeline.changes
            if (year := link.period_end(change.fact.period)) is not None
        ),
    )


def drawn(title: str, unit: str, lines: Sequence[Series]) -> Markup:
    """A chart with its legend, or nothing when its points do not span two years (a single
    figure reads better as a number, which the page shows)."""
    plotted = [one for one in lines if one.points]
    if not drawable(plotted):
        return Markup("")
    key = legend(plotted) if len(plotted) > 1 else Markup("")
    return Markup(f'<figure class="chart">{chart_svg(title, unit, plotted)}{key}</figure>')


@cache
def environment(templates: Path) -> Environment:
    """The Jinja environment: HTML autoescaped, undefined names an error, output stable; one
    per templates folder, so that each template is compiled once (and again when its file
    changes: the loader checks)."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2", "xml.j2")),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        amount=amount,
        stated=stated,
        quote_parts=quote_parts,
        number=number,
        web_url=web_url,
        release_page=document_page,
        metric_page=metric_page,
        md=markdown_cell,
        mdtext=markdown_text,
        mdcode=markdown_code,
        movement_text=movement_text,
        change_words=change_words,
        drawn_figures=drawn_figures,
        period_end=link.period_end,
        releases=link.releases,
        anchor=anchor,
        statement_page=statement_page,
        topic_page=topic_page,
        run_page=run_page,
        run_urn=run_urn,
        when=when,
        unit_title=unit_title,
    )
    env.globals.update(removal_summary=removal_summary, removed_characters=removed_characters)
    return env


def change_words(change: FactChange) -> str:
    """A change told in a sentence: 'more than $170 billion (2019), up from more than $167
    billion (2018), +1.8%'; a revision says what it revises."""
    after = stated(change.fact) + (f" ({change.fact.period})" if change.fact.period else "")
    previous = change.previous
    if previous is None:
        return after
    before = stated(previous) + (f" ({previous.period})" if previous.period else "")
    if change.kind == link.REVISION:
        return f"{after}, revised from {before}"
    direction, _, percent = link.shift(change)
    if direction == "same":
        return f"{after}, as before: {before}"
    share = f", {percent:+.1f}%" if percent is not None else ""
    return f"{after}, {direction} from {before}{share}"


def movement_text(last: FactChange, move: tuple[str, float | None, float | None]) -> str:
    """How the latest figure moved: 'first figure', 'same', '▲ up 12.5 (+3.1%)', '▼ down from 6'."""
    direction, delta, percent = move
    if direction in ("first", "same") or delta is None:
        return "first figure" if direction == "first" else "same"
    size = amount(replace(last.fact, value=abs(delta)))  # in the figure's unit: '$41.4 billion'
    if direction == link.WITH_TIME:
        return f"{'+' if delta > 0 else '-'}{size} with time"
    arrow = "▲" if direction == "up" else "▼"
    if last.fact.unit == "rank" and last.previous is not None:
        return f"{arrow} {direction} from {int(last.previous.value)}"
    change = f"{delta:+g}" if last.fact.unit == "percent" else size
    share = f" ({percent:+.1f}%)" if percent is not None else ""
    return f"{arrow} {direction} {change}{share}"


@lru_cache(maxsize=SLUGS_REMEMBERED)
def slug(text: str) -> str:
    """A file-name-safe form of a key or a document name (remembered: a metric page links
    every release that states it, and a release is linked from each of its facts' pages)."""
    return SLUG_RUN.sub("-", text.lower()).strip("-") or "item"


def markdown_text(text: object) -> str:
    """Text that a Markdown viewer shows as written: no HTML (<script>, <img onerror>), no
    links, emphasis or code of its own; escaped as the HTML pages escape theirs."""
    escaped = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MARKDOWN_PUNCTUATION.sub(r"\\\g<0>", escaped)


def markdown_cell(text: object) -> str:
    """Text safe inside a Markdown table cell: escaped, on one line."""
    return markdown_text(text).replace("\n", " ")


def markdown_code(text: object) -> str:
    """Text as a Markdown code span, fenced by more backticks than it holds, on one line."""
    value = str(text).replace("\n", "\\n").replace("\r", "\\r")
    fence = "`" * (max((len(run) for run in BACKTICK_RUN.findall(value)), default=0) + 1)
    padding = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{padding}{value}{padding}{fence}"


def removal_summary(document: ProcessedDocument) -> list[tuple[str, int]]:
    """How many pieces each rule removed from a document."""
    return sorted(Counter(r.rule for r in document.document.removed).items())


def removed_characters(document: ProcessedDocument) -> int:
    """How many characters of boilerplate were removed from a document (a filter chain over
    its removals cost half of the overview's rows)."""
    return sum(len(removal.text) for removal in document.document.removed)


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of a document's text, with the fact it states when it is a quantity."""

    text: str
    fact: Fact | None = None


def highlighted(document: ProcessedDocument) -> list[tuple[str, list[list[Segment]]]]:
    """The normalized text as paragraphs ("p", [runs]) and lists ("ul", [runs per item]),
    cut into plain runs and the quantities its facts were read from."""
    text = document.document.text
    marks = sorted(
        (
            (fact.start + at, fact)
            for fact in document.facts
            if (at := fact.sentence.find(fact.mention)) >= 0
        ),
        key=lambda mark: mark[0],
    )
    blocks: list[tuple[str, list[list[Segment]]]] = []
    offset = 0
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        if not line.strip():
            continue
        is_item = line.startswith("- ")
        cursor = start + 2 if is_item else start
        segments: list[Segment] = []
        for at, fact in marks:
            if at < cursor or at >= end:
                continue
            segments.append(Segment(text[cursor:at]))
            segments.append(Segment(text[at : at + len(fact.mention)], fact))
            cursor = at + len(fact.mention)
        segments.append(Segment(text[cursor:end]))
        runs = [segment for segment in segments if segment.text]
        if is_item and blocks and blocks[-1][0] == "ul":
            blocks[-1][1].append(runs)
        else:
            blocks.append(("ul" if is_item else "p", [runs]))
    return blocks


def fact_order(fact: Fact) -> tuple[str, int, int, str]:
    """Facts in document and offset order."""
    return (fact.document, fact.start, fact.sentence.find(fact.mention), fact.mention)


def facts_jsonl(documents: Sequence[ProcessedDocument], labels: Mapping[str, str]) -> str:
    """One JSON object per fact, in document and offset order, a line each."""
    return exports(documents, labels)[0]


def exports(documents: Sequence[ProcessedDocument], labels: Mapping[str, str]) -> tuple[str, str]:
    """The facts as the lines of facts.jsonl and the rows of facts.csv, in document and
    offset order, each with its release's title, date and source and its tracked fact's
    label (LABELS by key), so that an export read alone says where a figure comes from."""
    lines = io.StringIO()
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    metadata = {p.document.name: p.document.metadata for p in documents}
    for fact in sorted((fact for p in documents for fact in p.facts), key=fact_order):
        release = metadata[fact.document]
        record = fact.as_json() | {
            "label": labels.get(fact.key, ""),
            "release_title": release.title,
            "release_date": release.date,
            "source_url": release.source_url,
        }
        lines.write(json.dumps(record, sort_keys=True, ensure_ascii=False, allow_nan=False))
        lines.write("\n")
        writer.writerow([record[name] for name in CSV_FIELDS])
    return lines.getvalue(), rows.getvalue()


def json_lists(lists: Mapping[str, Iterable[object]]) -> str:
    """A top-level JSON object of lists, one record (canonical_json) a line, each written as
    it is encoded: the lists of a large report are the run's largest file."""
    out = io.StringIO()
    out.write("{")
    for index, (name, records) in enumerate(lists.items()):
        out.write(f'{"," if index else ""}\n "{name}": [')
        empty = True
        for record in records:
            out.write(f"{'' if empty else ','}\n  {canonical_json(record)}")
            empty = False
        out.write("]" if empty else "\n ]")
    out.write("\n}\n")
    return out.getvalue()


def metric_page(key: str, kind: str) -> str:
    """The path of a tracked fact's page inside the report folder."""
    return f"metrics/{slug(key)}.{kind}"


@lru_cache(maxsize=SLUGS_REMEMBERED)
def document_page(name: str, kind: str) -> str:
    """The path of a release's page inside the report folder: the slug of its name, cut
    short, and a hash of the name as Unicode NFC, so that names alike once slugged
    ('Case.txt' and 'case.txt', 'dup.txt' and 'dup.md', two names in Hangul) keep pages of
    their own, and a name of any length makes a file name the system takes."""
    normal = unicodedata.normalize("NFC", name)
    stem = slug(normal.rsplit(".", 1)[0])[:PAGE_SLUG_CHARS].rstrip("-")
    named = hashlib.sha256(normal.encode("utf-8")).hexdigest()[:PAGE_HASH_CHARS]
    return f"documents/{stem}-{named}.{kind}"


def page_paths(kind: str, name: str) -> dict[str, str]:
    """The paths of the pages of a tracked fact ("metric", by key) or a release ("release",
    by file name), by page kind."""
    page = metric_page if kind == "metric" else document_page
    return {ext: page(name, ext) for ext in PAGE_KINDS}


@dataclass(frozen=True)
class Macros:
    """The row and section macros of the summary pages (templates `_rows.*.j2`)."""

    html: Any
    md: Any


def macros(env: Environment) -> Macros:
    """The row and section macros of both kinds of page."""
    return Macros(env.get_template("_rows.html.j2").module, env.get_template("_rows.md.j2").module)


def shown_rewordings(report: Report) -> list[tuple[Timeline, list[Rewording]]]:
    """The reworded claims each tracked fact shows, in report order: every pair of sentences
    once, under the first fact that has it."""
    reworded: dict[str, list[Rewording]] = {}
    for rewording in report.rewordings:
        reworded.setdefault(rewording.after.key if rewording.after else "", []).append(rewording)
    seen: set[tuple[str, str]] = set()
    shown = []
    for timeline in report.timelines:
        claims = []
        for claim in reworded.get(timeline.key, ()):
            pair = (claim.before_sentence, claim.after_sentence)
            if pair not in seen:
                seen.add(pair)
                claims.append(claim)
        if claims:
            shown.append((timeline, claims))
    return shown


def summary_files(report: Report, templates: Path) -> Iterator[tuple[str, str]]:
    """The files about the whole report: the exports, the style sheet, the overview and the
    reworded-claims pages."""
    env = environment(templates)
    rows = macros(env)
    documents = {p.document.name: p.document for p in report.documents}
    titles = {name: doc.metadata.title for name, doc in documents.items()}
    dates = {name: doc.metadata.date for name, doc in documents.items()}
    labels = {t.key: t.label for t in report.timelines}
    jsonl, table = exports(report.documents, labels)
    # Each export is let go once written: at 10,000 releases they are 57 and 32 MB of text.
    yield "facts.jsonl", jsonl
    del jsonl
    yield "facts.csv", table
    del table
    for asset in ASSETS:
        yield asset, (templates / asset).read_text(encoding="utf-8")
    headlines = [c for c in report.news if significance.moves(c)][:HEADLINES]
    shown = shown_rewordings(report)
    claims = [(t, claim) for t, found in shown for claim in found]
    yield (
        "changes.json",
        json_lists(
            {
                "changes": report.changes,
                "rewordings": (claim for _, claim in claims),
            }
        ),
    )
    variables: dict[str, Any] = {
        "titles": titles,
        "versions": report.versions,
        "rejected": report.rejected,
        "withdrawn": report.withdrawn,
        "history": report.history,
        "latest_run": report.history[-1] if report.history else None,
        "deltas": report.deltas[:DELTAS_SHOWN],
        "deltas_total": len(report.deltas),
        "fact_count": sum(len(p.facts) for p in report.documents),
        "rewording_count": len(claims),
        "topics": report.topics,
        "root": "",
    }
    for kind, mark in (("html", Markup), ("md", str)):
        macro = getattr(rows, kind)
        figures = [
            macro.figure_row(t, link.latest(t), link.movement(t), link.releases(t), titles)
            for t in report.timelines
        ]
        page_vars = variables | {
            "figure_rows": [mark(str(row)) for row in figures],
            "change_rows": [
                mark(str(macro.change_row(c, labels[c.key], titles))) for c in report.news
            ],
            "headlines": [mark(str(macro.headline(c, labels[c.key], titles))) for c in headlines],
            "release_rows": [mark(str(macro.release_row(p))) for p in report.documents],
            "rewording_parts": [
                mark(str(macro.rewording(claim, t.label, titles, dates))) for t, claim in claims
            ],
        }
        yield f"index.{kind}", env.get_template(f"index.{kind}.j2").render(page_vars)
        yield f"changes.{kind}", env.get_template(f"changes.{kind}.j2").render(page_vars)


def metric_pages(report: Report, templates: Path) -> Iterator[tuple[str, Callable[[], str]]]:
    """The pages of each tracked fact, each rendered when called."""
    env = environment(templates)
    titles = release_titles(report)
    for timeline in report.timelines:
        unit = link.latest(timeline).fact.unit
        # Drawn once for both kinds of page.
        chart = cache(partial(drawn, timeline.label, unit, [series(timeline, titles, "../")]))
        for kind, path in page_paths("metric", timeline.key).items():
            template = env.get_template(f"metric.{kind}.j2")
            yield path, partial(render_metric, template, timeline, titles, chart)


def run_pages(report: Report, templates: Path) -> Iterator[tuple[str, str]]:
    """The page of each run in the history, with the figures it moved, and the feed of the
    latest runs."""
    env = environment(templates)
    rows = macros(env)
    titles = release_titles(report)
    labels = {t.key: t.label for t in report.timelines}
    runs = report.history
    for index, record in enumerate(runs):
        for kind in PAGE_KINDS:
            macro = getattr(rows, kind)
            headlines = [
                macro.headline(
                    c,
                    labels.get(c.key, link.fact_label(c.key, {})),
                    titles,
                    "../",
                    c.key in labels,
                )
                for c in record.news
            ]
            page_vars = {
                "r": record,
                "headlines": headlines,
                "previous": runs[index - 1] if index else None,
                "following": runs[index + 1] if index + 1 < len(runs) else None,
                "latest": index == len(runs) - 1,
                "root": "../",
            }
            yield (
                run_page(record.run_id, kind),
                env.get_template(f"run.{kind}.j2").render(page_vars),
            )
    feed_vars = {
        "runs": runs[::-1][:FEED_RUNS],
        "feed_id": feed_urn(runs[0] if runs else None),
        "updated": runs[-1].started_at if runs and runs[-1].started_at else NO_TIME,
        "no_time": NO_TIME,
        "feed_news": FEED_NEWS,
        "labels": labels,
        "titles": titles,
    }
    yield "feed.xml", env.get_template("feed.xml.j2").render(feed_vars)


def topic_pages(report: Report, templates: Path) -> Iterator[tuple[str, str]]:
    """The page of each topic: its groups' charts, their series' latest figures and the
    figures each chart draws, as a table too."""
    env = environment(templates)
    rows = macros(env)
    titles = release_titles(report)
    for topic in report.topics:
        sections = [
            (
                group,
                drawn(group.title, group.unit, [series(t, titles, "../") for t in group.timelines]),
                [(t, link.latest(t), link.movement(t), link.releases(t)) for t in group.timelines],
            )
            for group in topic.groups
        ]
        for kind in PAGE_KINDS:
            macro = getattr(rows, kind)
            page_vars = {
                "topic": topic,
                "topics": report.topics,
                "sections": sections,
                "titles": titles,
                "macro": macro,
                "root": "../",
            }
            page = env.get_template(f"topic.{kind}.j2").render(page_vars)
            yield topic_page(topic.name, kind), page


def drawn_figures(timeline: Timeline) -> list[tuple[int, FactChange, int]]:
    """What a chart draws of a series, as table rows: per year the figure of its latest
    statement and how many statements gave that year a figure."""
    by_year: dict[int, list[FactChange]] = {}
    for change in timeline.changes:
        if (year := link.period_end(change.fact.period)) is not None:
            by_year.setdefault(year, []).append(change)
    return [(year, found[-1], len(found)) for year, found in sorted(by_year.items())]


def render_metric(
    template: Any, timeline: Timeline, titles: Mapping[str, str], chart: Callable[[], str]
) -> str:
    """A tracked fact's page, with its chart."""
    return str(template.render({"t": timeline, "chart": chart(), "titles": titles, "root": "../"}))


def document_pages(report: Report, templates: Path) -> Iterator[tuple[str, Callable[[], str]]]:
    """The pages of each release, each rendered when called; its facts link to the pages of
    the tracked facts."""
    env = environment(templates)
    pages = frozenset(timeline.key for timeline in report.timelines)
    for processed in report.documents:
        for kind, path in page_paths("release", processed.document.name).items():
            template = env.get_template(f"document.{kind}.j2")
            yield path, partial(render_document, template, processed, pages)


def render_document(template: Any, processed: ProcessedDocument, pages: frozenset[str]) -> str:
    """A release's page, its quantities highlighted."""
    page_vars = {"p": processed, "blocks": highlighted(processed), "pages": pages, "root": "../"}
    return str(template.render(page_vars))


def render_pages(
    report: Report, templates: Path, unchanged: AbstractSet[str] = frozenset()
) -> Iterator[tuple[str, str]]:
    """Every report file as (path inside the report folder, text), one at a time; the metric
    and release pages in UNCHANGED are left out (they are on disk as they would be rendered)."""
    yield from summary_files(report, templates)
    yield from topic_pages(report, templates)
    yield from run_pages(report, templates)
    for path, page in chain(metric_pages(report, templates), document_pages(report, templates)):
        if path not in unchanged:
            yield path, page()


def render(report: Report, templates: Path) -> dict[str, str]:
    """Every report file, by path inside the report folder."""
    return dict(render_pages(report, templates))


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write a file through a temporary file and a rename, unless it already holds exactly
    these bytes."""
    try:
        if path.stat().st_size == len(data) and same_digest(path, data):
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_bytes(data)
        temporary.replace(path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        # A failed write() names no file: the error should name the one being written.
        raise OSError(error.errno, error.strerror, str(path)) from error
    return True


def same_digest(path: Path, data: bytes) -> bool:
    """Whether a file holds DATA, read in blocks: the largest report files are tens of MB."""
    with path.open("rb") as file:
        on_disk = hashlib.file_digest(file, "sha256").digest()
    return on_disk == hashlib.sha256(data).digest()


def pages_on_disk(folder: Path) -> set[str]:
    """The metric and release pages in a report folder, read a folder at a time."""
    found: set[str] = set()
    for subfolder in PAGE_FOLDERS:
        if (folder / subfolder).is_dir():
            with os.scandir(folder / subfolder) as entries:
                found |= {f"{subfolder}/{e.name}" for e in entries if e.is_file()}
    return found


def write_reports(
    folder: Path, files: Iterable[tuple[str, str]], kept: Collection[str] = ()
) -> tuple[list[str], dict[str, str]]:
    """Write the report files whose content changed and remove the pages neither produced
    nor KEPT: the paths written or removed, sorted, and the sha256 of each file produced."""
    folder.mkdir(parents=True, exist_ok=True)
    written, digests = [], {}
    for name, text in files:
        data = text.encode("utf-8")
        digests[name] = hashlib.sha256(data).hexdigest()
        if write_if_changed(folder / name, data):
            written.append(name)
        del text, data  # not held while the next file is rendered
    removed = sorted(pages_on_disk(folder) - set(digests) - set(kept))
    for name in removed:
        (folder / name).unlink()
    return sorted(written + removed), digests


def delta_rows(deltas: Sequence[FactDelta]) -> list[dict[str, str]]:
    """The first facts a run changed, as many as the index lists, as table rows: a first run
    over a large corpus adds every fact, and a table artifact of a hundred thousand rows
    helps nobody (and took seconds to send)."""
    return [
        {
            "change": d.change,
            "release": d.fact.document,
            "fact": d.fact.key,
            "value": stated(d.fact),
            "period": d.fact.period or "",
        }
        for d in deltas[:DELTAS_SHOWN]
    ]


def run_summary(record: RunRecord, deltas: Sequence[FactDelta], shown: int = 20) -> str:
    """A short Markdown account of one run, for the run's summary artifact."""
    lines = [
        f"# usrok-pipeline run {record.run_id}",
        "",
        f"{record.new} new, {record.changed} changed, {record.removed} removed, "
        f"{record.failed} failed releases; {record.facts_added} facts added, "
        f"{record.facts_removed} removed.",
    ]
    if deltas:
        lines += ["", "| change | release | fact | value |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {d.change} | {d.fact.document} | `{d.fact.key}` | {stated(d.fact)} |"
            for d in deltas[:shown]
        ]
        if len(deltas) > shown:
            listed = min(len(deltas), DELTAS_SHOWN)
            lines.append(
                f"\n… and {len(deltas) - shown} more: the table artifact lists the first "
                f"{listed}, and every fact is in facts.jsonl."
            )
    return "\n".join(lines) + "\n"
