"""The stages composed as plain functions: what a flow runs, without the orchestration."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TypeVar

from . import diff, extract, link, normalize, parse, render
from .ingest import IngestError, decode
from .records import (
    CleanedDocument,
    Comparison,
    Fact,
    FactChange,
    FactDelta,
    KeySection,
    LastRun,
    NormalizedDocument,
    ParsedDocument,
    ProcessedDocument,
    Rejected,
    Release,
    ReleaseSection,
    RunRecord,
    SourceFile,
    Timeline,
    VersionChange,
)
from .render import Overview, Report

CLEANING_FILES = ("data/normalize.yaml", "parse.py", "normalize.py", "ingest.py")
RULE_FILES = ("data/normalize.yaml", "data/metrics.yaml", "data/periods.yaml", "data/facets.yaml")
EXTRACTION_FILES = (
    "data/metrics.yaml",
    "data/periods.yaml",
    "data/facets.yaml",
    "extract.py",
    "facets.py",
)
COMPARISON_FILES = ("diff.py", "link.py")
BATCH_SIZE = 500
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


def first_pass(parsed: Sequence[ParsedDocument]) -> list[CleanedDocument]:
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


def to_recount(
    counted: Mapping[str, str], readable: Sequence[tuple[str, str]]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The releases (name, hash) to count in and to take out, for the boilerplate candidate
    counts of the releases COUNTED (name: hash) to become those of READABLE."""
    current = dict(readable)
    return (
        [(name, sha256) for name, sha256 in readable if counted.get(name) != sha256],
        [(name, sha256) for name, sha256 in counted.items() if current.get(name) != sha256],
    )


def shared_boilerplate(counts: Mapping[str, int]) -> frozenset[str]:
    """The paragraphs that recur across the corpus and state no number (COUNTS: how many
    releases hold each candidate)."""
    return normalize.recurring(counts, normalize.load_rules())


@dataclass(frozen=True)
class Recount:
    """Boilerplate candidate counts brought up to date: the releases (name, hash) counted in,
    the names taken out, the counts that changed (0: gone), whether counting started anew,
    and the boilerplate learned."""

    added: list[tuple[str, str]]
    removed: list[str]
    changed: dict[str, int]
    anew: bool
    learned: frozenset[str]


def recount_boilerplate(
    counted: Mapping[str, str],
    counts: Mapping[str, int],
    readable: Sequence[tuple[str, str]],
    fresh: Mapping[str, frozenset[str]],
    kept: Callable[[set[str]], Mapping[str, frozenset[str]]],
) -> Recount:
    """The candidate COUNTS of the releases COUNTED (name: hash) made those of READABLE, from
    the candidates of the releases cleaned now (FRESH, by hash) or kept earlier (KEPT: asked
    for by hash); counting starts anew when those of a release to take out are not kept."""
    added, removed = to_recount(counted, readable)
    found = {**fresh, **kept({sha256 for _, sha256 in added + removed} - fresh.keys())}
    if any(sha256 not in found for _, sha256 in removed):
        return recount_boilerplate({}, {}, readable, fresh, kept)
    changed = normalize.recount(
        counts, (found[sha256] for _, sha256 in added), (found[sha256] for _, sha256 in removed)
    )
    learned = shared_boilerplate({**counts, **changed})
    return Recount(added, [name for name, _ in removed], changed, not counted, learned)


def finish(doc: CleanedDocument, learned: frozenset[str]) -> NormalizedDocument:
    """The normalized document with its metadata."""
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
    cleaned = first_pass(parsed)
    learned = learn(candidates(doc) for doc in cleaned)
    return [finish(doc, learned) for doc in cleaned]


def extract_facts(documents: Sequence[NormalizedDocument]) -> list[ProcessedDocument]:
    """Facts of every normalized document."""
    catalog = extract.load_catalog()
    return [ProcessedDocument(doc, extract.extract_document(doc, catalog)) for doc in documents]


def process(
    sources: Sequence[SourceFile],
) -> tuple[list[ProcessedDocument], list[Rejected]]:
    """Sources to normalized documents and their facts, in one call."""
    parsed, rejected = parse_sources(sources)
    return extract_facts(normalize_corpus(parsed)), rejected


def files_hash(names: Iterable[str], extra: Iterable[str] = ()) -> str:
    """A hash of package files (rules and code) and extra strings, to key cached results."""
    digest = hashlib.sha256()
    package = resources.files("usrok_pipeline")
    for name in names:
        digest.update(package.joinpath(name).read_bytes())
    for text in extra:
        digest.update(text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def cleaning_key() -> str:
    """What a cleaned document depends on besides its bytes: the rules and the code."""
    return files_hash(CLEANING_FILES)


def fingerprint(learned: frozenset[str]) -> str:
    """What a processed document depends on besides its bytes, learned boilerplate included."""
    return files_hash((*CLEANING_FILES, *EXTRACTION_FILES), sorted(learned))


def version_changes(
    pairs: Sequence[tuple[CleanedDocument, NormalizedDocument]], learned: frozenset[str]
) -> list[VersionChange]:
    """The text diff between each document and its previous version."""
    changes = [
        VersionChange(
            name=current.name,
            previous_sha256=previous.sha256,
            sha256=current.sha256,
            spans=diff.line_diff(finish(previous, learned).text, current.text),
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
    change against an earlier one): what a run notifies its users of."""
    added = {fact_identity(d.fact) for d in deltas if d.change == "added"}
    return [c for c in link.changed_facts(lines) if fact_identity(c.fact) in added]


def held_releases(
    readable: Sequence[tuple[str, str]], stated: Mapping[str, Release]
) -> tuple[dict[str, Release], list[tuple[str, str]]]:
    """The releases (name, hash) whose facts the snapshot holds under the current rules
    (STATED: the snapshot's releases under those rules), by name, and the others."""
    held = {
        name: stated[name]
        for name, sha256 in readable
        if name in stated and stated[name].sha256 == sha256
    }
    return held, [(name, sha256) for name, sha256 in readable if name not in held]


def tracked(releases: Iterable[Release]) -> dict[str, list[str]]:
    """The releases (by name, in order) that state each key with a page of its own: catalog
    metrics, and keys stated in more than one release."""
    stating: dict[str, list[str]] = defaultdict(list)
    metrics: set[str] = set()
    for release in sorted(releases, key=lambda r: r.name):
        for key in release.keys:
            stating[key].append(release.name)
        metrics.update(release.metrics)
    return {
        key: names
        for key, names in sorted(stating.items())
        if link.is_tracked(key in metrics, len(names))
    }


def key_facts(
    keys: Collection[str],
    current: Collection[str],
    changed: Sequence[ProcessedDocument],
    stated: Mapping[str, Mapping[str, Sequence[Fact]]],
) -> dict[str, list[Fact]]:
    """The facts of each of KEYS, in release and offset order: those of the CHANGED releases,
    and for every other CURRENT release those the snapshot holds (STATED: by key and release)."""
    fresh = {p.document.name for p in changed}
    by_key: dict[str, dict[str, list[Fact]]] = {key: {} for key in keys}
    for key, stating in by_key.items():
        for name, facts in stated.get(key, {}).items():
            if name in current and name not in fresh:
                stating[name] = list(facts)
    for processed in changed:
        for fact in processed.facts:
            if fact.key in by_key:
                by_key[fact.key].setdefault(fact.document, []).append(fact)
    return {
        key: [fact for name in sorted(stating) for fact in stating[name]]
        for key, stating in by_key.items()
    }


def comparison_key() -> str:
    """What comparing two sentences depends on besides them: the diff code and the threshold
    of a rewording."""
    return files_hash(COMPARISON_FILES)


def comparison_digest(before: str, after: str) -> str:
    """How a comparison of two sentences is known."""
    return render.content_digest(before, after)


class Comparisons:
    """Sentence comparisons, answered from those of earlier runs where they can be (a run
    adding one release diffs only the pairs it brings); the new ones are kept for the next."""

    def __init__(self, known: Mapping[str, Comparison]) -> None:
        self.known = known
        self.new: dict[str, Comparison] = {}

    def __call__(self, before: str, after: str) -> Comparison:
        digest = comparison_digest(before, after)
        found = self.known.get(digest) or self.new.get(digest)
        if found is None:
            found = self.new[digest] = link.compare_sentences(before, after)
        return found


@dataclass(frozen=True)
class Linked:
    """The tracked facts a run linked again: their timelines, the sections the summary files
    show of them, and the titles of the releases (which their pages name)."""

    timelines: list[Timeline]
    sections: list[KeySection]
    titles: dict[str, str]
    compared: dict[str, Comparison]


def link_keys(
    releases: Sequence[Release],
    facts: Mapping[str, Sequence[Fact]],
    known: Callable[[set[str]], Mapping[str, Comparison]],
    templates: Path,
) -> Linked:
    """Timelines and sections of the tracked keys of FACTS only (their facts, from every
    release), in key order: those of the other keys are kept from earlier runs. KNOWN gives
    the comparisons earlier runs made of the sentence pairs named (by pair digest); the pairs
    compared here are returned with the rest."""
    dates = {r.name: r.date for r in releases}
    titles = {r.name: r.title for r in releases}
    labels = extract.load_catalog().labels
    lines = [link.timeline(key, facts[key], dates, labels) for key in sorted(facts)]
    compare = Comparisons(known({comparison_digest(*pair) for pair in link.sentence_pairs(lines)}))
    rows = render.macros(render.environment(templates))
    sections = [
        render.key_section(line, link.rewordings([line], compare), titles, dates, rows)
        for line in lines
    ]
    return Linked(lines, sections, titles, compare.new)


def release_sections(
    documents: Sequence[ProcessedDocument], digests: Mapping[str, str], templates: Path
) -> dict[str, tuple[str, ReleaseSection]]:
    """The section of each release, by name, with the digest it is rendered from (DIGESTS:
    by name)."""
    rows = render.macros(render.environment(templates))
    return {
        p.document.name: (digests[p.document.name], render.release_section(p, rows))
        for p in documents
    }


def overview(
    versions: Sequence[VersionChange],
    rejected: Sequence[Rejected],
    withdrawn: Sequence[str],
    history: Sequence[RunRecord],
    deltas: Sequence[FactDelta],
) -> Overview:
    """What the overview says of the run besides the facts, in report order."""
    return Overview(
        versions=tuple(versions),
        rejected=tuple(sorted(rejected, key=lambda r: r.name)),
        withdrawn=tuple(sorted(withdrawn)),
        history=tuple(history),
        deltas=tuple(deltas),
    )


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
    ordered = tuple(sorted(documents, key=lambda p: p.document.name))
    lines = link.timelines(ordered, extract.load_catalog().labels)
    about = overview(versions, rejected, withdrawn, history, deltas)
    return Report(
        documents=ordered,
        timelines=tuple(lines),
        changes=tuple(link.changed_facts(lines)),
        rewordings=tuple(link.rewordings(lines, compare)),
        versions=about.versions,
        rejected=about.rejected,
        withdrawn=about.withdrawn,
        history=about.history,
        deltas=about.deltas,
    )


def run_status(files: int, failed: int) -> str:
    """A run fails only when files were there and none could be used."""
    if failed and failed == files:
        return FAILED
    return COMPLETED_WITH_FAILURES if failed else COMPLETED


def run_record(
    number: int, files: tuple[int, int, int], failed: int, deltas: Sequence[FactDelta]
) -> RunRecord:
    """A run as its history shows it: new, changed and removed files, failures, fact changes."""
    added = sum(1 for delta in deltas if delta.change == "added")
    return RunRecord(number, *files, failed, added, len(deltas) - added)


def changed_anything(record: RunRecord) -> bool:
    """Whether a run changed anything a reader of the report would see in its history (files
    that keep failing are not a change)."""
    return any(
        (record.new, record.changed, record.removed, record.facts_added, record.facts_removed)
    )


def code_key(templates: Path) -> str:
    """What the reports depend on besides the releases: the package's rules and code, and the
    templates."""
    package = resources.files("usrok_pipeline")
    names = sorted(p.name for p in package.iterdir() if p.name.endswith(".py"))
    extra = [p.read_text(encoding="utf-8") for p in sorted(templates.iterdir()) if p.is_file()]
    return files_hash([*names, *RULE_FILES], extra)


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


def fact_changes(
    current: Collection[str],
    changed: Sequence[ProcessedDocument],
    stated: Collection[str],
    stated_facts: Callable[[set[str]], Sequence[Fact]],
) -> list[FactDelta]:
    """Facts added and removed since the last run: those of the releases that CHANGED since
    their facts were stored, and of those STATED then and no longer CURRENT (STATED_FACTS:
    the facts stored of the releases named). The same bytes under the same fingerprint state
    the same facts, so no other release is compared."""
    names = {p.document.name for p in changed} | (set(stated) - set(current))
    return fact_deltas(stated_facts(names), (f for p in changed for f in p.facts))


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
