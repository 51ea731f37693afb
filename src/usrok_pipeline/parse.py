"""Split front matter from a release and work out its title and publication date."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import yaml

from .records import Metadata, ParsedDocument

# A year counted from a text, with how it was counted; None when the text tells none.
YearCounter = Callable[[str], tuple[int, str] | None]

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
MONTH_ABBREVIATIONS = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
FULL_DATE = re.compile(
    rf"\b(?P<month>{MONTHS}|(?:{MONTH_ABBREVIATIONS})\.?)\s+(?P<day>\d{{1,2}}),?\s+(?P<year>(?:19|20)\d\d)\b"
    rf"|\b(?P<day2>\d{{1,2}})\s+(?P<month2>{MONTHS})\s+(?P<year2>(?:19|20)\d\d)\b"
    r"|\b(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)\b"
)
DATELINE = re.compile(
    rf"^(?:[A-Z][A-Za-z.]+(?:[ ,]+[A-Z][A-Za-z.]+)*[,\s]+)?(?:\(?[A-Za-z. ]+\)?\s*[-–—]\s*)?"
    rf"(?:{MONTHS})\s+\d{{1,2}},\s+(?:19|20)\d\d\s*(?:[-–—:].*)?$"
)
NAMED_YEAR = re.compile(r"(?<![0-9A-Za-z])((?:19|20)\d\d)(?![0-9A-Za-z])")
DATELINE_LINES = 6
TITLE_MAX_CHARS = 160
TITLE_LINES = 6
SENTENCE_END = re.compile(r"[.!?:;”\"’]$")
NOT_A_TITLE_START = re.compile(r"^[“\"‘'\-–—•*]")
DATE_KEYS = ("date", "published_time", "published", "publication_date")
MAX_FRONT_MATTER_CHARS = 64_000
MAX_FRONT_MATTER_DEPTH = 16
# Only these are read: a list or mapping value names no title, date or source.
FRONT_MATTER_SCALARS = (str, int, float, bool, dt.date)
URL_KEYS = ("source_url", "url", "canonical_url", "source")


def split_front_matter(
    name: str, sha256: str, text: str, encoding: str = "utf-8"
) -> ParsedDocument:
    """Read the YAML front matter (never executing tags) and keep the body after it.

    Front matter that is not valid YAML, or not a mapping, is ignored; the body is kept.
    """
    match = FRONT_MATTER.match(text)
    if not match:
        return ParsedDocument(name, sha256, {}, text, encoding)
    fields = front_matter_fields(match.group("yaml"))
    return ParsedDocument(name, sha256, fields, text[match.end() :], encoding)


def front_matter_fields(source: str) -> dict[str, str]:
    """The scalar fields of front matter, read within bounds: no more than
    MAX_FRONT_MATTER_CHARS, nested no deeper than MAX_FRONT_MATTER_DEPTH, and no aliases
    (a few hundred bytes of them expand to gigabytes); anything else reads as no fields."""
    if len(source) > MAX_FRONT_MATTER_CHARS:
        return {}
    try:
        depth = 0
        for event in yaml.parse(source, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                return {}
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_FRONT_MATTER_DEPTH:
                    return {}
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        loaded = yaml.safe_load(source)
    except yaml.YAMLError:
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {str(k): str(v) for k, v in loaded.items() if isinstance(v, FRONT_MATTER_SCALARS)}


def iso_date(match: re.Match[str]) -> str | None:
    """A calendar date from a FULL_DATE match, or None when it is not a real day."""
    if match.group("iso"):
        return match.group("iso")
    month_name = match.group("month") or match.group("month2")
    day = match.group("day") or match.group("day2")
    year = match.group("year") or match.group("year2")
    month_key = month_name.rstrip(".")[:3].lower()
    months = [m[:3].lower() for m in MONTHS.split("|")]
    try:
        return dt.date(int(year), months.index(month_key) + 1, int(day)).isoformat()
    except ValueError:
        return None


def front_matter_date(value: str) -> str | None:
    """The day of a front-matter date or timestamp."""
    match = re.match(r"\s*((?:19|20)\d\d-[01]\d-[0-3]\d)", value)
    if match:
        return match.group(1)
    found = FULL_DATE.search(value)
    return iso_date(found) if found else None


def infer_date(text: str) -> tuple[str | None, str]:
    """A publication date from a dateline near the top, else the latest full date written."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines[:DATELINE_LINES]:
        if DATELINE.match(line):
            found = FULL_DATE.search(line)
            day = iso_date(found) if found else None
            if day:
                return day, "dateline"
    dates = sorted(d for d in (iso_date(m) for m in FULL_DATE.finditer(text)) if d)
    if dates:
        return dates[-1], "latest date in text"
    return None, "unknown"


def year_in_name(name: str) -> tuple[str | None, str]:
    """The one year a file name states as a word of its own ('fact-sheet-2013.txt')."""
    years = set(NAMED_YEAR.findall(name))
    if len(years) == 1:
        return years.pop(), "year in file name"
    return None, "unknown"


def infer_title(text: str, name: str) -> tuple[str, str]:
    """The first short line near the top that reads like a heading, else the file name."""
    lines = [line for line in text.splitlines() if line.strip()]
    for line in lines[:TITLE_LINES]:
        candidate = line.strip().lstrip("#").strip()
        if (
            candidate
            and len(candidate) <= TITLE_MAX_CHARS
            and not SENTENCE_END.search(candidate)
            and not NOT_A_TITLE_START.match(candidate)
            and not FULL_DATE.fullmatch(candidate)
        ):
            return candidate, "first heading"
    return name.rsplit(".", 1)[0], "file name"


def describe(
    name: str,
    fields: dict[str, str],
    normalized_text: str,
    encoding: str = "utf-8",
    count_year: YearCounter | None = None,
) -> Metadata:
    """Metadata from front matter where given, inferred from the cleaned text otherwise; a
    text with no date is dated by COUNT_YEAR when given (a year counted from a dated event
    the text names, which takes reading its figures: extraction's part, not parsing's)."""
    title = fields.get("title", "").strip()
    title_source = "front matter"
    if not title:
        title, title_source = infer_title(normalized_text, name)
    date, date_source = None, "unknown"
    for key in DATE_KEYS:
        if key in fields:
            date = front_matter_date(fields[key])
            if date:
                date_source = "front matter"
                break
    if date is None:
        date, date_source = infer_date(normalized_text)
    if date is None:
        date, date_source = year_in_name(name)
    if date is None and count_year is not None:
        anchored = count_year(normalized_text)
        if anchored:
            date, date_source = str(anchored[0]), f"counted: {anchored[1]}"
    source_url = next((fields[k] for k in URL_KEYS if fields.get(k)), None)
    return Metadata(
        title=" ".join(title.replace("\u00a0", " ").split()),
        title_source=title_source,
        date=date,
        date_source=date_source,
        source_url=source_url,
        encoding=encoding,
    )
