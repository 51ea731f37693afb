"""The stages composed as plain functions: what a flow runs, without the orchestration."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib import resources

from . import diff, extract, link, normalize, parse
from .ingest import IngestError, decode
from .normalize import Block
from .records import (
    NormalizedDocument,
    ParsedDocument,
    ProcessedDocument,
    Rejected,
    Removal,
    SourceFile,
    VersionChange,
)
from .render import Report

Cleaned = tuple[ParsedDocument, list[Block], list[Removal]]
RULE_FILES = ("data/normalize.yaml", "data/metrics.yaml")
CODE_FILES = ("parse.py", "normalize.py", "extract.py")


def parse_sources(
    sources: Sequence[SourceFile],
) -> tuple[list[ParsedDocument], list[Rejected]]:
    """Decode and split every source; the ones that cannot be read are rejected with a reason."""
    parsed: list[ParsedDocument] = []
    rejected: list[Rejected] = []
    for source in sources:
        try:
            text = decode(source)
        except IngestError as error:
            rejected.append(Rejected(source.name, str(error).removeprefix(f"{source.name}: ")))
            continue
        parsed.append(parse.split_front_matter(source.name, source.sha256, text))
    return parsed, rejected


def first_pass(
    parsed: Sequence[ParsedDocument],
) -> list[Cleaned]:
    """Rule-based cleaning of every document, ahead of learning the shared boilerplate."""
    rules = normalize.load_rules()
    return [(doc, *normalize.clean_blocks(doc, rules)) for doc in parsed]


def learn(cleaned: Sequence[Cleaned]) -> frozenset[str]:
    """The paragraphs that recur across the corpus and state no number."""
    return normalize.learn_boilerplate((blocks for _, blocks, _ in cleaned), normalize.load_rules())


def finish(
    doc: ParsedDocument,
    blocks: Sequence[Block],
    removed: Sequence[Removal],
    learned: frozenset[str],
) -> NormalizedDocument:
    """The normalized document with its metadata."""
    text, removals = normalize.normalize(blocks, removed, learned)
    return NormalizedDocument(
        name=doc.name,
        sha256=doc.sha256,
        metadata=parse.describe(doc, text),
        text=text,
        removed=removals,
    )


def normalize_corpus(parsed: Sequence[ParsedDocument]) -> list[NormalizedDocument]:
    """Normalize documents together, so that boilerplate shared between them is learned."""
    cleaned = first_pass(parsed)
    learned = learn(cleaned)
    return [finish(doc, blocks, removed, learned) for doc, blocks, removed in cleaned]


def extract_facts(documents: Sequence[NormalizedDocument]) -> list[ProcessedDocument]:
    """Facts of every normalized document."""
    catalog = extract.load_catalog()
    return [ProcessedDocument(doc, extract.extract_document(doc, catalog)) for doc in documents]


def fingerprint(learned: frozenset[str]) -> str:
    """A hash of everything besides a document's bytes that its processed form depends on."""
    digest = hashlib.sha256()
    package = resources.files("usrok_pipeline")
    for name in (*RULE_FILES, *CODE_FILES):
        digest.update(package.joinpath(name).read_bytes())
    for text in sorted(learned):
        digest.update(text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def version_changes(
    pairs: Sequence[tuple[SourceFile, NormalizedDocument]], learned: frozenset[str]
) -> list[VersionChange]:
    """The text diff between each document and its previous version."""
    previous_sources = [source for source, _ in pairs]
    parsed, _ = parse_sources(previous_sources)
    by_name = {doc.name: doc for doc in parsed}
    changes: list[VersionChange] = []
    for source, current in pairs:
        old = by_name.get(source.name)
        if old is None:
            continue
        blocks, removed = normalize.clean_blocks(old, normalize.load_rules())
        old_text, _ = normalize.normalize(blocks, removed, learned)
        changes.append(
            VersionChange(
                name=source.name,
                previous_sha256=source.sha256,
                sha256=current.sha256,
                spans=diff.line_diff(old_text, current.text),
            )
        )
    return sorted(changes, key=lambda change: change.name)


def build_report(
    documents: Sequence[ProcessedDocument],
    versions: Sequence[VersionChange],
    rejected: Sequence[Rejected],
    withdrawn: Sequence[str],
) -> Report:
    """Link facts across releases and gather everything the report shows."""
    ordered = tuple(sorted(documents, key=lambda p: p.document.name))
    lines = link.timelines(ordered, extract.load_catalog().labels)
    return Report(
        documents=ordered,
        timelines=tuple(lines),
        changes=tuple(link.changed_facts(lines)),
        rewordings=tuple(link.rewordings(lines)),
        versions=tuple(versions),
        rejected=tuple(sorted(rejected, key=lambda r: r.name)),
        withdrawn=tuple(sorted(withdrawn)),
    )


def process(
    sources: Sequence[SourceFile],
) -> tuple[list[ProcessedDocument], list[Rejected]]:
    """Sources to normalized documents and their facts, in one call."""
    parsed, rejected = parse_sources(sources)
    return extract_facts(normalize_corpus(parsed)), rejected


COMPLETED = "completed"
COMPLETED_WITH_FAILURES = "completed with failures"
FAILED = "failed"


def run_status(files: int, failed: int) -> str:
    """A run fails only when files were there and none could be used."""
    if failed and failed == files:
        return FAILED
    return COMPLETED_WITH_FAILURES if failed else COMPLETED
