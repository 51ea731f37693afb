"""The small frozen records that flow between the pipeline stages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SCALARS = (str, int, float, bool, type(None))  # what plain() returns as it is, checked first


def plain(value: Any) -> Any:
    """A record as JSON-ready built-ins: what dataclasses.asdict gives, without the deep copy
    of every field that made it the slowest step of writing facts."""
    if isinstance(value, SCALARS):
        return value
    names = getattr(value, "__dataclass_fields__", None)
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def canonical_json(record: Any) -> str:
    """A record (or built-ins) as one line of JSON, keys sorted, finite numbers only: the one
    form records are stored, cached and exported in."""
    return json.dumps(plain(record), sort_keys=True, ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file found in the seeds folder, as bytes with their hash."""

    name: str
    sha256: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Rejected:
    """A file set aside, with the reason a reader can act on."""

    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class Metadata:
    """What a release says about itself, and how each field was found."""

    title: str
    title_source: str
    date: str | None
    date_source: str
    source_url: str | None
    encoding: str = "utf-8"


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A decoded release split into front matter and body."""

    name: str
    sha256: str
    front_matter: dict[str, str]
    body: str
    encoding: str = "utf-8"


@dataclass(frozen=True, slots=True)
class Removal:
    """A piece of boilerplate taken out of a document, and the rule that took it."""

    rule: str
    text: str


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph or a list item of a release, on one line."""

    text: str
    is_item: bool


@dataclass(frozen=True, slots=True)
class CleanedDocument:
    """A release after the rule-based pass, before boilerplate learned from the corpus goes."""

    name: str
    sha256: str
    front_matter: dict[str, str]
    blocks: tuple[Block, ...]
    removed: tuple[Removal, ...]
    encoding: str = "utf-8"


@dataclass(frozen=True, slots=True)
class NormalizedDocument:
    """A release reduced to its own words: paragraphs and list items, one per line."""

    name: str
    sha256: str
    metadata: Metadata
    text: str
    removed: tuple[Removal, ...] = ()


@dataclass(frozen=True, slots=True)
class Fact:
    """One quantity stated in one sentence of one release."""

    document: str
    sentence: str
    start: int
    end: int
    mention: str
    value: float
    unit: str
    qualifier: str
    period: str | None
    metric: str | None
    key: str
    scope: str
    # What the figure measures, when its words say (data/facets.yaml): the parts of a
    # faceted key, or 'rank' alone for a rank; empty when unknown.
    measure: str = ""
    object: str = ""
    direction: str = ""
    statistic: str = ""
    aggregation: str = ""

    def as_json(self) -> dict[str, Any]:
        """The fact as the fields of `facts.jsonl`, integers kept integral."""
        record = {name: getattr(self, name) for name in self.__dataclass_fields__}
        if float(self.value).is_integer():
            record["value"] = int(self.value)
        return record


@dataclass(frozen=True, slots=True)
class FactLimits:
    """How many facts extraction reads at most, of a release and of one sentence: work per
    release stays bounded whatever the release holds ('1%' a million times)."""

    per_release: int = 2000
    per_sentence: int = 50


DEFAULT_LIMITS = FactLimits()


@dataclass(frozen=True, slots=True)
class ProcessedDocument:
    """A normalized release with the facts extracted from it, and the limit its facts
    reached, if any (then figures past it were not read)."""

    document: NormalizedDocument
    facts: tuple[Fact, ...]
    capped: str = ""


@dataclass(frozen=True, slots=True)
class DiffSpan:
    """One run of a word diff: kept, inserted or deleted text."""

    op: str
    text: str


@dataclass(frozen=True, slots=True)
class FactChange:
    """How one fact relates to the figure stated before it for the same metric."""

    key: str
    kind: str
    fact: Fact
    date: str | None
    previous: Fact | None = None
    previous_date: str | None = None
    stale: bool = False


def fact_change(record: Mapping[str, Any]) -> FactChange:
    """A change read back from its JSON record (what plain() makes of a FactChange)."""
    previous = record.get("previous")
    return FactChange(
        **{**record, "fact": Fact(**record["fact"]), "previous": previous and Fact(**previous)}
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    """How alike two sentences are, with the word diff when they are alike enough to show."""

    similarity: float
    spans: tuple[DiffSpan, ...] = ()


@dataclass(frozen=True, slots=True)
class Rewording:
    """The same recurring claim in two releases, with its wording changes."""

    before: Fact | None
    after: Fact | None
    before_document: str
    after_document: str
    before_sentence: str
    after_sentence: str
    similarity: float
    spans: tuple[DiffSpan, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Timeline:
    """Every statement of one recurring fact, oldest first."""

    key: str
    metric: str | None
    label: str
    changes: tuple[FactChange, ...]


@dataclass(frozen=True, slots=True)
class VersionChange:
    """A document whose file changed since an earlier run, with the text diff."""

    name: str
    previous_sha256: str
    sha256: str
    spans: tuple[DiffSpan, ...]


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What one pipeline run did, for the command line and the flow's return value."""

    run_id: int
    status: str
    new: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]
    failed: tuple[Rejected, ...]
    processed: int
    parsed: int
    facts: int
    recurring: int
    reports: str
    written: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FactDelta:
    """A fact a run added or removed, against the facts the releases stated before it."""

    change: str
    fact: Fact


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run that changed something, as its history shows it: when it started (UTC, from
    the run's clock, which SOURCE_DATE_EPOCH sets for a reproducible report) and the most
    significant changes it brought, most significant first."""

    run_id: int
    new: int
    changed: int
    removed: int
    failed: int
    facts_added: int
    facts_removed: int
    started_at: str = ""
    news: tuple[FactChange, ...] = ()


@dataclass(frozen=True, slots=True)
class LastRun:
    """What the latest finished run left, for deciding whether a new run has anything to do."""

    code: str | None
    reports: str | None
    status: str
    facts: int
    recurring: int
    failures: tuple[Rejected, ...]
