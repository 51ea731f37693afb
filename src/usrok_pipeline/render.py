"""Render the report pages and the fact export from the linked facts."""

from __future__ import annotations

import csv
import filecmp
import hashlib
import io
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from . import link
from .chart import chart_svg
from .records import (
    Fact,
    FactChange,
    FactDelta,
    KeySection,
    Layout,
    Part,
    ProcessedDocument,
    Rejected,
    Release,
    ReleaseSection,
    Rewording,
    RewordingPart,
    Rewordings,
    RunRecord,
    Timeline,
    VersionChange,
    plain,
)

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
PAGE_FOLDERS = ("metrics", "documents")
PAGE_KINDS = ("html", "md")
# The fact changes of a run that the index lists: a first run over a large corpus adds every
# fact, and a page of a hundred thousand rows helps nobody.
DELTAS_SHOWN = 500
CLAIMS_MARK = "\0claims\0"  # where a page's reworded claims go: no template holds a NUL
CLAIMS_FILES = ("changes.json", "changes.html", "changes.md")
COPY_CHUNK = 1 << 20
ITEMS_REMEMBERED = 1 << 16  # the page paths of this many items are kept between calls
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


@dataclass(frozen=True)
class Overview:
    """What the overview says of the run besides the facts: releases whose file changed, files
    not used, the run history and the latest run's fact changes."""

    versions: tuple[VersionChange, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    withdrawn: tuple[str, ...] = ()
    history: tuple[RunRecord, ...] = ()
    deltas: tuple[FactDelta, ...] = ()


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


@cache
def environment(templates: Path) -> Environment:
    """The Jinja environment: HTML autoescaped, undefined names an error, output stable; one
    per templates folder, so that each template is compiled once (and again when its file
    changes: the loader checks)."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2")),
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
        slug=slug,
        md=markdown_cell,
        mdtext=markdown_text,
        mdcode=markdown_code,
        movement_text=movement_text,
    )
    env.globals["removal_summary"] = removal_summary
    return env


def movement_text(last: FactChange, move: tuple[str, float | None, float | None]) -> str:
    """How the latest figure moved: 'first figure', 'same', '▲ up 12.5 (+3.1%)', '▼ down from 6'."""
    direction, delta, percent = move
    if direction in ("first", "same") or delta is None:
        return "first figure" if direction == "first" else "same"
    arrow = "▲" if direction == "up" else "▼"
    if last.fact.unit == "rank" and last.previous is not None:
        return f"{arrow} {direction} from {int(last.previous.value)}"
    change = f"{delta:+g}" if last.fact.unit == "percent" else number(abs(delta))
    share = f" ({percent:+.1f}%)" if percent is not None else ""
    return f"{arrow} {direction} {change}{share}"


@lru_cache(maxsize=ITEMS_REMEMBERED)
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


def fact_line(fact: Fact) -> str:
    """A fact as one line of facts.jsonl, keys sorted; strict JSON (no NaN or infinity)."""
    return json.dumps(fact.as_json(), sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def facts_jsonl(documents: Sequence[ProcessedDocument]) -> Iterator[str]:
    """One JSON object per fact, in document and offset order: line by line."""
    for fact in sorted((fact for p in documents for fact in p.facts), key=fact_order):
        yield fact_line(fact)


def csv_rows(facts: Iterable[Fact], header: bool = False) -> str:
    """Facts as CSV rows, in the order given, after the header row when asked for."""
    rows = io.StringIO()
    writer = csv.DictWriter(rows, fieldnames=CSV_FIELDS, lineterminator="\n")
    if header:
        writer.writeheader()
    for fact in facts:
        writer.writerow({k: v for k, v in fact.as_json().items() if k in CSV_FIELDS})
    return rows.getvalue()


def json_item(record: object) -> str:
    """A record as one line of a list of changes.json, keys sorted: compact, as the file lists
    every statement and indenting it took the slow pure-Python encoder."""
    return json.dumps(plain(record), sort_keys=True, ensure_ascii=False, allow_nan=False)


def listed(lines: str) -> str:
    """JSON items a line each (json_item) as lines of a list: a comma after every one but
    the last, each indented."""
    return lines.replace("\n", ",\n  ")


def json_items(name: str, items: Sequence[str | Part], last: bool) -> Iterator[str | Part]:
    """One list of a top-level JSON object, one item a line, from ITEMS: lines of the list
    (listed), none empty."""
    yield f' "{name}": ['
    for number, item in enumerate(items):
        yield ("," if number else "") + "\n  "
        yield item
    yield ("\n ]" if items else "]") + ("\n" if last else ",\n")


def changes_json(keys: Sequence[KeySection], claims: Sequence[str | Part]) -> Iterator[str | Part]:
    """The classified statements of every tracked fact and the reworded claims (CLAIMS: lines
    of the list), as one JSON object of both lists, a statement a line."""
    yield "{\n"
    statements = [listed(k.changes_json) for k in keys if k.changes_json]
    yield from json_items("changes", statements, last=False)
    yield from json_items("rewordings", claims, last=True)
    yield "}\n"


def metric_page(key: str, kind: str) -> str:
    """The path of a tracked fact's page inside the report folder."""
    return f"metrics/{slug(key)}.{kind}"


def document_page(name: str, kind: str) -> str:
    """The path of a release's page inside the report folder."""
    return f"documents/{slug(name.rsplit('.', 1)[0])}.{kind}"


def key_item(key: str) -> str:
    """How a tracked fact is named among the items of a report: its pages and its section."""
    return f"metric:{key}"


def release_item(name: str) -> str:
    """How a release is named among the items of a report: its pages and its section."""
    return f"release:{name}"


def section_items(keys: Mapping[str, str], names: Mapping[str, str]) -> dict[str, str]:
    """Digests of tracked facts (by key) and releases (by name) as digests of items."""
    items = {key_item(key): digest for key, digest in keys.items()}
    return items | {release_item(name): digest for name, digest in names.items()}


def item_digests(
    releases: Sequence[Release], tracked: Mapping[str, Sequence[str]], version: str
) -> dict[str, str]:
    """A digest of what the pages and section of each tracked fact and release show, so that
    a run renders again only those whose inputs changed (TRACKED: the releases that state
    each key with a page of its own). VERSION stands for what every item depends on: the
    code, templates and rules, and what a release's facts were extracted under; a release is
    then known by its name and hash, and a tracked fact by the releases that state it."""
    hashes = {r.name: r.sha256 for r in releases}
    digests: dict[str, str] = {}
    for key, names in tracked.items():
        sources = sorted(set(names))
        digest = content_digest(version, key, *(f"{n}\0{hashes.get(n)}" for n in sources))
        digests[key_item(key)] = digest
    for release in releases:
        linked = sorted(key for key in release.keys if key in tracked)
        digests[release_item(release.name)] = content_digest(
            version, release.name, release.sha256, *linked
        )
    return digests


@lru_cache(maxsize=ITEMS_REMEMBERED)
def item_pages(item: str) -> frozenset[str]:
    """The pages of a tracked fact or a release, by its item name (remembered: a run asks
    for those of every item of the report twice)."""
    kind, _, name = item.partition(":")
    if kind == "metric":
        return frozenset(metric_page(name, page) for page in PAGE_KINDS)
    return frozenset(release_pages(name))


def page_digests(items: Mapping[str, str]) -> dict[str, str]:
    """The digest of each page: that of its item."""
    return {page: digest for item, digest in items.items() for page in item_pages(item)}


def release_pages(name: str) -> set[str]:
    """Every page of one release."""
    return {document_page(name, kind) for kind in PAGE_KINDS}


def pages_on_disk(folder: Path) -> set[str]:
    """The metric and release pages in a report folder, read a folder at a time."""
    found: set[str] = set()
    for subfolder in PAGE_FOLDERS:
        if (folder / subfolder).is_dir():
            with os.scandir(folder / subfolder) as entries:
                found |= {f"{subfolder}/{e.name}" for e in entries if e.is_file()}
    return found


def unchanged_pages(
    folder: Path, digests: Mapping[str, str], before: Mapping[str, str]
) -> set[str]:
    """The pages whose inputs are those they were last written from, and still on disk."""
    present = pages_on_disk(folder)
    return {
        path for path, digest in digests.items() if before.get(path) == digest and path in present
    }


def settled_items(
    folder: Path,
    items: Mapping[str, str],
    pages: Mapping[str, str],
    pages_before: Mapping[str, str],
    sections_before: Mapping[str, str],
) -> set[str]:
    """The tracked facts and releases (ITEMS and their PAGES: digests) that need no rendering:
    their section is kept under the same digest and their pages are on disk as last written
    from it."""
    unchanged = unchanged_pages(folder, pages, pages_before)
    return {
        item
        for item, digest in items.items()
        if sections_before.get(item) == digest and item_pages(item) <= unchanged
    }


def content_digest(*parts: str) -> str:
    """The sha256 of strings kept apart, so that no two lists of parts share a digest."""
    return hashlib.sha256("".join(f"{part}\0\1" for part in parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Macros:
    """The row and section macros of the summary pages (templates `_rows.*.j2`)."""

    html: Any
    md: Any


def macros(env: Environment) -> Macros:
    """The row and section macros of both kinds of page."""
    return Macros(env.get_template("_rows.html.j2").module, env.get_template("_rows.md.j2").module)


def key_section(
    timeline: Timeline,
    rewordings: Sequence[Rewording],
    titles: Mapping[str, str],
    dates: Mapping[str, str | None],
    rows: Macros,
) -> KeySection:
    """What the summary files show of one tracked fact (REWORDINGS: its reworded claims)."""
    last, move, count = link.latest(timeline), link.movement(timeline), link.releases(timeline)
    changes = link.changed_facts([timeline])
    return KeySection(
        key=timeline.key,
        figure_html=str(rows.html.figure_row(timeline, last, move, count, titles)),
        figure_md=str(rows.md.figure_row(timeline, last, move, count, titles)),
        changes_html="".join(str(rows.html.change_row(c, titles)) for c in changes),
        changes_md="".join(str(rows.md.change_row(c, titles)) for c in changes),
        changes_json="\n".join(json_item(c) for c in changes),
        rewordings=Rewordings.of(
            [
                RewordingPart(
                    pair=content_digest(r.before_sentence, r.after_sentence),
                    html=str(rows.html.rewording(r, timeline.label, titles, dates)),
                    md=str(rows.md.rewording(r, timeline.label, titles, dates)),
                    json=json_item(r),
                )
                for r in rewordings
            ]
        ),
    )


def release_section(processed: ProcessedDocument, rows: Macros) -> ReleaseSection:
    """What the summary files show of one release."""
    facts = sorted(processed.facts, key=fact_order)
    return ReleaseSection(
        name=processed.document.name,
        title=processed.document.metadata.title,
        facts=len(facts),
        row_html=str(rows.html.release_row(processed)),
        row_md=str(rows.md.release_row(processed)),
        jsonl="".join(map(fact_line, facts)),
        csv=csv_rows(facts),
    )


def shown_pairs(keys: Sequence[KeySection]) -> list[tuple[KeySection, tuple[str, ...]]]:
    """The tracked facts that show reworded claims, with the pairs each shows: every pair of
    sentences once, under the first fact that has it."""
    seen: set[str] = set()
    shown = []
    for section in keys:
        pairs = []
        for pair in section.rewordings.pairs:
            if pair not in seen:
                seen.add(pair)
                pairs.append(pair)
        if pairs:
            shown.append((section, tuple(pairs)))
    return shown


def claims_shown(claims: Rewordings, pairs: tuple[str, ...]) -> Rewordings:
    """The claims of PAIRS among CLAIMS, each once: taken whole when they are all of them."""
    if pairs == claims.pairs:
        return claims
    wanted = set(pairs)
    parts = []
    for part in claims.parts():
        if part.pair in wanted:
            wanted.discard(part.pair)
            parts.append(part)
    return Rewordings.of(parts)


@dataclass(frozen=True)
class Kept:
    """Where the summary files find what is not in hand: the digest of each item's section,
    the layouts of the files on disk as last written (layouts_in_place), and the store,
    asked for the facts of releases (names, "jsonl" or "csv") and the reworded claims of
    tracked facts (key: digest) that are needed."""

    digests: Mapping[str, str]
    layouts: Mapping[str, Layout]
    exports: Callable[[Sequence[str], str], Iterable[str]]
    claims: Callable[[Mapping[str, str]], Mapping[str, Rewordings]]

    def in_place(self, file: str) -> Collection[str]:
        """The names of the parts FILE holds in place."""
        layout = self.layouts.get(file)
        return layout.parts.keys() if layout else ()


def part_name(item: str, digests: Mapping[str, str], *shown: str) -> str:
    """The name of an item's part of a summary file, which changes with what the item's
    section was rendered from (DIGESTS: by item) and with SHOWN, what the part shows of it."""
    return " ".join((item, digests.get(item, ""), *shown))


def exported(
    releases: Sequence[ReleaseSection], column: str, file: str, kept: Kept | None
) -> Iterator[Part]:
    """The facts of each release as a part of an export FILE (COLUMN "jsonl" or "csv"), with
    its text where the file as last written does not hold it in place: from the store when
    KEPT, else from the sections."""
    digests = kept.digests if kept else {}
    in_place = kept.in_place(file) if kept else ()
    names = [part_name(release_item(r.name), digests) for r in releases]
    needed = [r for r, name in zip(releases, names, strict=True) if name not in in_place]
    if kept:
        pending = iter(kept.exports([r.name for r in needed], column))
    else:
        pending = (getattr(r, column) for r in needed)
    for name in names:
        yield Part(name, None) if name in in_place else Part(name, next(pending))


def claim_parts(
    shown: Sequence[tuple[KeySection, tuple[str, ...]]], kept: Kept | None
) -> dict[str, list[Part]]:
    """The reworded claims each tracked fact shows, as parts of the reworded-claims files
    (file: parts), with their texts where a file as last written does not hold them in place:
    the texts of a section read without them are asked for."""
    digests = kept.digests if kept else {}
    in_place = {file: kept.in_place(file) if kept else () for file in CLAIMS_FILES}
    named = [
        (section, pairs, part_name(key_item(section.key), digests, content_digest(*pairs)))
        for section, pairs in shown
    ]
    needed = {s.key for s, _, name in named if any(name not in in_place[f] for f in CLAIMS_FILES)}
    unread = {
        s.key: digests.get(key_item(s.key), "")
        for s, _, _ in named
        if s.key in needed and not s.rewordings.read
    }
    fetched = kept.claims(unread) if kept and unread else {}
    if set(fetched) != set(unread):
        raise ValueError(f"reworded claims not kept: {sorted(set(unread) - set(fetched))}")
    files: dict[str, list[Part]] = {file: [] for file in CLAIMS_FILES}
    for section, pairs, name in named:
        claims = None
        if section.key in needed:
            claims = claims_shown(fetched.get(section.key, section.rewordings), pairs)
        by_file = {
            "changes.json": listed(claims.json) if claims else None,
            "changes.html": claims.html if claims else None,
            "changes.md": claims.md if claims else None,
        }
        for file, text in by_file.items():
            files[file].append(Part(name, None if name in in_place[file] else text))
    return files


def summary_files(
    keys: Sequence[KeySection],
    releases: Sequence[ReleaseSection],
    overview: Overview,
    templates: Path,
    kept: Kept | None = None,
) -> Iterator[tuple[str, Iterable[str | Part]]]:
    """The files about the whole report, put together from the sections of its tracked facts
    and of its releases (both in report order): the overview and reworded-claims pages, the
    exports and the style sheet. Without KEPT, every text is in the sections; with it, the
    releases' facts and the claims of sections read without them come from the store, and
    what a file as last written holds in place is not asked for (a large report streams
    the facts rather than holding them)."""
    env = environment(templates)
    shown = shown_pairs(keys)
    variables: dict[str, Any] = {
        "titles": {r.name: r.title for r in releases},
        "versions": overview.versions,
        "rejected": overview.rejected,
        "withdrawn": overview.withdrawn,
        "history": overview.history,
        "latest_run": overview.history[-1] if overview.history else None,
        "deltas": overview.deltas[:DELTAS_SHOWN],
        "deltas_total": len(overview.deltas),
        "fact_count": sum(r.facts for r in releases),
        "rewording_count": sum(len(pairs) for _, pairs in shown),
        "root": "",
    }
    yield "facts.jsonl", exported(releases, "jsonl", "facts.jsonl", kept)
    header = csv_rows((), header=True)
    yield "facts.csv", chain((header,), exported(releases, "csv", "facts.csv", kept))
    yield "style.css", ((templates / "style.css").read_text(encoding="utf-8"),)
    claims = claim_parts(shown, kept)
    yield "changes.json", changes_json(keys, claims["changes.json"])
    parts = {
        "html": (Markup, [(k.figure_html, k.changes_html) for k in keys], "row_html"),
        "md": (str, [(k.figure_md, k.changes_md) for k in keys], "row_md"),
    }
    for kind, (mark, rows, row) in parts.items():
        page_vars = variables | {
            "figure_rows": [mark(figure) for figure, _ in rows],
            "change_rows": [mark(changes) for _, changes in rows if changes],
            "release_rows": [mark(getattr(r, row)) for r in releases],
            "rewording_parts": [Markup(CLAIMS_MARK)] if shown else [],
        }
        yield f"index.{kind}", (env.get_template(f"index.{kind}.j2").render(page_vars),)
        page = env.get_template(f"changes.{kind}.j2").render(page_vars)
        head, _, tail = page.partition(CLAIMS_MARK)
        yield f"changes.{kind}", [head, *claims[f"changes.{kind}"], tail] if shown else (page,)


def texts(pieces: Iterable[str | Part]) -> Iterator[str]:
    """The text of each piece of a file, every part's in hand."""
    for piece in pieces:
        if isinstance(piece, str):
            yield piece
        elif piece.text is None:
            raise ValueError(f"the text of part {piece.name} is not in hand")
        else:
            yield piece.text


def metric_pages(
    timelines: Iterable[Timeline],
    titles: Mapping[str, str],
    templates: Path,
    unchanged: AbstractSet[str] = frozenset(),
) -> Iterator[tuple[str, Iterable[str]]]:
    """The page of each tracked fact but those in UNCHANGED (TITLES: of its releases)."""
    env = environment(templates)
    for timeline in timelines:
        paths = {kind: metric_page(timeline.key, kind) for kind in PAGE_KINDS}
        if set(paths.values()) <= unchanged:
            continue
        page_vars = {"t": timeline, "chart": chart_svg(timeline), "titles": titles, "root": "../"}
        for kind, path in paths.items():
            yield path, (env.get_template(f"metric.{kind}.j2").render(page_vars),)


def render_pages(
    report: Report, templates: Path, unchanged: AbstractSet[str] = frozenset()
) -> Iterator[tuple[str, Iterable[str]]]:
    """Every report file as (path inside the report folder, its text in pieces), one at a
    time; the metric and release pages in UNCHANGED are left out (they are on disk as they
    would be rendered)."""
    rows = macros(environment(templates))
    titles = {p.document.name: p.document.metadata.title for p in report.documents}
    dates = {p.document.name: p.document.metadata.date for p in report.documents}
    reworded: dict[str, list[Rewording]] = {}
    for rewording in report.rewordings:
        reworded.setdefault(rewording.after.key if rewording.after else "", []).append(rewording)
    keys = [key_section(t, reworded.get(t.key, ()), titles, dates, rows) for t in report.timelines]
    releases = [release_section(p, rows) for p in report.documents]
    overview = Overview(
        report.versions, report.rejected, report.withdrawn, report.history, report.deltas
    )
    yield from (
        (path, texts(pieces)) for path, pieces in summary_files(keys, releases, overview, templates)
    )
    yield from metric_pages(report.timelines, titles, templates, unchanged)
    pages = {timeline.key for timeline in report.timelines}
    yield from document_pages(report.documents, pages, templates, unchanged)


def document_pages(
    documents: Iterable[ProcessedDocument],
    pages: AbstractSet[str],
    templates: Path,
    unchanged: AbstractSet[str] = frozenset(),
) -> Iterator[tuple[str, Iterable[str]]]:
    """The page of each release but those in UNCHANGED (PAGES: the keys with a page of their
    own, which the release's facts link to); a release page needs no other release."""
    env = environment(templates)
    for processed in documents:
        if release_pages(processed.document.name) <= unchanged:
            continue
        paths = {kind: document_page(processed.document.name, kind) for kind in PAGE_KINDS}
        page_vars = {
            "p": processed,
            "blocks": highlighted(processed),
            "pages": pages,
            "root": "../",
        }
        for kind, path in paths.items():
            yield path, (env.get_template(f"document.{kind}.j2").render(page_vars),)


def render(report: Report, templates: Path) -> dict[str, str]:
    """Every report file, by path inside the report folder."""
    return {name: "".join(pieces) for name, pieces in render_pages(report, templates)}


def same_bytes(a: Path, b: Path) -> bool:
    """Whether two files hold the same bytes (sizes first: most changes change the size)."""
    return a.stat().st_size == b.stat().st_size and filecmp.cmp(a, b, shallow=False)


def write_if_changed(path: Path, pieces: Iterable[str]) -> bool:
    """Write a file through a temporary file and a rename, unless it already holds exactly
    this text; a text in many pieces is streamed, then compared with the file on disk."""
    whole = pieces[0] if isinstance(pieces, tuple) and len(pieces) == 1 else None
    if whole is not None and path.exists() and path.read_text(encoding="utf-8") == whole:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(pieces)
    if whole is None and path.exists() and same_bytes(path, temporary):
        temporary.unlink()
        return False
    temporary.replace(path)
    return True


class ReportChanged(RuntimeError):
    """A summary file changed on disk while a run was copying parts from it."""


def unchanged_since(stat: os.stat_result, layout: Layout) -> bool:
    """Whether a file is the one written with this layout: same size, time and inode."""
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino) == (
        layout.size,
        layout.modified,
        layout.inode,
    )


def layouts_in_place(folder: Path, layouts: Mapping[str, Layout]) -> dict[str, Layout]:
    """The layouts of the summary files that are on disk as they were written."""
    found = {}
    for name, layout in layouts.items():
        try:
            stat = (folder / name).stat()
        except OSError:
            continue
        if unchanged_since(stat, layout):
            found[name] = layout
    return found


class Splice:
    """Copies parts of a file as last written into the file being written, adjacent parts in
    one go; the old file is opened on the first part, and must be as written."""

    def __init__(self, path: Path, layout: Layout | None, target: BinaryIO) -> None:
        self.path, self.layout, self.target = path, layout, target
        self.source: BinaryIO | None = None
        self.start = self.length = 0

    def __enter__(self) -> Splice:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.source:
            self.source.close()

    def part(self, name: str) -> int:
        """Queue the bytes of part NAME for copying; their length."""
        if self.layout is None or name not in self.layout.parts:
            raise ValueError(f"{self.path.name}: part {name} is neither in hand nor in the file")
        if self.source is None:
            self.source = self.path.open("rb")
            if not unchanged_since(os.fstat(self.source.fileno()), self.layout):
                raise ReportChanged(f"{self.path}: changed while this run was writing it")
        offset, length = self.layout.parts[name]
        if offset != self.start + self.length:
            self.flush()
            self.start = offset
        self.length += length
        return length

    def flush(self) -> None:
        """Copy the bytes queued."""
        if self.source and self.length:
            self.source.seek(self.start)
            left = self.length
            while left:
                chunk = self.source.read(min(left, COPY_CHUNK))
                if not chunk:
                    raise ReportChanged(f"{self.path}: shorter than when it was written")
                self.target.write(chunk)
                left -= len(chunk)
        self.start += self.length
        self.length = 0


def write_parts(
    path: Path, pieces: Iterable[str | Part], before: Layout | None = None
) -> tuple[bool, Layout]:
    """Write a file through a temporary file and a rename, unless it already holds exactly
    these bytes; a part without text is copied from the file as last written (BEFORE: where
    its parts lie). Whether the file was written, and where its parts lie now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    parts: dict[str, tuple[int, int]] = {}
    at = 0
    with temporary.open("wb") as target, Splice(path, before, target) as splice:
        for piece in pieces:
            if isinstance(piece, Part) and piece.text is None:
                length = splice.part(piece.name)
            else:
                splice.flush()
                data = (piece if isinstance(piece, str) else piece.text or "").encode("utf-8")
                target.write(data)
                length = len(data)
            if isinstance(piece, Part):
                parts[piece.name] = (at, length)
            at += length
        splice.flush()
    written = not (path.exists() and same_bytes(path, temporary))
    if written:
        temporary.replace(path)
    else:
        temporary.unlink()
    stat = path.stat()
    return written, Layout(stat.st_size, stat.st_mtime_ns, stat.st_ino, parts)


def write_summary_files(
    folder: Path, files: Iterable[tuple[str, Iterable[str | Part]]], before: Mapping[str, Layout]
) -> tuple[list[str], dict[str, Layout]]:
    """Write the summary files whose content changed, copying what BEFORE says a file holds
    in place: the paths written, and where the parts lie in each file that has any."""
    written, layouts = [], {}
    for name, pieces in files:
        changed, layout = write_parts(folder / name, pieces, before.get(name))
        if changed:
            written.append(name)
        if layout.parts:
            layouts[name] = layout
    return written, layouts


def write_reports(
    folder: Path, files: Iterable[tuple[str, Iterable[str]]], kept: Collection[str] = ()
) -> list[str]:
    """Write report files whose content changed and remove pages neither produced nor KEPT;
    return the paths written or removed, sorted."""
    produced: set[str] = set(kept)
    written = write_files(folder, noted(files, produced))
    return sorted(written + remove_stale_pages(folder, produced))


def remove_stale_pages(folder: Path, pages: Collection[str]) -> list[str]:
    """Remove the metric and release pages not among PAGES; return their paths."""
    removed = sorted(pages_on_disk(folder) - set(pages))
    for name in removed:
        (folder / name).unlink()
    return removed


def noted(
    files: Iterable[tuple[str, Iterable[str]]], names: set[str]
) -> Iterator[tuple[str, Iterable[str]]]:
    """The files as they are, their names added to NAMES as they pass."""
    for name, pieces in files:
        names.add(name)
        yield name, pieces


def write_files(folder: Path, files: Iterable[tuple[str, Iterable[str]]]) -> list[str]:
    """Write the files whose content changed; return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    return [name for name, pieces in files if write_if_changed(folder / name, pieces)]


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
