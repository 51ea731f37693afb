"""Synthetic releases for benchmarks: deterministic, realistic, in series."""

from __future__ import annotations

from conftest import SEEDS
from usrok_pipeline import pipeline, synth
from usrok_pipeline.ingest import sha256_of
from usrok_pipeline.records import SourceFile

TEXTS = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]


def test_same_seed_same_releases() -> None:
    assert synth.generate(7, TEXTS, seed=3) == synth.generate(7, TEXTS, seed=3)
    assert synth.generate(7, TEXTS, seed=3) != synth.generate(7, TEXTS, seed=4)


def test_editions_of_a_series_restate_facts_with_new_figures() -> None:
    releases = synth.generate(synth.EDITIONS_PER_SERIES * 3, TEXTS, seed=1)
    sources = [SourceFile(r.name, sha256_of(r.text.encode()), r.text.encode()) for r in releases]
    processed, rejected = pipeline.process(sources)
    assert rejected == []
    assert all(len(r.text) >= synth.TARGET_CHARS for r in releases)
    report = pipeline.build_report(processed, [], [], [])
    kinds = {change.kind for line in report.timelines for change in line.changes}
    assert {"new figure", "restatement"} <= kinds
    assert len({r.name for r in releases}) == len(releases)
