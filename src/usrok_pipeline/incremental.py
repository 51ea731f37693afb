"""Incremental work, all of it here: the cache keys of the per-release steps that cost (parse
and clean; normalize and extract) and of rendered pages, and the payloads cached under them.

A key digests everything its result depends on: the release's bytes, its name where the
result names it, and the version of the code and rules of the step. A result found under
its key is the result the step would give, so a run looks it up instead of working; a
forced run, or a store without the entry, falls back to doing the work. Linking, diffing
and building the report are recomputed from the cached records on every run.

The run also keeps what it wrote to the report folder (each file's sha256): a run with
nothing to do stops early only when the folder still holds exactly that.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .records import (
    Block,
    CleanedDocument,
    Fact,
    FactLimits,
    Metadata,
    NormalizedDocument,
    ProcessedDocument,
    Removal,
)
from .render import Report, page_paths

CLEAN = "clean"
CANDIDATES = "boilerplate candidates"
EXTRACT = "extract"
PAGE = "page"
REPORT_FILES = "report files"
CLEANING_FILES = ("data/normalize.yaml", "parse.py", "normalize.py", "ingest.py")
EXTRACTION_FILES = (
    *CLEANING_FILES,
    "data/metrics.yaml",
    "data/periods.yaml",
    "data/facets.yaml",
    "extract.py",
    "facets.py",
    "pipeline.py",
    "records.py",
)
RULE_FILES = ("data/normalize.yaml", "data/metrics.yaml", "data/periods.yaml", "data/facets.yaml")


@dataclass(frozen=True)
class Extraction:
    """One release to normalize and extract: its name and hash, the cache keys of its cleaned
    text and of its facts, and the learned boilerplate among its paragraphs."""

    name: str
    sha256: str
    cleaned: str
    key: str
    learned: frozenset[str]


def digest(*parts: str) -> str:
    """The sha256 of strings kept apart, so that no two lists of parts share a digest."""
    return hashlib.sha256("".join(f"{part}\0\1" for part in parts).encode("utf-8")).hexdigest()


def files_version(names: Iterable[str], extra: Iterable[str] = ()) -> str:
    """A digest of package files (rules and code) and extra strings."""
    found = hashlib.sha256()
    package = resources.files("usrok_pipeline")
    for name in names:
        found.update(package.joinpath(name).read_bytes())
    for text in extra:
        found.update(text.encode("utf-8") + b"\0")
    return found.hexdigest()


def cleaning_version() -> str:
    """What cleaning depends on besides a release's bytes."""
    return files_version(CLEANING_FILES)


def extraction_version(limits: FactLimits) -> str:
    """What normalizing and extracting depend on besides the release and its boilerplate:
    the code and rules, and the limits on facts."""
    return files_version(EXTRACTION_FILES, (f"{limits.per_release} {limits.per_sentence}",))


def code_version(templates: Path) -> str:
    """What the reports depend on besides the releases: the package's rules and code, and the
    templates."""
    package = resources.files("usrok_pipeline")
    names = sorted(p.name for p in package.iterdir() if p.name.endswith(".py"))
    extra = [p.read_text(encoding="utf-8") for p in sorted(templates.iterdir()) if p.is_file()]
    return files_version([*names, *RULE_FILES], extra)


def clean_key(version: str, sha256: str) -> str:
    """The key of a release's cleaned text: cleaning reads the bytes, not the name."""
    return digest(version, sha256)


def extraction_key(version: str, name: str, sha256: str, learned: Iterable[str]) -> str:
    """The key of a release's facts: its name (which each fact carries), its bytes, and the
    learned boilerplate among its paragraphs, which normalizing takes out."""
    return digest(version, name, sha256, *sorted(learned))


def page_key(path: str, inputs: str) -> str:
    """The key of a page rendered from inputs of this digest."""
    return digest(path, inputs)


def decode_cleaned(payload: str, name: str) -> CleanedDocument:
    """A cleaned document from its JSON, under the name it is read as now."""
    raw: dict[str, Any] = json.loads(payload)
    return CleanedDocument(
        name=name,
        sha256=raw["sha256"],
        front_matter=raw["front_matter"],
        blocks=tuple(Block(**b) for b in raw["blocks"]),
        removed=tuple(Removal(**r) for r in raw["removed"]),
        encoding=raw["encoding"],
    )


def decode_candidates(payload: str) -> frozenset[str]:
    """A release's boilerplate candidates from their JSON."""
    return frozenset(json.loads(payload))


def encode_candidates(candidates: Iterable[str]) -> str:
    """A release's boilerplate candidates as JSON."""
    return json.dumps(sorted(candidates), ensure_ascii=False)


# The text fields of a fact that take few values; its sentence and mention take many.
SHARED_FIELDS = frozenset(Fact.__dataclass_fields__) - {"sentence", "mention"}


def decode_processed(payload: str) -> ProcessedDocument:
    """A processed document from its JSON, the text fields of few values (the release's name,
    units, keys, facets, removal rules) shared, not one string per fact: that took the
    decoded releases of 3,000 from 96 to 71 MB."""
    raw: dict[str, Any] = json.loads(payload)
    doc = raw["document"]
    document = NormalizedDocument(
        name=doc["name"],
        sha256=doc["sha256"],
        metadata=Metadata(**doc["metadata"]),
        text=doc["text"],
        removed=tuple(Removal(sys.intern(r["rule"]), r["text"]) for r in doc["removed"]),
    )
    facts = tuple(Fact(**{k: shared(k, v) for k, v in f.items()}) for f in raw["facts"])
    return ProcessedDocument(document, facts, raw["capped"])


def shared(field: str, value: Any) -> Any:
    """A fact's field as decoded, one string for all facts when it is of few values."""
    return sys.intern(value) if field in SHARED_FIELDS and isinstance(value, str) else value


def extractions(
    readable: Sequence[tuple[str, str]],
    candidates: dict[str, frozenset[str]],
    learned: frozenset[str],
    cleaning: str,
    version: str,
) -> list[Extraction]:
    """The releases (name, hash) to normalize and extract, with their keys (CANDIDATES: the
    boilerplate candidates of each release, by clean key)."""
    found = []
    for name, sha256 in readable:
        cleaned = clean_key(cleaning, sha256)
        here = candidates[cleaned] & learned
        found.append(
            Extraction(name, sha256, cleaned, extraction_key(version, name, sha256, here), here)
        )
    return found


def page_inputs(report: Report, extracted: Mapping[str, str], code: str) -> dict[str, str]:
    """A digest of what each metric and release page shows (EXTRACTED: the extraction key of
    each release, by name; CODE: the version of the code, rules and templates). A release's
    page shows the release and links the tracked facts it states; a tracked fact's page
    shows the statements of the releases that state it."""
    tracked = {timeline.key for timeline in report.timelines}
    found: dict[str, str] = {}
    for timeline in report.timelines:
        names = sorted({change.fact.document for change in timeline.changes})
        inputs = digest(code, timeline.key, *(f"{n}\0{extracted[n]}" for n in names))
        found |= dict.fromkeys(page_paths("metric", timeline.key).values(), inputs)
    for processed in report.documents:
        name = processed.document.name
        linked = sorted({fact.key for fact in processed.facts} & tracked)
        inputs = digest(code, extracted[name], *linked)
        found |= dict.fromkeys(page_paths("release", name).values(), inputs)
    return found


def unchanged_pages(folder: Path, inputs: Mapping[str, str], memo: Mapping[str, str]) -> set[str]:
    """The pages on disk as they were written from the same inputs (MEMO: the sha256 of each
    page written, by page key), which need no rendering."""
    return {
        path
        for path, digest_of_inputs in inputs.items()
        if as_written(folder / path, memo.get(page_key(path, digest_of_inputs)))
    }


def as_written(path: Path, sha256: str | None) -> bool:
    """Whether a file holds the bytes of this sha256 (None: nothing was written)."""
    if sha256 is None:
        return False
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    except OSError:
        return False


def report_files_key(folder: Path) -> str:
    """The key of what the runs wrote to a report folder."""
    return digest(REPORT_FILES, str(folder))


def folder_as_written(folder: Path, payload: str | None) -> bool:
    """Whether a report folder holds every file a run wrote to it (PAYLOAD: their sha256, by
    path, as JSON), each as written."""
    if payload is None:
        return False
    written: dict[str, str] = json.loads(payload)
    return all(as_written(folder / path, sha256) for path, sha256 in written.items())
