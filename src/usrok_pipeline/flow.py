"""The pipeline flow: the steps of `pipeline.STEPS` as Prefect tasks, the per-release ones
over batches of releases, their results passed on through the state store's cache."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from prefect import State, Task, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import TaskRun
from prefect.events import emit_event
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.states import Failed
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner

from . import config, events, incremental, pipeline, render
from .extract import load_catalog
from .incremental import CANDIDATES, CLEAN, EXTRACT, PAGE, REPORT_FILES, Extraction
from .ingest import scan
from .records import (
    FactChange,
    FactDelta,
    FactLimits,
    ProcessedDocument,
    Rejected,
    RunRecord,
    RunSummary,
    SourceFile,
    VersionChange,
    canonical_json,
)
from .store import (
    Ending,
    Inventory,
    RunLocked,
    Stated,
    Store,
    StoreError,
    is_transient,
    reports_lock,
    run_lock,
    store_failure,
)

FLOW_NAME = "usrok-pipeline"
PROGRESS_VARIABLE = "USROK_PROGRESS"
STOP_VARIABLE = "USROK_STOP_AT"
STOP_STAGES = ("ingested", "cleaned", "extracted", "reports written", "finished")
PROGRESS_MIN_ITEMS = 20
HEARTBEAT_VARIABLES = ("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY")
POOL_MIN_RELEASES = 2000  # below this, starting worker processes costs more than it saves
# Store errors that pass within seconds, as a database server restarts.
STORE_RETRIES = 2
STORE_RETRY_DELAYS = [2.0, 10.0]
T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")


class RunFailed(RuntimeError):
    """A run stopped by something the user can mend (a full disk, a folder it may not write,
    no readable release): said in one line, without a traceback."""


# Errors told in one line: a traceback would point into the pipeline, not at what to mend.
USER_FAULTS = (RunFailed, RunLocked, StoreError)


def stop_here(stage: str) -> None:
    """Where the crash tests kill a run, as a power cut would: the process is killed at
    the stage the environment variable STOP_VARIABLE names, never otherwise."""
    if os.environ.get(STOP_VARIABLE) == stage:
        os.kill(os.getpid(), signal.SIGKILL)


def store_unavailable(_task: Task[..., Any], _run: TaskRun, state: State[Any]) -> bool:
    """Whether a failed task run is tried again: when the state store was out of reach or
    busy (a PostgreSQL server restarting, a dropped connection). Each task writes in
    transactions, so a try that failed left nothing behind."""
    try:
        state.result()
    except Exception as error:
        return is_transient(error)
    return False


def step(name: str) -> Callable[[Callable[P, R]], Task[P, R]]:
    """A step of the flow as a task: never cached by Prefect (the store caches what pays),
    tried again when the store was out of reach."""
    return task(
        name=name,
        cache_policy=NO_CACHE,
        retries=STORE_RETRIES,
        retry_delay_seconds=STORE_RETRY_DELAYS,
        retry_condition_fn=store_unavailable,
    )


@dataclass(frozen=True)
class Ingested:
    """The seeds as a run found them, against the versions stored."""

    run_id: int
    sources: list[SourceFile]
    unreadable: list[Rejected]
    inventory: Inventory


@step("ingest")
def ingest(seeds: Path, database: str, max_bytes: int) -> Ingested:
    """Read and hash the seeds folder and compare it with the versions stored."""
    sources, unreadable = scan(seeds, max_bytes)
    with Store.open(database) as store:
        inventory = store.inventory(sources)
        run_id = store.begin_run(str(seeds))  # last: a try that fails records no run
    return Ingested(run_id, sources, unreadable, inventory)


@step("parse and clean")
def parse_and_clean(
    batch: list[SourceFile], version: str, database: str
) -> tuple[dict[str, frozenset[str]], list[Rejected]]:
    """Parse and clean a batch of releases into the cache: their boilerplate candidates come
    back, by clean key, with the releases that cannot be read."""
    parsed, refused = pipeline.parse_sources(batch)
    cleaned = pipeline.clean(parsed)
    keys = [incremental.clean_key(version, doc.sha256) for doc in cleaned]
    found = {key: pipeline.candidates(doc) for key, doc in zip(keys, cleaned, strict=True)}
    with Store.open(database) as store:
        store.save_cached(CLEAN, {k: canonical_json(d) for k, d in zip(keys, cleaned, strict=True)})
        store.save_cached(
            CANDIDATES, {k: incremental.encode_candidates(c) for k, c in found.items()}
        )
    stop_here("cleaned")
    return found, refused


@step("normalize and extract")
def normalize_and_extract(batch: list[Extraction], database: str, limits: FactLimits) -> None:
    """Normalize and extract a batch of releases into the cache."""
    with Store.open(database) as store:
        cleaned = store.cached(CLEAN, {job.cleaned for job in batch})
        documents = [
            pipeline.normalize_document(
                incremental.decode_cleaned(cleaned[job.cleaned], job.name), job.learned
            )
            for job in batch
        ]
        processed = pipeline.extract_facts(documents, limits)
        store.save_cached(
            EXTRACT, {j.key: canonical_json(p) for j, p in zip(batch, processed, strict=True)}
        )
    stop_here("extracted")


@dataclass(frozen=True)
class Outcome:
    """What a run that wrote the reports did: its record, its fact changes and the figures
    they moved, the report files written or removed, the facts and recurring facts the
    report shows, and the releases whose facts reached a limit (name, which)."""

    record: RunRecord
    deltas: list[FactDelta]
    moved: list[FactChange]
    written: list[str]
    facts: int
    recurring: int
    capped: list[tuple[str, str]]


def extracted(store: Store, jobs: Sequence[Extraction]) -> list[ProcessedDocument]:
    """The facts of every release, from the cache, read a batch at a time: holding every
    payload at once raised the peak memory of a run over 1,000 releases from 246 to 263 MB."""
    documents: list[ProcessedDocument] = []
    for batch in pipeline.batches(list(jobs), 0):
        cached = store.cached(EXTRACT, {job.key for job in batch})
        documents += [incremental.decode_processed(cached[job.key]) for job in batch]
    return documents


def previous_texts(
    store: Store, documents: Sequence[ProcessedDocument], cleaning: str, learned: frozenset[str]
) -> tuple[list[VersionChange], set[str]]:
    """The text diff of each release against its previous version (cleaned again when the
    cache no longer holds it), and the clean keys of those versions."""
    current = {p.document.name: p for p in documents}
    previous = store.previous_versions({n: p.document.sha256 for n, p in current.items()})
    keys = {name: incremental.clean_key(cleaning, s.sha256) for name, s in previous.items()}
    cached = store.cached(CLEAN, set(keys.values()))
    pairs = []
    for name, source in previous.items():
        if keys[name] in cached:
            old = [incremental.decode_cleaned(cached[keys[name]], name)]
        else:
            old = pipeline.clean(pipeline.parse_sources([source])[0])
        pairs += [(doc, current[name].document) for doc in old]
    return pipeline.version_changes(pairs, learned), set(keys.values())


def fact_changes(
    store: Store, documents: list[ProcessedDocument], keys: dict[str, str]
) -> tuple[list[FactDelta], list[Stated]]:
    """The facts added and removed since they were last stored, and what the releases whose
    facts were extracted anew state (KEYS: the extraction key of each release, by name); the
    same key states the same facts, so no other release is compared."""
    stored = store.extractions()
    fresh = [p for p in documents if stored.get(p.document.name) != keys[p.document.name]]
    before = store.stated_facts({p.document.name for p in fresh} | (set(stored) - set(keys)))
    deltas = pipeline.fact_deltas(before, (fact for p in fresh for fact in p.facts))
    stated = [
        Stated(p.document.name, p.document.sha256, keys[p.document.name], p.facts) for p in fresh
    ]
    return deltas, stated


def write_pages(
    store: Store,
    built: render.Report,
    inputs: dict[str, str],
    settings: config.Settings,
    force: bool,
) -> tuple[list[str], set[str], str]:
    """Render and write the report, but for the pages on disk as written from the same inputs
    (INPUTS: their digests, by path); the pages written are remembered. The files written or
    removed come back, with the page keys the report now depends on and the sha256 of every
    file of the folder (JSON), which the run records as it ends."""
    keys = {path: incremental.page_key(path, digest) for path, digest in inputs.items()}
    memo = {} if force else store.cached(PAGE, set(keys.values()))
    unchanged = incremental.unchanged_pages(settings.reports, inputs, memo)
    pages = render.render_pages(built, settings.templates, unchanged)
    written, digests = render.write_reports(settings.reports, pages, kept=unchanged)
    stop_here("reports written")
    store.save_cached(PAGE, {keys[path]: digests[path] for path in keys if path in digests})
    folder = digests | {path: memo[keys[path]] for path in unchanged}
    return written, set(keys.values()), canonical_json(dict(sorted(folder.items())))


@step("link, diff and write the reports")
def report(
    ingested: Ingested,
    jobs: list[Extraction],
    failed: list[Rejected],
    learned: frozenset[str],
    settings: config.Settings,
    force: bool,
) -> Outcome:
    """Link every release's facts, diff them against those stored, build and write the
    report and record the run."""
    cleaning, code = incremental.cleaning_version(), incremental.code_version(settings.templates)
    keys = {job.name: job.key for job in jobs}
    inventory = ingested.inventory
    with Store.open(settings.database) as store:
        documents = extracted(store, jobs)
        deltas, stated = fact_changes(store, documents, keys)
        versions, earlier = previous_texts(store, documents, cleaning, learned)
        withdrawn = (set(store.withdrawn()) | set(inventory.removed)) - set(keys)
        files = (len(inventory.new), len(inventory.changed), len(inventory.removed))
        started = store.started_at(ingested.run_id)
        record = pipeline.run_record(store.finished_runs() + 1, files, len(failed), deltas, started)
        history, shown = pipeline.history_to_show(
            store.history(), record, deltas, store.latest_deltas
        )
        built = pipeline.build_report(
            documents, versions, failed, sorted(withdrawn), history, shown
        )
        inputs = incremental.page_inputs(built, keys, code)
        written, pages, folder = write_pages(store, built, inputs, settings, force)
        folder_key = incremental.report_files_key(settings.reports)
        facts = sum(len(p.facts) for p in documents)
        status = pipeline.run_status(len(ingested.sources) + len(ingested.unreadable), len(failed))
        ending = Ending(
            inventory,
            failed,
            status,
            deltas,
            [s for s in ingested.sources if s.name not in inventory.unchanged],
            current=set(keys),
            stated=stated,
            outcome=(code, str(settings.reports), facts, len(built.timelines)),
            cached={
                CLEAN: {job.cleaned for job in jobs} | earlier,
                CANDIDATES: {job.cleaned for job in jobs},
                EXTRACT: set(keys.values()),
                PAGE: pages,
                REPORT_FILES: {folder_key},
            },
            saved={
                REPORT_FILES: {folder_key: folder},
            },
            news=built.history[-1].news if pipeline.changed_anything(record) else (),
        )
        store.finish_run(ingested.run_id, ending)
    stop_here("finished")
    moved = pipeline.moved_by(built.timelines, deltas)
    capped = [(p.document.name, p.capped) for p in documents if p.capped]
    return Outcome(record, deltas, moved, written, facts, len(built.timelines), capped)


@step("record the run")
def record(database: str, run_id: int, ending: Ending) -> None:
    """Record how a run that wrote no report ended: nothing changed, or it failed."""
    with Store.open(database) as store:
        store.finish_run(run_id, ending)


class Workers:
    """Runs a task once per batch: on a Dask cluster when one is configured; else here, one
    batch after another, or, once there is enough work to pay for starting them, in worker
    processes kept for the rest of the run. PLAIN calls the tasks' functions, without Prefect:
    the floor the benchmark measures the flow's orchestration against."""

    def __init__(self, settings: config.Settings, plain: bool) -> None:
        self.processes, self.cluster, self.plain = settings.workers, settings.cluster, plain
        self.runner: TaskRunner[Any] | None = None
        self.started = ExitStack()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.started.close()

    def start(self, releases: int) -> TaskRunner[Any] | None:
        """The task runner for this much work, started on first use; none for plain calls."""
        if self.runner is None and not self.plain and self.cluster:
            from prefect_dask.task_runners import DaskTaskRunner

            self.runner = self.started.enter_context(DaskTaskRunner(address=self.cluster))
        elif (
            self.runner is None
            and not self.plain
            and self.processes > 1
            and releases >= POOL_MIN_RELEASES
        ):
            # Worker processes must report to this run's API: without its address a
            # worker would start a temporary Prefect server of its own.
            with get_client(sync_client=True) as client:
                api = str(client.api_url)
            self.started.enter_context(temporary_settings(updates={PREFECT_API_URL: api}))
            pool = ProcessPoolTaskRunner(max_workers=self.processes)
            self.runner = self.started.enter_context(pool)
        return self.runner

    def map(self, work: Task[..., R], items: list[T], **shared: object) -> list[R]:
        """The task's results over ITEMS cut into batches, in batch order: spread over the
        worker processes when they run, else as few batches as the batch size allows, since
        each task run costs Prefect some milliseconds."""
        runner = self.start(len(items)) if items else None
        batches = pipeline.batches(items, self.processes if runner else 0)
        calls = [(named(work, i, batches), {"batch": b, **shared}) for i, b in enumerate(batches)]
        if self.plain:
            return [work.fn(**call) for _, call in progress(calls, work.name, len(items))]
        if runner is None:
            return [t(**call) for t, call in progress(calls, work.name, len(items))]
        futures = [runner.submit(t, call) for t, call in calls]
        return [future.result() for future in progress(futures, work.name, len(items))]


def named(work: Task[..., R], index: int, batches: list[list[T]]) -> Task[..., R]:
    """The task of one batch, its run named for it in the UI: 'normalize and extract 3/20
    (500 releases)'."""
    size = len(batches[index])
    name = f"{work.name} {index + 1}/{len(batches)} ({size} release{'s' * (size != 1)})"
    return work.with_options(task_run_name=name)


def progress(items: list[T], doing: str, releases: int) -> Iterable[T]:
    """Items, with a progress bar on the terminal when the command line asked for one."""
    if os.environ.get(PROGRESS_VARIABLE) != "1" or releases < PROGRESS_MIN_ITEMS:
        return items
    from rich.progress import track

    return track(items, description=f"{doing}: {releases} releases", transient=True)


def publish(outcome: Outcome, failed: list[Rejected], logger: Logger) -> None:
    """The flow run's artifacts (a summary, the table of fact changes) and its events, for
    automations to notify on: each figure moved and each file set aside."""
    create_markdown_artifact(
        key="usrok-run-summary",
        markdown=render.run_summary(outcome.record, outcome.deltas),
        description="Run summary",
    )
    create_table_artifact(
        key="usrok-fact-changes",
        table=render.delta_rows(outcome.deltas) or [{"change": "none"}],
        description="Facts added and removed by this run",
    )
    for spec in events.run_events(outcome.moved, failed, load_catalog().labels):
        emit_event(event=spec.event, resource=spec.resource, payload=spec.payload)
    if len(outcome.moved) > events.MAX_FACT_EVENTS:
        logger.info(
            "events: %d figures moved, the first %d announced",
            len(outcome.moved),
            events.MAX_FACT_EVENTS,
        )


Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]


@flow(name=FLOW_NAME, log_prints=True)
def run_pipeline(
    seeds: str | None = None,
    reports: str | None = None,
    state_dir: str | None = None,
    force: bool = False,
) -> RunSummary | State[Any]:
    """Process the releases in the seeds folder and write the reports.

    A release that cannot be read is set aside and listed; the run completes (with failures)
    as long as one release could be used, and fails when none could.

    Args:
        seeds: Folder of release files (.txt, .md) to read; default: [paths] seeds of
            usrok.toml, relative to the project folder.
        reports: Folder the report site is written to; default: [paths] reports.
        state_dir: Folder of the run state (the SQLite store, Prefect's home); default:
            USROK_STATE_DIR, else [paths] state.
        force: Process every release again and rewrite every report file, ignoring what
            earlier runs kept.
    """
    try:
        return run_locked(run_settings(seeds, reports, state_dir), force, plain=False)
    except USER_FAULTS as fault:
        # The flow run fails with the reason as its message; calling the flow raises FAULT.
        return Failed(message=str(fault), data=fault)


def run_plain(
    seeds: str | None = None,
    reports: str | None = None,
    state_dir: str | None = None,
    force: bool = False,
) -> RunSummary:
    """The same run as plain function calls in this process, without Prefect: the floor the
    benchmark measures the flow against."""
    return run_locked(run_settings(seeds, reports, state_dir), force, plain=True)


def run_settings(seeds: str | None, reports: str | None, state_dir: str | None) -> config.Settings:
    """The settings of a run, with the folders it was given."""
    return config.settings(
        Path(seeds) if seeds else None,
        Path(reports) if reports else None,
        Path(state_dir) if state_dir else None,
    )


@contextmanager
def without_heartbeats() -> Iterator[None]:
    """Flow runs started here by hand send no heartbeats, unless the user asks for them:
    heartbeats serve to find crashed runs of deployments, and their thread held every run
    open for up to a second after its work was done."""
    if any(name in os.environ for name in HEARTBEAT_VARIABLES):
        yield
        return
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def run_by_hand(
    seeds: str | None = None,
    reports: str | None = None,
    state_dir: str | None = None,
    force: bool = False,
) -> RunSummary:
    """One run of the flow in this process, as the command line starts it."""
    with without_heartbeats():
        summary = run_pipeline(seeds, reports, state_dir, force)
    assert isinstance(summary, RunSummary)  # a failed run raises its error instead
    return summary


def run_locked(settings: config.Settings, force: bool, plain: bool) -> RunSummary:
    """The run itself, under the state lock: a flow run's, or plain calls' (PLAIN); a fault
    of its surroundings comes out as a user fault."""
    try:
        return run_steps(settings, force, plain)
    except Exception as error:
        fault = user_fault(error, settings.database)
        if fault is None or fault is error:
            raise
        raise fault from error


def run_steps(settings: config.Settings, force: bool, plain: bool) -> RunSummary:
    """The steps of a run, under the state lock."""
    with run_lock(settings.state_dir, settings.database), reports_lock(settings.reports):
        logger = logging.getLogger(FLOW_NAME) if plain else get_run_logger()
        call: Callable[[Task[..., R]], Callable[..., R]] = (
            (lambda work: work.fn) if plain else (lambda work: work)
        )
        ingested = call(ingest)(settings.seeds, settings.database, settings.max_file_bytes)
        stop_here("ingested")
        inventory = ingested.inventory
        logger.info(
            "ingest: %d new, %d changed, %d unchanged, %d removed, %d unreadable",
            *map(len, (inventory.new, inventory.changed, inventory.unchanged)),
            *map(len, (inventory.removed, ingested.unreadable)),
        )
        unchanged = None if force else unchanged_ending(settings, ingested, logger)
        if unchanged is not None:
            logger.info("nothing changed since the last run: reports left as they are")
            call(record)(settings.database, ingested.run_id, unchanged)
            return summary(ingested, unchanged, settings, (0, 0), None)
        failed = list(ingested.unreadable)
        try:
            with Workers(settings, plain) as workers:
                jobs, parsed, learned = clean_all(ingested, settings, force, workers, failed)
                for failure in failed:
                    logger.warning("set aside %s: %s", failure.name, failure.reason)
                todo = extract_all(jobs, settings, force, workers)
                logger.info("extract: %d releases processed, %d cached", todo, len(jobs) - todo)
            outcome = call(report)(ingested, jobs, failed, learned, settings, force)
        except Exception:
            record_failure(call(record), settings.database, ingested.run_id, inventory, failed)
            raise
        for name, limit in outcome.capped:
            logger.warning("extract: %s %s; figures past it were not read", name, limit)
        logger.info(
            "report: %d recurring facts, %d files written to %s",
            outcome.recurring,
            len(outcome.written),
            settings.reports,
        )
        if not plain:
            publish(outcome, failed, logger)
        status = pipeline.run_status(len(ingested.sources) + len(ingested.unreadable), len(failed))
        if status == pipeline.FAILED:
            raise RunFailed(f"no release could be read: {len(failed)} files set aside")
        return summary(
            ingested, Ending(inventory, failed, status), settings, (parsed, todo), outcome
        )


def record_failure(
    record_run: Callable[..., None],
    database: str,
    run_id: int,
    inventory: Inventory,
    failed: list[Rejected],
) -> None:
    """Record a run as failed, unless the store cannot take even that (its disk full): the
    run then stays unfinished, which the next run treats as an interrupted one."""
    try:
        record_run(database, run_id, Ending(inventory, failed, pipeline.FAILED))
    except Exception as error:
        if user_fault(error, database) is None:
            raise


def user_fault(error: Exception, database: str) -> RuntimeError | None:
    """The one-line error of a run stopped by its surroundings: a file it could not read or
    write, or a state store that failed; None for any other error, a defect of the program,
    which keeps its traceback."""
    if isinstance(error, USER_FAULTS):
        return error
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return RunFailed(f"{where}{error.strerror or error}")
    return store_failure(error, database)


def unchanged_ending(
    settings: config.Settings, ingested: Ingested, logger: Logger
) -> Ending | None:
    """How a run ends that has nothing to do: no file new, changed or removed, nothing newly
    unreadable, the last run wrote these reports with the same rules, code and templates,
    and the report folder holds every file as written; None when there is something to do."""
    inventory = ingested.inventory
    files = (len(inventory.new), len(inventory.changed), len(inventory.removed))
    key = incremental.report_files_key(settings.reports)
    with Store.open(settings.database) as store:
        last = store.last_run()
        written = store.cached(REPORT_FILES, {key}).get(key)
    code = incremental.code_version(settings.templates)
    names = [failure.name for failure in ingested.unreadable]
    if last is None or not pipeline.nothing_to_do(files, names, last, code, str(settings.reports)):
        return None
    if not incremental.folder_as_written(settings.reports, written):
        logger.info("the report folder is not as the last run wrote it: writing it again")
        return None
    outcome = (code, str(settings.reports), last.facts, last.recurring)
    return Ending(inventory, list(last.failures), last.status, outcome=outcome)


def clean_all(
    ingested: Ingested,
    settings: config.Settings,
    force: bool,
    workers: Workers,
    failed: list[Rejected],
) -> tuple[list[Extraction], int, frozenset[str]]:
    """Every release parsed and cleaned into the cache (those cached are not read again), and
    the boilerplate they share learned: the releases to normalize and extract, how many were
    parsed, and the boilerplate (FAILED gains the releases that cannot be read)."""
    cleaning = incremental.cleaning_version()
    keys = {s.sha256: incremental.clean_key(cleaning, s.sha256) for s in ingested.sources}
    with Store.open(settings.database) as store:
        cached = {} if force else store.cached(CANDIDATES, set(keys.values()))
    found = {key: incremental.decode_candidates(payload) for key, payload in cached.items()}
    todo = [s for s in ingested.sources if keys[s.sha256] not in found]
    for candidates, refused in workers.map(
        parse_and_clean, todo, version=cleaning, database=settings.database
    ):
        found |= candidates
        failed += refused
    readable = [(s.name, s.sha256) for s in ingested.sources if keys[s.sha256] in found]
    learned = pipeline.learn(found[keys[sha256]] for _, sha256 in readable)
    version = incremental.extraction_version(settings.fact_limits)
    return incremental.extractions(readable, found, learned, cleaning, version), len(todo), learned


def extract_all(
    jobs: list[Extraction], settings: config.Settings, force: bool, workers: Workers
) -> int:
    """Every release normalized and extracted into the cache (those cached are not done
    again); how many were done."""
    with Store.open(settings.database) as store:
        done = set() if force else store.cached_keys(EXTRACT, {job.key for job in jobs})
    todo = [job for job in jobs if job.key not in done]
    workers.map(
        normalize_and_extract, todo, database=settings.database, limits=settings.fact_limits
    )
    return len(todo)


def summary(
    ingested: Ingested,
    ending: Ending,
    settings: config.Settings,
    work: tuple[int, int],
    outcome: Outcome | None,
) -> RunSummary:
    """What the run did, for the command line (WORK: releases parsed and processed)."""
    inventory = ingested.inventory
    facts, recurring = (outcome.facts, outcome.recurring) if outcome else (0, 0)
    if outcome is None and ending.outcome:
        facts, recurring = ending.outcome[2:]
    return RunSummary(
        run_id=ingested.run_id,
        status=ending.status,
        new=inventory.new,
        changed=inventory.changed,
        unchanged=inventory.unchanged,
        removed=inventory.removed,
        failed=tuple(ending.failures),
        parsed=work[0],
        processed=work[1],
        facts=facts,
        recurring=recurring,
        reports=str(settings.reports),
        written=tuple(outcome.written if outcome else ()),
    )
