"""Render the report pages and the fact export from the linked facts."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

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


def environment(templates: Path) -> Environment:
    """The Jinja environment: HTML autoescaped, undefined names an error, output stable."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2")),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        amount=amount, stated=stated, quote_parts=quote_parts, number=number, web_url=web_url
    )
    return env


def removal_summary(document: ProcessedDocument) -> list[tuple[str, int]]:
    """How many pieces each rule removed from a document."""
    return sorted(Counter(r.rule for r in document.document.removed).items())


def context(report: Report) -> dict[str, Any]:
    """The variables the templates see."""
    titles = {p.document.name: p.document.metadata.title for p in report.documents}
    dates = {p.document.name: p.document.metadata.date for p in report.documents}
    return {
        "documents": report.documents,
        "timelines": report.timelines,
        "changes": report.changes,
        "rewordings": report.rewordings,
        "versions": report.versions,
        "rejected": report.rejected,
        "withdrawn": report.withdrawn,
        "history": report.history,
        "latest_run": report.history[-1] if report.history else None,
        "deltas": report.deltas,
        "titles": titles,
        "dates": dates,
        "removal_summary": removal_summary,
        "fact_count": sum(len(p.facts) for p in report.documents),
    }


def facts_jsonl(documents: Sequence[ProcessedDocument]) -> str:
    """One JSON object per fact, in document and offset order, keys sorted."""
    facts = sorted(
        (fact for p in documents for fact in p.facts),
        key=lambda f: (f.document, f.start, f.sentence.find(f.mention), f.mention),
    )
    return "".join(
        json.dumps(f.as_json(), sort_keys=True, ensure_ascii=False) + "\n" for f in facts
    )


def render(report: Report, templates: Path) -> dict[str, str]:
    """Every report file, by file name."""
    env = environment(templates)
    variables = context(report)
    return {
        "index.html": env.get_template("index.html.j2").render(variables),
        "index.md": env.get_template("index.md.j2").render(variables),
        "facts.jsonl": facts_jsonl(report.documents),
    }


def write_reports(folder: Path, files: Mapping[str, str]) -> list[str]:
    """Write report files whose content changed; return the names written."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for name, content in sorted(files.items()):
        path = folder / name
        if path.exists() and path.read_text(encoding="utf-8") == content:
            continue
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(content, encoding="utf-8", newline="\n")
        temporary.replace(path)
        written.append(name)
    return written


def delta_rows(deltas: Sequence[FactDelta]) -> list[dict[str, str]]:
    """The facts a run changed, as table rows."""
    return [
        {
            "change": d.change,
            "release": d.fact.document,
            "fact": d.fact.key,
            "value": stated(d.fact),
            "period": d.fact.period or "",
        }
        for d in deltas
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
            lines.append(f"\n… and {len(deltas) - shown} more in the table artifact.")
    return "\n".join(lines) + "\n"
