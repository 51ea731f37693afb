"""The stages composed as plain functions: what a flow runs, without the orchestration."""

from __future__ import annotations

from collections.abc import Sequence

from . import extract, normalize, parse
from .ingest import IngestError, decode
from .normalize import Block
from .records import (
    NormalizedDocument,
    ParsedDocument,
    ProcessedDocument,
    Rejected,
    Removal,
    SourceFile,
)


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
) -> list[tuple[ParsedDocument, list[Block], list[Removal]]]:
    """Rule-based cleaning of every document, ahead of learning the shared boilerplate."""
    rules = normalize.load_rules()
    return [(doc, *normalize.clean_blocks(doc, rules)) for doc in parsed]


def learn(cleaned: Sequence[tuple[ParsedDocument, list[Block], list[Removal]]]) -> frozenset[str]:
    """The paragraphs that recur across the corpus and state no number."""
    return normalize.learn_boilerplate((blocks for _, blocks, _ in cleaned), normalize.load_rules())


def finish(
    doc: ParsedDocument, blocks: Sequence[Block], removed: Sequence[Removal], learned: frozenset[str]
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


def process(
    sources: Sequence[SourceFile],
) -> tuple[list[ProcessedDocument], list[Rejected]]:
    """Sources to normalized documents and their facts, in one call."""
    parsed, rejected = parse_sources(sources)
    return extract_facts(normalize_corpus(parsed)), rejected
