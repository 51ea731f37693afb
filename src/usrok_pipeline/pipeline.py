"""The stages composed as plain functions: what a flow runs, without the orchestration."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TypeVar

from . import diff, extract, link, normalize, parse, significance, topics
from .ingest import IngestError, decode
from .records import (
    DEFAULT_LIMITS,
    CleanedDocument,
    Comparison,
    Fact,
    FactChange,
    FactDelta,
    FactLimits,
    LastRun,
    NormalizedDocument,
    ParsedDocument,
    ProcessedDocument,
    Rejected,
    RunRecord,
    SourceFile,
    Timeline,
    VersionChange,
)
from .render import Report

# The run, step by step; the flow runs them in this order, as tasks over batches of releases.
STEPS = (
    "ingest: read and hash the seeds",
    "parse: decode and split front matter (parse_sources)",
    "clean: rule-based boilerplate removal (clean)",
    "learn boilerplate: paragraphs the releases share (learn)",
    "normalize: the text without it (normalize_document)",
    "extract: the facts of each release (extract_facts)",
    "link: facts across releases into timelines (build_report)",
    "diff: fact changes and text changes (fact_deltas, version_changes)",
    "rank: the changes a reader is told of, most significant first (significance.ranked)",
    "group: tracked facts into topics and charts (topics.topics)",
    "build report (build_report)",
    "render (render.render_pages)",
    "write (render.write_reports)",
)
BATCH_SIZE = 500
# A run's most significant changes kept with its record, for its page and the feed.
RUN_NEWS_KEPT = 50
BATCHES_PER_WORKER = 4
COMPLETED = "completed"
COMPLETED_WITH_FAILURES = "completed with failures"
FAILED = "failed"
T = TypeVar("T")


def batches(items: Sequence[T], workers: int, largest: int = BATCH_SIZE) -> list[list[T]]:
    """Items in order, cut into batches small enough to spread over the WORKERS and to keep
    what one crash loses small, and no larger than LARGEST; with no workers (0), batches
    that run one after another in one process, as large as LARGEST allows."""
    if not items:
        return []
    size = largest if not workers else -(-len(items) // (workers * BATCHES_PER_WORKER))
    size = max(1, min(largest, size))
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def parse_sources(
    sources: Sequence[SourceFile],
) -> tuple[list[ParsedDocument], list[Rejected]]:
    """Decode and split every source; the ones that cannot be read are rejected with a reason."""
    parsed: list[ParsedDocument] = []
    rejected: list[Rejected] = []
    for source in sources:
        try:
            text, encoding = decode(source)
        except IngestError as error:
            rejected.append(Rejected(source.name, str(error).removeprefix(f"{source.name}: ")))
            continue
        parsed.append(parse.split_front_matter(source.name, source.sha256, text, encoding))
    return parsed, rejected


def clean(parsed: Sequence[ParsedDocument]) -> list[CleanedDocument]:
    """Rule-based cleaning of every document, ahead of learning the shared boilerplate."""
    rules = normalize.load_rules()
    cleaned = []
    for doc in parsed:
        blocks, removed = normalize.clean_blocks(doc, rules)
        cleaned.append(
            CleanedDocument(
                doc.name, doc.sha256, doc.front_matter, tuple(blocks), tuple(removed), doc.encoding
            )
        )
    return cleaned


def candidates(doc: CleanedDocument) -> frozenset[str]:
    """The paragraphs of a document that could be boilerplate shared with others."""
    return normalize.boilerplate_candidates(doc.blocks, normalize.load_rules())


def learn(found: Iterable[frozenset[str]]) -> frozenset[str]:
    """The paragraphs that recur across the corpus and state no number (FOUND: the
    candidates of each document)."""
    return normalize.learn_boilerplate(found, normalize.load_rules())


def normalize_document(doc: CleanedDocument, learned: frozenset[str]) -> NormalizedDocument:
    """The normalized document with its metadata (LEARNED: boilerplate the releases share)."""
    text, removals = normalize.normalize(doc.blocks, doc.removed, learned)
    return NormalizedDocument(
        name=doc.name,
        sha256=doc.sha256,
        metadata=parse.describe(
            doc.name, doc.front_matter, text, doc.encoding, extract.anchored_year
        ),
        text=text,
        removed=removals,
    )


def normalize_corpus(parsed: Sequence[ParsedDocument]) -> list[NormalizedDocument]:
    """Normalize documents together, so that boilerplate shared between them is learned."""
    cleaned = clean(parsed)
    learned = learn(candidates(doc) for doc in cleaned)
    return [normalize_document(doc, learned) for doc in cleaned]


def extract_facts(
    documents: Sequence[NormalizedDocument], limits: FactLimits = DEFAULT_LIMITS
) -> list[ProcessedDocument]:
    """Facts of every normalized document, up to the LIMITS, each with the limit it reached."""
    catalog = extract.load_catalog()
    found = [(doc, extract.extract_document(doc, catalog, limits)) for doc in documents]
    return [ProcessedDocument(d, f, extract.limit_reached(f, limits)) for d, f in found]


def process(
    sources: Sequence[SourceFile], limits: FactLimits = DEFAULT_LIMITS
) -> tuple[list[ProcessedDocument], list[Rejected]]:
    """Sources to normalized documents and their facts, in one call."""
    parsed, rejected = parse_sources(sources)
    return extract_facts(normalize_corpus(parsed), limits), rejected


def version_changes(
    pairs: Sequence[tuple[CleanedDocument, NormalizedDocument]], learned: frozenset[str]
) -> list[VersionChange]:
    """The text diff between each document and its previous version."""
    changes = [
        VersionChange(
            name=current.name,
            previous_sha256=previous.sha256,
            sha256=current.sha256,
            spans=diff.line_diff(normalize_document(previous, learned).text, current.text),
        )
        for previous, current in pairs
    ]
    return sorted(changes, key=lambda change: change.name)


def fact_identity(fact: Fact) -> tuple[str, str, float, str, str, str | None, str]:
    """What makes two statements the same fact: release, key, value, unit, qualifier, period."""
    return (
        fact.document,
        fact.key,
        fact.value,
        fact.unit,
        fact.qualifier,
        fact.period,
        fact.mention,
    )


def fact_deltas(before: Iterable[Fact], after: Iterable[Fact]) -> list[FactDelta]:
    """Facts added and removed between two sets of statements, in document order."""
    old = {fact_identity(f): f for f in before}
    new = {fact_identity(f): f for f in after}
    deltas = [FactDelta("removed", f) for k, f in old.items() if k not in new]
    deltas += [FactDelta("added", f) for k, f in new.items() if k not in old]
    return sorted(deltas, key=lambda d: (d.fact.document, d.fact.start, d.change, d.fact.mention))


def moved_by(lines: Sequence[Timeline], deltas: Sequence[FactDelta]) -> list[FactChange]:
    """The statements a run added that move a tracked figure (new figure, revision, rank
    change against an earlier one), not merely with time: what a run notifies its users of."""
    added = {fact_identity(d.fact) for d in deltas if d.change == "added"}
    return [c for c in link.news(lines) if fact_identity(c.fact) in added]


def linked(
    documents: Sequence[ProcessedDocument],
) -> tuple[tuple[ProcessedDocument, ...], list[Timeline]]:
    """The releases in name order, and their facts linked into timelines."""
    ordered = tuple(sorted(documents, key=lambda p: p.document.name))
    return ordered, link.timelines(ordered, extract.load_catalog().labels)


def tracked_labels(documents: Sequence[ProcessedDocument]) -> dict[str, str]:
    """A reader's name for each fact the releases let us track, by key: the exports'
    labels, for facts read without a report."""
    return {t.key: t.label for t in linked(documents)[1]}


def build_report(
    documents: Sequence[ProcessedDocument],
    versions: Sequence[VersionChange],
    rejected: Sequence[Rejected],
    withdrawn: Sequence[str],
    history: Sequence[RunRecord] = (),
    deltas: Sequence[FactDelta] = (),
    compare: Callable[[str, str], Comparison] = link.compare_sentences,
) -> Report:
    """Link facts across releases and gather everything the report shows."""
    ordered, lines = linked(documents)
    return Report(
        documents=ordered,
        timelines=tuple(lines),
        changes=tuple(link.changed_facts(lines)),
        rewordings=tuple(link.rewordings(lines, compare)),
        versions=tuple(versions),
        rejected=tuple(sorted(rejected, key=lambda r: r.name)),
        withdrawn=tuple(sorted(withdrawn)),
        history=with_news(history, lines, deltas),
        deltas=tuple(deltas),
        news=tuple(significance.ranked(link.news(lines))),
        topics=topics.topics(lines, rank_measures()),
    )


def rank_measures() -> dict[str, str]:
    """What each catalog rank ranks in, by key, in the terms of the facets."""
    return {rank["key"]: rank["measure"] for rank in extract.load_catalog().ranks}


def run_status(files: int, failed: int) -> str:
    """A run fails only when files were there and none could be used."""
    if failed and failed == files:
        return FAILED
    return COMPLETED_WITH_FAILURES if failed else COMPLETED


def run_record(
    number: int,
    files: tuple[int, int, int],
    failed: int,
    deltas: Sequence[FactDelta],
    started_at: str = "",
) -> RunRecord:
    """A run as its history shows it: new, changed and removed files, failures, fact changes
    (its news are worked out with the report: with_news)."""
    added = sum(1 for delta in deltas if delta.change == "added")
    return RunRecord(number, *files, failed, added, len(deltas) - added, started_at)


def with_news(
    history: Sequence[RunRecord], lines: Sequence[Timeline], deltas: Sequence[FactDelta]
) -> tuple[RunRecord, ...]:
    """The history with the news of its latest run, whose fact changes DELTAS are, worked out
    from the timelines when the run has none recorded (the run being made, or one recorded
    by an earlier version); earlier runs keep the news they were told."""
    if not history or history[-1].news or not deltas:
        return tuple(history)
    moved = [c for c in significance.ranked(moved_by(lines, deltas)) if significance.moves(c)]
    news = moved[:RUN_NEWS_KEPT]
    return (*history[:-1], replace(history[-1], news=tuple(news)))


def changed_anything(record: RunRecord) -> bool:
    """Whether a run changed anything a reader of the report would see in its history (files
    that keep failing are not a change)."""
    return any(
        (record.new, record.changed, record.removed, record.facts_added, record.facts_removed)
    )


def nothing_to_do(
    files: tuple[int, int, int],
    unreadable: Iterable[str],
    last: LastRun | None,
    code: str,
    reports: str,
) -> bool:
    """Whether a run can stop at once: no file new, changed or removed, nothing newly
    unreadable, and the last run wrote these reports with the same rules, code and templates."""
    return (
        last is not None
        and not any(files)
        and last.code == code
        and last.reports == reports
        and set(unreadable) <= {failure.name for failure in last.failures}
    )


def history_to_show(
    history: Sequence[RunRecord],
    record: RunRecord,
    deltas: Sequence[FactDelta],
    earlier_deltas: Callable[[], Sequence[FactDelta]],
) -> tuple[list[RunRecord], list[FactDelta]]:
    """The runs the report lists, and the fact changes of the latest that changed something:
    a run that changed nothing leaves the report as it was."""
    if changed_anything(record):
        return [*history, record], list(deltas)
    return list(history), list(earlier_deltas())
