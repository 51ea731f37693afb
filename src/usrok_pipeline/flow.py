"""The pipeline flow: ingest the seeds, process new releases, link facts, write the reports."""

from __future__ import annotations

import gc
import logging
import os
import pickle
import signal
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Generic, ParamSpec, TypeVar, cast

from . import config

# Prefect reads its settings once, when imported: give it the project's defaults first.
config.apply_prefect_environment(config.settings())

from prefect import State, Task, flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import (  # noqa: E402
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.client.orchestration import get_client  # noqa: E402
from prefect.client.schemas.objects import TaskRun  # noqa: E402
from prefect.context import SyncClientContext  # noqa: E402
from prefect.events import emit_event  # noqa: E402
from prefect.futures import PrefectFuture  # noqa: E402
from prefect.settings import (  # noqa: E402
    PREFECT_API_URL,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    temporary_settings,
)
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from . import events, pipeline, render  # noqa: E402
from .extract import load_catalog  # noqa: E402
from .ingest import scan  # noqa: E402
from .records import (  # noqa: E402
    CleanedDocument,
    FactChange,
    FactDelta,
    KeySection,
    NormalizedDocument,
    ProcessedDocument,
    Rejected,
    Release,
    RunRecord,
    RunSummary,
    SourceFile,
    VersionChange,
)
from .store import Inventory, Store, is_transient, run_lock  # noqa: E402

FLOW_NAME = "usrok-pipeline"
PROGRESS_VARIABLE = "USROK_PROGRESS"
STOP_VARIABLE = "USROK_STOP_AT"
STOP_STAGES = (
    "ingested",
    "cleaned",
    "boilerplate counted",
    "extracted",
    "compared",
    "pages planned",
    "release pages written",
    "fact pages written",
    "linked",
    "summary files written",
    "stale pages removed",
    "finished",
)
PROGRESS_MIN_ITEMS = 20
HEARTBEAT_VARIABLES = ("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY")
POOL_MIN_RELEASES = 2000  # below this, starting worker processes costs more than it saves
T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")


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


# Store errors that pass within seconds, as a database server restarts.
STORE_RETRIES = 2
STORE_RETRY_DELAYS = [2.0, 10.0]


@dataclass(frozen=True)
class Extracted:
    """Every current release (in seeds order), the facts of those whose facts the snapshot
    does not hold yet, and what it took to get them."""

    releases: list[Release]
    changed: list[ProcessedDocument]
    fresh: int
    learned: frozenset[str]
    fingerprint: str


@task(
    name="ingest",
    cache_policy=NO_CACHE,
    retries=STORE_RETRIES,
    retry_delay_seconds=STORE_RETRY_DELAYS,
    retry_condition_fn=store_unavailable,
)
def ingest(
    seeds: Path, database: str, max_bytes: int
) -> tuple[int, list[SourceFile], list[Rejected], Inventory]:
    """Read the seeds folder and compare it with the versions stored (recorded at the end)."""
    sources, unreadable = scan(seeds, max_bytes)
    with Store.open(database) as store:
        inventory = store.inventory(sources, store.latest_versions())
        run_id = store.begin_run(str(seeds))  # last: a try that fails records no run
    return run_id, sources, unreadable, inventory


class Batch(Generic[T]):
    """The releases of one task run, in a box Prefect does not open: it would otherwise walk
    every field of every record looking for futures, in the flow and again in the worker."""

    __slots__ = ("items",)

    def __init__(self, items: list[T]) -> None:
        self.items = items


@task(
    name="parse and clean",
    cache_policy=NO_CACHE,
    retries=STORE_RETRIES,
    retry_delay_seconds=STORE_RETRY_DELAYS,
    retry_condition_fn=store_unavailable,
)
def parse_and_clean(
    batch: Batch[SourceFile], database: str, rules: str
) -> tuple[dict[str, frozenset[str]], list[Rejected]]:
    """Decode, split and clean a batch of releases and keep them in one transaction; what comes
    back is small: the boilerplate candidates of each release, by hash."""
    parsed, refused = pipeline.parse_sources(batch.items)
    cleaned = [(doc, pipeline.candidates(doc)) for doc in pipeline.first_pass(parsed)]
    with Store.open(database) as store:
        store.save_cleaned(rules, cleaned)
    stop_here("cleaned")
    return {doc.sha256: found for doc, found in cleaned}, refused


@task(
    name="normalize and extract",
    cache_policy=NO_CACHE,
    retries=STORE_RETRIES,
    retry_delay_seconds=STORE_RETRY_DELAYS,
    retry_condition_fn=store_unavailable,
)
def normalize_and_extract(
    batch: Batch[tuple[str, str]], learned: frozenset[str], key: str, database: str, rules: str
) -> Packed[list[ProcessedDocument]]:
    """Facts of a batch of releases (name, hash), read cleaned from the store and kept there in
    one transaction."""
    with Store.open(database) as store:
        cleaned = store.cleaned([sha256 for _, sha256 in batch.items], rules)
        processed = pipeline.extract_facts(
            [
                pipeline.finish(replace(cleaned[sha256], name=name), learned)
                for name, sha256 in batch.items
            ]
        )
        store.save_processed(key, processed)
    stop_here("extracted")
    return Packed(processed)


class Packed(Generic[T]):
    """A task's result that leaves a worker process as pickled bytes, unpickled once, when the
    flow takes it. Prefect's process pool unpickles a result twice, in the thread that also
    hands work to the worker processes: with a batch's releases in it, the workers waited for
    that thread. A task run in the flow's own process hands its value over as it is."""

    __slots__ = ("data", "value")

    def __init__(self, value: T | None, data: bytes = b"") -> None:
        self.value = value
        self.data = data

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled, it carries its value pickled, which unpickling leaves as bytes."""
        return (Packed, (None, self.data or pickle.dumps(self.value, pickle.HIGHEST_PROTOCOL)))

    def take(self) -> T:
        """The value packed; it is let go at once, as a run holds many batches."""
        value = pickle.loads(self.data) if self.data else self.value
        self.value, self.data = None, b""
        return cast(T, value)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while many records are read that all live on: the collector
    would walk them again and again (it made reading them three times slower)."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def large(value: T) -> T:
    """A task input of a task run in this process that Prefect passes as it is, without
    walking every field of every record looking for futures (that walk took half of a run's
    time at 1,000 releases)."""
    return cast(T, quote(value))


@dataclass(frozen=True)
class Steps:
    """How a run calls its steps: as Prefect tasks of the flow run, or, PLAIN, as the
    functions they wrap, in this process and without Prefect: the floor the benchmark
    measures the flow's orchestration against."""

    plain: bool = False

    def __call__(self, work: Task[P, R]) -> Callable[P, R]:
        """The step WORK, called as this run calls its steps."""
        if not self.plain:
            return work
        function = cast(Callable[..., R], work.fn)

        def call(*args: Any, **kwargs: Any) -> R:
            return function(*map(bare, args), **{name: bare(v) for name, v in kwargs.items()})

        return cast(Callable[P, R], call)

    def publish(
        self,
        record: RunRecord,
        deltas: list[FactDelta],
        moved: list[FactChange],
        failed: list[Rejected],
    ) -> None:
        """The flow run's artifacts and events; plain calls have none."""
        if not self.plain:
            publish(record, deltas)
            announce(moved, failed, self.logger())

    def logger(self) -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
        """Where the run says what it did: the flow run's log, or the flow's own logger."""
        return logging.getLogger(FLOW_NAME) if self.plain else get_run_logger()


def bare(value: Any) -> Any:
    """A task input as the task's function takes it (large wraps some for Prefect)."""
    return value.unquote() if isinstance(value, quote) else value


class Workers:
    """Runs a task once per batch: on a Dask cluster when one is configured; else here, one
    batch after another, or, once there is enough work to pay for starting them, in worker
    processes kept for the rest of the run."""

    def __init__(self, processes: int, cluster: str = "", steps: Steps | None = None) -> None:
        self.processes = processes
        self.cluster = cluster
        self.steps = steps or Steps()
        self.pool: TaskRunner[Any] | None = None
        self.started = ExitStack()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.started.close()

    def runner(self, releases: int) -> TaskRunner[Any] | None:
        """The task runner for this much work, started on first use; none for plain calls."""
        if self.steps.plain:
            return None
        if self.pool is None and self.cluster:
            from prefect_dask.task_runners import DaskTaskRunner

            cluster: TaskRunner[Any] = DaskTaskRunner(address=self.cluster)
            self.pool = self.started.enter_context(cluster)
        elif self.pool is None and self.processes > 1 and releases >= POOL_MIN_RELEASES:
            # Worker processes must report to this run's API: without its address a worker
            # would start a temporary Prefect server of its own.
            with get_client(sync_client=True) as client:
                api = str(client.api_url)
            self.started.enter_context(temporary_settings(updates={PREFECT_API_URL: api}))
            pool = ProcessPoolTaskRunner(
                max_workers=self.processes, initializer=keep_api_client, initargs=(api,)
            )
            self.pool = self.started.enter_context(pool)
        return self.pool

    def batches(self, items: list[T]) -> list[list[T]]:
        """Items cut into batches, a task run each: to spread over the worker processes when
        they run them, else as few as the batch size allows, since each task run costs
        Prefect about 10 ms (a full run of 100 releases made 16 of them)."""
        spread = bool(items) and self.runner(len(items)) is not None
        return pipeline.batches(items, self.processes if spread else 0)

    def start(
        self, work: Task[..., R], batches: list[list[T]], **shared: object
    ) -> list[PrefectFuture[R]] | None:
        """The task submitted once per batch to the worker processes of this machine, when
        they run (it writes files here); None when there are none."""
        if not isinstance(self.pool, ProcessPoolTaskRunner) or not batches:
            return None
        return [
            self.pool.submit(named(work, i, batches), {"batch": Batch(batch), **shared})
            for i, batch in enumerate(batches)
        ]

    def map(self, work: Task[..., R], batches: list[list[T]], **shared: object) -> Iterator[R]:
        """The task's results, one per batch, in batch order, each as soon as it is done:
        with every batch submitted first, the flow takes in a result while the workers go on
        (taking in the facts of 10,000 releases after the last batch made the run wait 2 s)."""
        calls = [
            (named(work, i, batches), {"batch": Batch(batch), **shared})
            for i, batch in enumerate(batches)
        ]
        releases = sum(map(len, batches))
        runner = self.runner(releases) if len(batches) > 1 else self.pool
        if runner is None:
            return (self.steps(t)(**call) for t, call in progress(calls, work.name, releases))
        futures = [runner.submit(t, call) for t, call in calls]
        return (future.result() for future in progress(futures, work.name, releases))


def named(work: Task[P, R], index: int, batches: list[list[T]]) -> Task[P, R]:
    """The task of one batch, its run named for it in the UI: 'normalize and extract 3/20
    (500 releases)'."""
    size = len(batches[index])
    name = f"{work.name} {index + 1}/{len(batches)} ({size} release{'s' * (size != 1)})"
    return work.with_options(task_run_name=name)


def keep_api_client(api: str) -> None:
    """One API client for every task run of a worker process. Each task run would otherwise
    make two, and each new client loads the certificate store: 60 ms, a fifth of a task
    run's time in a worker."""
    with temporary_settings(updates={PREFECT_API_URL: api}):
        SyncClientContext().__enter__()


def clean_all(
    sources: list[SourceFile], settings: config.Settings, force: bool, workers: Workers
) -> tuple[list[tuple[str, str]], dict[str, frozenset[str]], list[Rejected], int]:
    """Every release cleaned and kept in the store (those cleaned before under the same rules
    are not read again): the releases that could be read (name, hash), the boilerplate
    candidates of those cleaned now by hash, the releases that could not, and how many were
    parsed."""
    rules = pipeline.cleaning_key()
    with Store.open(settings.database) as store:
        known = set() if force else store.cleaned_hashes({s.sha256 for s in sources}, rules)
    todo = [s for s in sources if s.sha256 not in known]
    batches = workers.batches(todo)
    done = list(workers.map(parse_and_clean, batches, database=settings.database, rules=rules))
    # Cleaning does not depend on the file name: the same bytes under two names share it.
    fresh = {sha256: c for candidates, _ in done for sha256, c in candidates.items()}
    rejected = [failure for _, refused in done for failure in refused]
    readable = [(s.name, s.sha256) for s in sources if s.sha256 in known or s.sha256 in fresh]
    return readable, fresh, rejected, len(todo)


def learn_boilerplate(
    readable: list[tuple[str, str]], fresh: dict[str, frozenset[str]], database: str, force: bool
) -> frozenset[str]:
    """The boilerplate the releases share: the candidate counts of the releases counted last,
    brought up to date with the releases added, changed and removed since (FRESH: the
    candidates of those cleaned now); counted afresh when FORCE, or when the candidates of a
    release to take out are not kept."""
    rules = pipeline.cleaning_key()
    with Store.open(database) as store:
        counted, counts = ({}, {}) if force else store.boilerplate_counts(rules)
        kept = partial(store.candidates, rules=rules)
        recount = pipeline.recount_boilerplate(counted, counts, readable, fresh, kept)
        store.save_boilerplate_counts(
            rules, recount.added, recount.removed, recount.changed, anew=recount.anew
        )
    stop_here("boilerplate counted")
    return recount.learned


def extract_all(
    readable: list[tuple[str, str]],
    fresh: dict[str, frozenset[str]],
    settings: config.Settings,
    force: bool,
    workers: Workers,
) -> Extracted:
    """Every release, and the facts of those whose facts the snapshot does not hold under
    these rules: from the processed releases kept in the store, else extracted now (FRESH:
    the boilerplate candidates of the releases cleaned by this run)."""
    learned = learn_boilerplate(readable, fresh, settings.database, force)
    key = pipeline.fingerprint(learned)
    with Store.open(settings.database) as store, collector_paused():
        held, rest = pipeline.held_releases(readable, {} if force else store.stated_releases(key))
        cached = {} if force else store.processed(set(rest), key)
    todo = [(name, sha256) for name, sha256 in rest if name not in cached]
    batches = workers.batches(todo)
    done = workers.map(
        normalize_and_extract,
        batches,
        learned=learned,
        key=key,
        database=settings.database,
        rules=pipeline.cleaning_key(),
    )
    with collector_paused():
        by_name = cached | {p.document.name: p for packed in done for p in packed.take()}
    releases = [held[n] if n in held else Release.of(by_name[n]) for n, _ in readable]
    changed = [by_name[name] for name, _ in rest]
    return Extracted(releases, changed, len(todo), learned, key)


def clean_and_extract(
    sources: list[SourceFile], settings: config.Settings, force: bool, workers: Workers
) -> tuple[Extracted, list[Rejected], int]:
    """Facts of every release, the releases that could not be decoded, and how many releases
    were parsed."""
    logger = workers.steps.logger()
    readable, fresh, undecodable, parsed = clean_all(sources, settings, force, workers)
    for failure in undecodable:
        logger.warning("set aside %s: %s", failure.name, failure.reason)
    logger.info(
        "parse: %d releases parsed, %d from the store",
        parsed,
        len(readable) - parsed + len(undecodable),
    )
    return extract_all(readable, fresh, settings, force, workers), undecodable, parsed


@task(
    name="compare with earlier runs",
    cache_policy=NO_CACHE,
    retries=STORE_RETRIES,
    retry_delay_seconds=STORE_RETRY_DELAYS,
    retry_condition_fn=store_unavailable,
)
def compare(
    extracted: Extracted, inventory: Inventory, database: str
) -> tuple[list[VersionChange], list[str], list[FactDelta]]:
    """Text diffs against previous versions, withdrawn documents, and the facts that changed."""
    rules = pipeline.cleaning_key()
    current = {r.name: r.sha256 for r in extracted.releases}
    changed = {p.document.name: p for p in extracted.changed}
    with Store.open(database) as store:
        pairs: list[tuple[CleanedDocument, NormalizedDocument]] = []
        previous = store.previous_versions(current)
        unread = {(name, current[name]) for name in previous if name not in changed}
        documents = changed | store.processed(unread, extracted.fingerprint)
        for name, earlier in previous.items():
            cached = store.cleaned([earlier.sha256], rules).get(earlier.sha256)
            old = [cached] if cached else pipeline.first_pass(pipeline.parse_sources([earlier])[0])
            pairs.extend((o, documents[name].document) for o in old)
        withdrawn = sorted((set(store.withdrawn()) | set(inventory.removed)) - set(current))
        with collector_paused():
            deltas = pipeline.fact_changes(
                current, extracted.changed, store.versions_in_snapshot(), store.snapshot
            )
    return pipeline.version_changes(pairs, extracted.learned), withdrawn, deltas


def stored_releases(
    releases: list[tuple[str, str]], key: str, database: str
) -> list[ProcessedDocument]:
    """Releases (name, hash) as processed under KEY, read from the store in their order."""
    with Store.open(database) as store, collector_paused():
        processed = store.processed(set(releases), key)
    return [processed[name] for name, _ in releases]


@dataclass(frozen=True)
class PagePlan:
    """What the pages and sections of a run's tracked facts and releases are rendered from,
    and which need rendering."""

    items: dict[str, str]
    pages: dict[str, str]
    settled: frozenset[str]
    tracked: dict[str, list[str]]
    releases: list[tuple[str, str, str]]


@task(
    name="plan pages",
    cache_policy=NO_CACHE,
    retries=STORE_RETRIES,
    retry_delay_seconds=STORE_RETRY_DELAYS,
    retry_condition_fn=store_unavailable,
)
def plan_pages(
    extracted: Extracted, code: str, reports: Path, database: str, force: bool
) -> PagePlan:
    """The tracked facts and releases whose inputs changed since their pages and sections
    were rendered (every one when FORCE), and the releases among them (name, hash, digest).
    The page digests of those are dropped first: should the run stop halfway, none of their
    pages is taken for up to date by a later run."""
    tracked = pipeline.tracked(extracted.releases)
    items = render.item_digests(extracted.releases, tracked, code + extracted.fingerprint)
    pages = render.page_digests(items)
    with Store.open(database) as store:
        pages_before = {} if force else store.page_digests(str(reports))
        keys, names = ({}, {}) if force else store.section_digests(str(reports))
        sections = render.section_items(keys, names)
        settled = render.settled_items(reports, items, pages, pages_before, sections)
        stale = sorted(page for item in set(items) - settled for page in render.item_pages(item))
        store.forget_page_digests(str(reports), stale)
    releases = [
        (r.name, r.sha256, items[item])
        for r in extracted.releases
        if (item := render.release_item(r.name)) not in settled
    ]
    return PagePlan(items, pages, frozenset(settled), tracked, releases)


@task(
    name="render releases",
    cache_policy=NO_CACHE,
    retries=STORE_RETRIES,
    retry_delay_seconds=STORE_RETRY_DELAYS,
    retry_condition_fn=store_unavailable,
)
def render_releases(
    batch: Batch[tuple[str, str, str]],
    key: str,
    pages: frozenset[str],
    templates: Path,
    reports: Path,
    database: str,
) -> list[str]:
    """Write the pages and keep the sections of a batch of releases (name, hash, digest),
    read processed from the store."""
    documents = stored_releases([(name, sha256) for name, sha256, _ in batch.items], key, database)
    digests = {name: digest for name, _, digest in batch.items}
    sections = pipeline.release_sections(documents, digests, templates)
    with Store.open(database) as store:
        store.save_release_sections(str(reports), sections)
    return render.write_files(reports, render.document_pages(documents, pages, templates))


@task(
    name="link and render",
    cache_policy=NO_CACHE,
    retries=STORE_RETRIES,
    retry_delay_seconds=STORE_RETRY_DELAYS,
    retry_condition_fn=store_unavailable,
)
def link_and_render(
    extracted: Extracted,
    plan: PagePlan,
    deltas: list[FactDelta],
    templates: Path,
    reports: Path,
    database: str,
) -> tuple[list[str], list[KeySection], list[FactChange]]:
    """Link again the tracked facts whose releases changed, write their pages and keep their
    sections; the sections of every tracked fact, in key order, come back, with the figures
    the facts added by this run (DELTAS) moved."""
    version = pipeline.comparison_key()
    todo = [key for key in plan.tracked if render.key_item(key) not in plan.settled]
    current = {r.name for r in extracted.releases}
    kept = {
        key: plan.items[item]
        for key in plan.tracked
        if (item := render.key_item(key)) in plan.settled
    }
    with Store.open(database) as store:
        stated = store.stated_facts(todo)
        facts = pipeline.key_facts(todo, current, extracted.changed, stated)
        known = partial(store.comparisons, version)
        linked = pipeline.link_keys(extracted.releases, facts, known, templates)
        written = render.write_files(
            reports, render.metric_pages(linked.timelines, linked.titles, templates)
        )
        stop_here("fact pages written")
        fresh = {s.key: (plan.items[render.key_item(s.key)], s) for s in linked.sections}
        store.save_comparisons(version, linked.compared)
        store.save_key_sections(str(reports), fresh)
        sections = store.key_sections(str(reports), kept, claims=False)
    sections |= {key: section for key, (_, section) in fresh.items()}
    moved = pipeline.moved_by(linked.timelines, deltas)
    return written, [sections[key] for key in plan.tracked], moved


@task(
    name="write summary files",
    cache_policy=NO_CACHE,
    retries=STORE_RETRIES,
    retry_delay_seconds=STORE_RETRY_DELAYS,
    retry_condition_fn=store_unavailable,
)
def write_summary(
    keys: list[KeySection],
    overview: render.Overview,
    plan: PagePlan,
    releases: list[str],
    templates: Path,
    reports: Path,
    database: str,
    force: bool,
) -> list[str]:
    """Write the overview, reworded-claims and export files from the sections of every tracked
    fact and release (RELEASES: names in report order), copying the parts in place in the
    files as last written (none when FORCE); sections of items gone are dropped."""
    wanted = {name: plan.items[render.release_item(name)] for name in releases}
    folder = str(reports)
    with Store.open(database) as store:
        found = store.release_sections(folder, wanted, exports=False)
        store.prune_sections(folder, plan.tracked, wanted)
        sections = [found[name] for name in releases]
        before = {} if force else render.layouts_in_place(reports, store.summary_layouts(folder))
        kept = render.Kept(
            plan.items,
            before,
            partial(store.release_exports, folder),
            partial(store.key_claims, folder),
        )
        files = render.summary_files(keys, sections, overview, templates, kept)
        written, layouts = render.write_summary_files(reports, files, before)
        store.save_summary_layouts(folder, layouts)
        return written


@task(
    name="remove stale pages",
    cache_policy=NO_CACHE,
    retries=STORE_RETRIES,
    retry_delay_seconds=STORE_RETRY_DELAYS,
    retry_condition_fn=store_unavailable,
)
def remove_stale_pages(reports: Path, pages: Collection[str]) -> list[str]:
    """Remove the metric and release pages the report no longer has."""
    return render.remove_stale_pages(reports, pages)


@task(
    name="finish run",
    cache_policy=NO_CACHE,
    retries=STORE_RETRIES,
    retry_delay_seconds=STORE_RETRY_DELAYS,
    retry_condition_fn=store_unavailable,
)
def finish(
    database: str,
    run_id: int,
    inventory: Inventory,
    failed: list[Rejected],
    status: str,
    deltas: list[FactDelta],
    extracted: Extracted | None,
    sources: list[SourceFile],
    outcome: tuple[str, str, int, int] | None,
    pages: dict[str, str] | None = None,
) -> None:
    """Record, in one transaction, how the run ended: the versions it read, the facts now
    stated, what changed and what the report pages were rendered from. A run that does not
    get here leaves no results behind."""
    with Store.open(database) as store:
        store.finish_run(
            run_id,
            inventory,
            failed,
            status,
            deltas,
            extracted.fingerprint if extracted else None,
            [r.name for r in extracted.releases] if extracted else None,
            extracted.changed if extracted else (),
            sources,
            outcome,
            pages,
        )


def progress(items: list[T], doing: str, releases: int) -> Iterable[T]:
    """Items, with a progress bar on the terminal when the command line asked for one."""
    if os.environ.get(PROGRESS_VARIABLE) != "1" or releases < PROGRESS_MIN_ITEMS:
        return items
    from rich.progress import track

    return track(items, description=f"{doing}: {releases} releases", transient=True)


def publish(record: RunRecord, deltas: list[FactDelta]) -> None:
    """Prefect artifacts of the run: a summary, and the table of fact changes."""
    create_markdown_artifact(
        key="usrok-run-summary",
        markdown=render.run_summary(record, deltas),
        description="Run summary",
    )
    create_table_artifact(
        key="usrok-fact-changes",
        table=render.delta_rows(deltas) or [{"change": "none"}],
        description="Facts added and removed by this run",
    )


def announce(
    moved: list[FactChange],
    failed: list[Rejected],
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
) -> None:
    """Prefect events of the run, for automations to notify on: each figure moved and each
    file set aside."""
    labels = load_catalog().labels
    for spec in events.run_events(moved, failed, labels):
        emit_event(event=spec.event, resource=spec.resource, payload=spec.payload)
    if len(moved) > events.MAX_FACT_EVENTS:
        logger.info(
            "events: %d figures moved, the first %d announced",
            len(moved),
            events.MAX_FACT_EVENTS,
        )


@flow(name=FLOW_NAME, log_prints=True)
def run_pipeline(
    seeds: str | None = None,
    reports: str | None = None,
    state_dir: str | None = None,
    force: bool = False,
) -> RunSummary:
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
    return run_locked(run_settings(seeds, reports, state_dir), force, Steps())


def run_plain(
    seeds: str | None = None,
    reports: str | None = None,
    state_dir: str | None = None,
    force: bool = False,
) -> RunSummary:
    """The same run as plain function calls in this process, without Prefect: the floor the
    benchmark measures the flow against."""
    return run_locked(run_settings(seeds, reports, state_dir), force, Steps(plain=True))


def run_settings(seeds: str | None, reports: str | None, state_dir: str | None) -> config.Settings:
    """The settings of a run, with the folders it was given."""
    return config.settings(
        Path(seeds) if seeds else None,
        Path(reports) if reports else None,
        Path(state_dir) if state_dir else None,
    )


def run_locked(settings: config.Settings, force: bool, steps: Steps) -> RunSummary:
    """A run under the state lock."""
    with run_lock(settings.state_dir, settings.database):
        try:
            # What exists before the run (Prefect, the modules) outlives it: the collector's
            # full passes need not walk it (they took a tenth of a run that adds a release).
            gc.freeze()
            return process_seeds(settings, force, steps)
        finally:
            gc.unfreeze()


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
        return run_pipeline(seeds, reports, state_dir, force)


def process_seeds(settings: config.Settings, force: bool, steps: Steps) -> RunSummary:
    """The run itself, under the state lock: a flow run's, or plain calls' (STEPS)."""
    logger = steps.logger()
    run_id, sources, unreadable, inventory = steps(ingest)(
        settings.seeds, settings.database, settings.max_file_bytes
    )
    stop_here("ingested")
    logger.info(
        "ingest: %d new, %d changed, %d unchanged, %d removed, %d unreadable",
        len(inventory.new),
        len(inventory.changed),
        len(inventory.unchanged),
        len(inventory.removed),
        len(unreadable),
    )
    code = pipeline.code_key(settings.templates)
    with Store.open(settings.database) as store:
        last = store.last_run()
        number = store.finished_runs() + 1
    files = (len(inventory.new), len(inventory.changed), len(inventory.removed))
    names = [failure.name for failure in unreadable]
    if (
        not force
        and last is not None
        and pipeline.nothing_to_do(files, names, last, code, str(settings.reports))
        and (settings.reports / "index.html").exists()
    ):
        logger.info("nothing changed since run %d: reports left as they are", number - 1)
        steps(finish)(
            settings.database,
            run_id,
            large(inventory),
            list(last.failures),
            last.status,
            [],
            None,
            [],
            (code, str(settings.reports), last.facts, last.recurring),
        )
        steps.publish(pipeline.run_record(number, files, len(last.failures), []), [], [], [])
        return summary(
            run_id,
            last.status,
            inventory,
            list(last.failures),
            0,
            0,
            last.facts,
            last.recurring,
            settings.reports,
            [],
        )
    failed = list(unreadable)
    for failure in unreadable:
        logger.warning("set aside %s: %s", failure.name, failure.reason)
    extracted: Extracted | None = None
    deltas: list[FactDelta] = []
    try:
        with Workers(settings.workers, settings.cluster, steps) as workers:
            extracted, undecodable, parsed = clean_and_extract(sources, settings, force, workers)
            # The run's records live to its end: later collections need not walk them.
            gc.freeze()
            failed += undecodable
            facts = sum(r.facts for r in extracted.releases)
            logger.info(
                "extract: %d releases processed, %d from the store, %d facts",
                extracted.fresh,
                len(extracted.releases) - extracted.fresh,
                facts,
            )
            versions, withdrawn, deltas = steps(compare)(
                large(extracted), large(inventory), settings.database
            )
            stop_here("compared")
            logger.info(
                "compare: %d facts added, %d removed",
                sum(d.change == "added" for d in deltas),
                sum(d.change == "removed" for d in deltas),
            )
            status = pipeline.run_status(len(sources) + len(unreadable), len(failed))
            with Store.open(settings.database) as store:
                record = pipeline.run_record(number, files, len(failed), deltas)
                history, shown = pipeline.history_to_show(
                    store.history(), record, deltas, store.latest_deltas
                )
            plan = steps(plan_pages)(
                large(extracted), code, settings.reports, settings.database, force
            )
            stop_here("pages planned")
            # Release pages and sections need no linking: worker processes, when they run,
            # render them meanwhile.
            shared: dict[str, Any] = {
                "key": extracted.fingerprint,
                "pages": frozenset(plan.tracked),
                "templates": settings.templates,
                "reports": settings.reports,
                "database": settings.database,
            }
            batches = pipeline.batches(plan.releases, settings.workers)
            elsewhere = workers.start(render_releases, batches, **shared)
            written = (
                [] if elsewhere else steps(render_releases)(large(Batch(plan.releases)), **shared)
            )
            stop_here("release pages written")
            linked, keys, moved = steps(link_and_render)(
                large(extracted),
                large(plan),
                large(deltas),
                settings.templates,
                settings.reports,
                settings.database,
            )
            written += linked + [path for future in elsewhere or [] for path in future.result()]
            stop_here("linked")
            overview = pipeline.overview(versions, failed, withdrawn, history, shown)
            written += steps(write_summary)(
                large(keys),
                large(overview),
                large(plan),
                large(sorted(r.name for r in extracted.releases)),
                settings.templates,
                settings.reports,
                settings.database,
                force,
            )
            stop_here("summary files written")
            written = sorted(
                written + steps(remove_stale_pages)(settings.reports, large(plan.pages))
            )
            stop_here("stale pages removed")
            recurring = len(plan.tracked)
        logger.info(
            "report: %d recurring facts, %d files written to %s",
            recurring,
            len(written),
            settings.reports,
        )
    except Exception:
        steps(finish)(
            settings.database,
            run_id,
            large(inventory),
            large(failed),
            pipeline.FAILED,
            large(deltas),
            None,
            [],
            None,
        )
        raise
    # Unchanged files are stored already, as the latest version of their release.
    stored = set(inventory.unchanged)
    steps(finish)(
        settings.database,
        run_id,
        large(inventory),
        large(failed),
        status,
        large(deltas),
        large(extracted),
        large([source for source in sources if source.name not in stored]),
        (code, str(settings.reports), facts, recurring),
        large(plan.pages),
    )
    stop_here("finished")
    steps.publish(record, deltas, moved, failed)
    if status == pipeline.FAILED:
        raise RuntimeError(f"no release could be read: {len(failed)} files set aside")
    return summary(
        run_id,
        status,
        inventory,
        failed,
        parsed,
        extracted.fresh,
        facts,
        recurring,
        settings.reports,
        written,
    )


def summary(
    run_id: int,
    status: str,
    inventory: Inventory,
    failed: list[Rejected],
    parsed: int,
    processed: int,
    facts: int,
    recurring: int,
    reports: Path,
    written: list[str],
) -> RunSummary:
    """What the run did, for the command line."""
    return RunSummary(
        run_id=run_id,
        status=status,
        new=inventory.new,
        changed=inventory.changed,
        unchanged=inventory.unchanged,
        removed=inventory.removed,
        failed=tuple(failed),
        processed=processed,
        parsed=parsed,
        facts=facts,
        recurring=recurring,
        reports=str(reports),
        written=tuple(written),
    )
