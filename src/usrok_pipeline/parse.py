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
# A date's month as written in a sentence or in a page's capitals ("MAY 21, 2022").
DATE_MONTHS = f"{MONTHS}|{MONTHS.upper()}"
FULL_DATE = re.compile(
    rf"\b(?P<month>{DATE_MONTHS}|(?:{MONTH_ABBREVIATIONS})\.?)\s+(?P<day>\d{{1,2}}),?\s+"
    rf"(?P<year>(?:19|20)\d\d)\b"
    rf"|\b(?P<day2>\d{{1,2}})\s+(?P<month2>{DATE_MONTHS}),?\s+(?P<year2>(?:19|20)\d\d)\b"
    r"|\b(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)\b"
)
DATELINE = re.compile(
    rf"^(?:[A-Z][A-Za-z.]+(?:[ ,]+[A-Z][A-Za-z.]+)*[,\s]+)?(?:\(?[A-Za-z. ]+\)?\s*[-–—]\s*)?"
    rf"(?:{DATE_MONTHS})\s+\d{{1,2}},\s+(?:19|20)\d\d\s*(?:[-–—:•|].*)?$"
)
# "May 2019": a month of a year; "June 29-30" (no year after it): a day of an unnamed year.
MONTH_OF_YEAR = re.compile(rf"\b(?P<month>{MONTHS})\s+(?:of\s+)?(?P<year>(?:19|20)\d\d)\b")
DAY_OF_UNNAMED_YEAR = re.compile(
    rf"\b(?P<month>{MONTHS})\s+\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\b(?!\s*[-–]|,?\s+(?:19|20)\d\d)"
)
# "- President ..., February 4, 2021" under a quotation dates the remark, not the release.
ATTRIBUTION = re.compile(r"^[-–—]\s*\S")
NAMED_YEAR = re.compile(r"(?<![0-9A-Za-z])((?:19|20)\d\d)(?![0-9A-Za-z])")
DATELINE_LINES = 6
TITLE_MAX_CHARS = 160
TITLE_LINES = 6
SENTENCE_END = re.compile(r"[.!?:;”\"’]$")
# Quoted remarks, their attribution ("- President ...") and list items are no title.
NOT_A_TITLE_START = re.compile(r"^[“\"‘'\-–—•*]")
LIST_ITEM = re.compile(r"^[-•*]\s")
# A sentence ends after two lower-case letters or digits: "U.S." and "Mr." end none.
FIRST_SENTENCE_END = re.compile(r"(?<=[a-z0-9]{2}[.!?])[”\"’]?(?=\s)")
TITLE_FROM_TEXT_CHARS = 90
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
    try:
        return dt.date(int(year), month_number(month_name), int(day)).isoformat()
    except ValueError:
        return None


def month_number(name: str) -> int:
    """1 for 'January', 'Jan' or 'Jan.'; 9 for 'Sept'."""
    return [m[:3].lower() for m in MONTHS.split("|")].index(name.rstrip(".")[:3].lower()) + 1


def front_matter_date(value: str) -> str | None:
    """The day of a front-matter date or timestamp."""
    match = re.match(r"\s*((?:19|20)\d\d-[01]\d-[0-3]\d)", value)
    if match:
        return match.group(1)
    found = FULL_DATE.search(value)
    return iso_date(found) if found else None


def infer_date(text: str) -> tuple[str | None, str]:
    """A publication date from a dateline near the top, else the latest full date written
    outside a quotation's attribution."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines[:DATELINE_LINES]:
        if DATELINE.match(line):
            found = FULL_DATE.search(line)
            day = iso_date(found) if found else None
            if day:
                return day, "dateline"
    told = [line for line in lines if not ATTRIBUTION.match(line)]
    dates = sorted(d for d in (iso_date(m) for m in FULL_DATE.finditer("\n".join(told))) if d)
    if dates:
        return dates[-1], "latest date in text"
    return None, "unknown"


def dated_event(text: str) -> tuple[str | None, str]:
    """The month of the latest event a text dates: a month of a year ("May 2019"), a
    quoted remark's date, or a day after them whose year goes unsaid ("June 29-30"), taken
    to be in the latest year named, since a release speaks of the events of its time."""
    lines = text.splitlines()
    named = [
        (month_of(found.group("year"), found.group("month")), found.group())
        for line in lines
        for found in MONTH_OF_YEAR.finditer(line)
    ]
    for line in filter(ATTRIBUTION.match, (line.strip() for line in lines)):
        named += [(day[:7], m.group()) for m in FULL_DATE.finditer(line) if (day := iso_date(m))]
    if not named:
        return None, "unknown"
    anchor, anchor_words = max(named)
    later = [
        (month, found.group())
        for line in lines
        for found in DAY_OF_UNNAMED_YEAR.finditer(line)
        if (month := month_of(anchor[:4], found.group("month"))) > anchor
    ]
    if later:
        month, words = max(later)
        return month, f"latest dated event: {words}, after {anchor_words}"
    return anchor, f"latest dated event: {anchor_words}"


def month_of(year: str, month_name: str) -> str:
    """'2019-06' from '2019' and 'June'."""
    return f"{year}-{month_number(month_name):02d}"


def year_in_name(name: str) -> tuple[str | None, str]:
    """The one year a file name states as a word of its own ('fact-sheet-2013.txt')."""
    years = set(NAMED_YEAR.findall(name))
    if len(years) == 1:
        return years.pop(), "year in file name"
    return None, "unknown"


def infer_title(text: str, name: str) -> tuple[str, str]:
    """The heading above the body, else the body's first sentence, else the file name.

    Quoted remarks and their attribution (an epigraph) are passed over; a heading whose
    next line is a list item heads a section, not the release; the first paragraph of body
    text ends the search for a heading.
    """
    lines = [line.strip().lstrip("#").strip() for line in text.splitlines() if line.strip()]
    for index, line in enumerate(lines[:TITLE_LINES]):
        if not line or is_aside(line):
            continue
        if not reads_as_heading(line):
            return first_sentence(line), "first sentence"
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not LIST_ITEM.match(following):
            return line, "first heading"
    paragraph = next((line for line in lines if is_body_paragraph(line)), None)
    if paragraph:
        return first_sentence(paragraph), "first sentence"
    return name.rsplit(".", 1)[0], "file name"


def is_aside(line: str) -> bool:
    """A quotation, attribution, list item, introduction ("…as follows:") or date line."""
    return bool(
        NOT_A_TITLE_START.match(line)
        or line.endswith(":")
        or FULL_DATE.fullmatch(line)
        or DATELINE.match(line)
    )


def reads_as_heading(line: str) -> bool:
    """A short line that ends in no sentence mark."""
    return len(line) <= TITLE_MAX_CHARS and not SENTENCE_END.search(line)


def is_body_paragraph(line: str) -> bool:
    """A line of running text."""
    return not (is_aside(line) or reads_as_heading(line))


def first_sentence(paragraph: str) -> str:
    """The paragraph's first sentence, cut at a word to TITLE_FROM_TEXT_CHARS."""
    found = FIRST_SENTENCE_END.search(paragraph)
    sentence = paragraph[: found.end()] if found else paragraph
    if len(sentence) <= TITLE_FROM_TEXT_CHARS:
        return sentence
    cut = sentence.rfind(" ", 0, TITLE_FROM_TEXT_CHARS)
    return sentence[: cut if cut > 0 else TITLE_FROM_TEXT_CHARS].rstrip(" ,;:–—-") + "…"


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
    if date is None:
        date, date_source = dated_event(normalized_text)
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
