"""The pipeline flow: ingest the seeds, process new releases, link facts, write the reports."""

from __future__ import annotations

import sys
from pathlib import Path

from usrok_pipeline import config

# Prefect reads its settings once, when imported: give it the project's defaults first.
config.apply_prefect_environment(config.settings())

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from usrok_pipeline import pipeline, render  # noqa: E402
from usrok_pipeline.ingest import scan  # noqa: E402
from usrok_pipeline.records import (  # noqa: E402
    NormalizedDocument,
    ProcessedDocument,
    Rejected,
    RunSummary,
    SourceFile,
    VersionChange,
)
from usrok_pipeline.store import Inventory, Store  # noqa: E402

FLOW_NAME = "usrok-pipeline"


@task(name="ingest", cache_policy=NO_CACHE)
def ingest(seeds: Path, database: Path) -> tuple[int, list[SourceFile], list[Rejected], Inventory]:
    """Read the seeds folder and record new versions and withdrawn documents."""
    sources, unreadable = scan(seeds)
    with Store.open(database) as store:
        run_id = store.begin_run(str(seeds))
        inventory = store.inventory(sources)
        store.record_sources(run_id, sources, inventory.removed)
    return run_id, sources, unreadable, inventory


@task(name="parse and normalize", cache_policy=NO_CACHE)
def parse_and_normalize(
    sources: list[SourceFile],
) -> tuple[list[NormalizedDocument], list[Rejected], frozenset[str]]:
    """Decode, split front matter and clean every release, learning shared boilerplate."""
    parsed, rejected = pipeline.parse_sources(sources)
    cleaned = pipeline.first_pass(parsed)
    learned = pipeline.learn(cleaned)
    documents = [pipeline.finish(doc, blocks, removed, learned) for doc, blocks, removed in cleaned]
    return documents, rejected, learned


@task(name="extract", cache_policy=NO_CACHE)
def extract(
    documents: list[NormalizedDocument], learned: frozenset[str], database: Path
) -> tuple[list[ProcessedDocument], int]:
    """Facts of every release; those processed before under the same rules come from the store."""
    key = pipeline.fingerprint(learned)
    with Store.open(database) as store:
        cached = {d.sha256: store.cached(d.sha256, key) for d in documents}
        todo = [d for d in documents if cached[d.sha256] is None]
        fresh = pipeline.extract_facts(todo)
        store.save_processed(key, fresh)
    by_hash = {p.document.sha256: p for p in fresh} | {
        sha: p for sha, p in cached.items() if p is not None
    }
    return [by_hash[d.sha256] for d in documents], len(fresh)


@task(name="compare versions", cache_policy=NO_CACHE)
def compare_versions(
    documents: list[NormalizedDocument], learned: frozenset[str], database: Path
) -> tuple[list[VersionChange], list[str]]:
    """Text diffs against each document's previous version, and the withdrawn documents."""
    with Store.open(database) as store:
        pairs = [
            (previous, doc)
            for doc in documents
            if (previous := store.previous_version(doc.name, doc.sha256)) is not None
        ]
        withdrawn = store.withdrawn()
    return pipeline.version_changes(pairs, learned), withdrawn


@task(name="link and render", cache_policy=NO_CACHE)
def link_and_render(
    processed: list[ProcessedDocument],
    versions: list[VersionChange],
    rejected: list[Rejected],
    withdrawn: list[str],
    templates: Path,
    reports: Path,
) -> tuple[list[str], int]:
    """Link facts across releases, render the reports and write the files that changed."""
    report = pipeline.build_report(processed, versions, rejected, withdrawn)
    written = render.write_reports(reports, render.render(report, templates))
    return written, len(report.timelines)


@task(name="finish run", cache_policy=NO_CACHE)
def finish(
    database: Path, run_id: int, inventory: Inventory, failed: list[Rejected], status: str
) -> None:
    """Record how the run ended."""
    with Store.open(database) as store:
        store.finish_run(run_id, inventory, failed, status)


@flow(name=FLOW_NAME, log_prints=True)
def run_pipeline(
    seeds: str | None = None, reports: str | None = None, state_dir: str | None = None
) -> RunSummary:
    """Process the releases in the seeds folder and write the reports."""
    settings = config.settings(
        Path(seeds) if seeds else None,
        Path(reports) if reports else None,
        Path(state_dir) if state_dir else None,
    )
    logger = get_run_logger()
    run_id, sources, unreadable, inventory = ingest(settings.seeds, settings.database)
    logger.info(
        "ingest: %d new, %d changed, %d unchanged, %d removed, %d unreadable",
        len(inventory.new),
        len(inventory.changed),
        len(inventory.unchanged),
        len(inventory.removed),
        len(unreadable),
    )
    try:
        documents, undecodable, learned = parse_and_normalize(sources)
        failed = [*unreadable, *undecodable]
        for failure in failed:
            logger.warning("set aside %s: %s", failure.name, failure.reason)
        processed, fresh = extract(documents, learned, settings.database)
        facts = sum(len(p.facts) for p in processed)
        logger.info(
            "extract: %d documents processed, %d from the store, %d facts",
            fresh,
            len(processed) - fresh,
            facts,
        )
        versions, withdrawn = compare_versions(documents, learned, settings.database)
        written, recurring = link_and_render(
            processed, versions, failed, withdrawn, settings.templates, settings.reports
        )
        logger.info(
            "report: %d recurring facts, %d files written to %s",
            recurring,
            len(written),
            settings.reports,
        )
    except Exception:
        finish(settings.database, run_id, inventory, unreadable, pipeline.FAILED)
        raise
    status = pipeline.run_status(len(sources) + len(unreadable), len(failed))
    finish(settings.database, run_id, inventory, failed, status)
    if status == pipeline.FAILED:
        raise RuntimeError(f"no release could be read: {len(failed)} files set aside")
    return RunSummary(
        run_id=run_id,
        status=status,
        new=inventory.new,
        changed=inventory.changed,
        unchanged=inventory.unchanged,
        removed=inventory.removed,
        failed=tuple(failed),
        processed=fresh,
        facts=facts,
        recurring=recurring,
        reports=str(settings.reports),
        written=tuple(written),
    )


if __name__ == "__main__":
    result = run_pipeline(*sys.argv[1:3])
    print(f"Reports in {result.reports}")
