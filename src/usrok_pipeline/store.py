"""The state store (SQLite by default, PostgreSQL by URL): the product of the runs (runs,
documents and their versions, failures, the facts each release states, each run's fact
changes) and one table of cached results of the expensive per-release steps."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import itertools
import json
import os
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    make_url,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from .records import (
    Fact,
    FactChange,
    FactDelta,
    LastRun,
    Rejected,
    RunRecord,
    SourceFile,
    canonical_json,
    fact_change,
)

LOCK_FILE = "run.lock"
# The state folders this process holds the run lock of, with its pid: a forked worker holds
# none.
LOCKS_HELD: set[tuple[int, Path]] = set()
FINISHED = "('completed', 'completed with failures', 'failed')"
SQLITE_BUSY_SECONDS = 30
POSTGRESQL_DISK_FULL = "53100"  # SQLSTATE disk_full
# DatabaseError: an SQLite URL that names a file that is no database.
OPEN_ERRORS = (ArgumentError, NoSuchModuleError, ImportError, OperationalError, DatabaseError)
INSERT_CHUNK = 1000
ENGINES_KEPT = 4
ENGINES: dict[tuple[int, str, tuple[int, int] | None], Engine] = {}
NAMES_PER_QUERY = 1000
METADATA = MetaData()
T = TypeVar("T")
RUNS = Table(
    "runs",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", Text, nullable=False),
    Column("finished_at", Text),
    Column("seeds", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="running"),
    *(
        Column(count, Integer, nullable=False, server_default="0")
        for count in (
            "new",
            "changed",
            "unchanged",
            "removed",
            "failed",
            "facts_added",
            "facts_removed",
        )
    ),
    Column("code", Text),
    Column("reports", Text),
    Column("facts", Integer),
    Column("recurring", Integer),
    Column("news", Text),
    sqlite_autoincrement=True,
)
DOCUMENTS = Table(
    "documents",
    METADATA,
    Column("name", Text, primary_key=True),
    Column("first_run", Integer, ForeignKey("runs.id"), nullable=False),
    Column("withdrawn_run", Integer, ForeignKey("runs.id")),
)
VERSIONS = Table(
    "versions",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, ForeignKey("documents.name"), nullable=False),
    Column("sha256", Text, nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("content", LargeBinary, nullable=False),
    UniqueConstraint("name", "sha256"),
    sqlite_autoincrement=True,
)
FAILURES = Table(
    "failures",
    METADATA,
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("seq", Integer, nullable=False, server_default="0"),
)
RUN_FACTS = Table(
    "run_facts",
    METADATA,
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("change", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("seq", Integer, nullable=False, server_default="0"),
)
# The facts each current release states, as the last run that produced facts read them, and
# the cache key they were extracted under: the next run compares its facts with these.
FACTS = Table(
    "facts",
    METADATA,
    Column("name", Text, primary_key=True),
    Column("sha256", Text, nullable=False),
    Column("extraction", Text, nullable=False),
    Column("facts", Text, nullable=False),
)
# Results of the per-release steps that cost, by step and by a key that digests everything
# the result depends on; a run keeps the entries it used and drops the rest.
CACHE = Table(
    "cache",
    METADATA,
    Column("step", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("payload", Text, nullable=False),
    PrimaryKeyConstraint("step", "key"),
)
# Columns added after the first release of the store; older databases gain them on open.
COLUMNS_ADDED = (
    ("runs", "code", "TEXT"),
    ("runs", "reports", "TEXT"),
    ("runs", "facts", "INTEGER"),
    ("runs", "recurring", "INTEGER"),
    ("runs", "news", "TEXT"),
    ("failures", "seq", "INTEGER NOT NULL DEFAULT 0"),
    ("run_facts", "seq", "INTEGER NOT NULL DEFAULT 0"),
)
# Tables of earlier versions that nothing reads any more; older databases lose them on open
# (the facts of `snapshot` are carried into `facts` first).
TABLES_DROPPED = (
    "boilerplate_basis",
    "boilerplate_counts",
    "cleaned",
    "comparisons",
    "files_seen",
    "key_sections",
    "processed",
    "release_sections",
    "report_pages",
    "snapshot",
    "statements",
    "summary_layouts",
)


class StoreError(RuntimeError):
    """A state store that cannot be opened: a bad URL, a missing driver, a server down."""


@dataclass(frozen=True)
class Inventory:
    """How the files of a run compare with the versions already stored."""

    new: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class Stated:
    """What a release states, as a run stores it: its version, the cache key its facts were
    extracted under, and the facts."""

    name: str
    sha256: str
    extraction: str
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class Ending:
    """How a run ended, all of it recorded in one transaction: the files it read (versions
    stored for those given with their bytes), what it could not use, its status and fact
    changes; and, for a run that produced a report, the facts now stated (CURRENT names
    every release, STATED those whose facts changed), what the report says (code, report
    folder, facts, recurring facts), the cache entries to keep and those to save, by step."""

    inventory: Inventory
    failures: Sequence[Rejected]
    status: str
    deltas: Sequence[FactDelta] = ()
    sources: Sequence[SourceFile] = ()
    current: Collection[str] | None = None
    stated: Sequence[Stated] = ()
    outcome: tuple[str, str, int, int] | None = None
    cached: Mapping[str, Collection[str]] = field(default_factory=dict)
    saved: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    news: Sequence[FactChange] = ()


def in_chunks(items: Sequence[T], size: int = NAMES_PER_QUERY) -> Iterator[Sequence[T]]:
    """Items in slices of SIZE, for queries and inserts that must stay below the database's
    limit on parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def now() -> str:
    """The current UTC time of the run records; SOURCE_DATE_EPOCH (seconds since 1970, the
    reproducible-builds convention) stands for it, so that a report of the same inputs can
    be rebuilt byte for byte, dates of its run history included."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return moment.isoformat(timespec="seconds")


def shown_url(url: str) -> str:
    """A store URL fit for messages and logs: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


def is_postgresql(url: str) -> bool:
    """Whether a store URL names a PostgreSQL server."""
    try:
        return make_url(url).get_backend_name() == "postgresql"
    except ArgumentError:
        return False


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and write transactions that take
    the write lock at BEGIN, so that two writers never deadlock half-way."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, not by sqlite3
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def process_engine(url: str) -> Engine:
    """This process's engine for the URL, its tables created or brought up to date once, as
    SQLAlchemy advises (an engine per process, kept): an engine per task, each checking every
    table, cost a run at 10,000 releases half a second. An SQLite file deleted or replaced
    since gets a new engine, the old one closed first; only the last few stores keep theirs."""
    pid = os.getpid()
    identity = (pid, url, database_file_identity(url))
    engine = ENGINES.pop(identity, None)
    stale = [key for key in ENGINES if key[1] == url]
    while len(ENGINES) - len(stale) >= ENGINES_KEPT:
        stale.append(next(key for key in ENGINES if key not in stale))
    for key in stale:
        ENGINES.pop(key).dispose(close=key[0] == pid)  # not a parent process's connections
    if engine is None:
        engine = make_engine(url)
        try:
            with engine.begin() as db:
                METADATA.create_all(db)
                add_missing_columns(db)
                drop_old_tables(db)
        except BaseException:
            engine.dispose()
            raise
        identity = (pid, url, database_file_identity(url))  # the file may be new
    ENGINES[identity] = engine
    return engine


def database_file_identity(url: str) -> tuple[int, int] | None:
    """Which file an SQLite URL names now (device, inode); None for a server or no file yet."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    try:
        found = Path(parsed.database).stat()
    except OSError:
        return None
    return (found.st_dev, found.st_ino)


def is_transient(error: BaseException | None) -> bool:
    """Whether an error may pass when the work is tried again: the database was out of reach
    or busy, or dropped the connection (an error or any error it was raised from)."""
    while error is not None:
        if (isinstance(error, OperationalError) and not is_disk_full(error)) or (
            isinstance(error, DBAPIError) and error.connection_invalidated
        ):
            return True
        error = error.__cause__
    return False


def is_disk_full(error: DBAPIError) -> bool:
    """Whether the database said its disk is full: that does not pass within seconds."""
    reason = error.orig
    return (
        getattr(reason, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        or getattr(reason, "sqlstate", None) == POSTGRESQL_DISK_FULL
    )


def cannot_open(url: str, error: Exception) -> StoreError:
    """The error a command shows for a store it cannot use: the URL, password hidden, and the
    driver's own reason."""
    reason = getattr(error, "orig", None) or error
    return StoreError(f"cannot open the state store {shown_url(url)}: {reason}")


def store_failure(error: Exception, url: str) -> StoreError | None:
    """The error a command shows for a store that failed during a run (its disk full, its
    server gone), or None for an error that is not the store's."""
    if not isinstance(error, SQLAlchemyError):
        return None
    reason = getattr(error, "orig", None) or error
    return StoreError(f"the state store {shown_url(url)} failed: {reason}")


def dialect_insert(db: Connection, table: Table) -> Any:
    """An INSERT that can take ON CONFLICT clauses, in the connection's dialect."""
    dialect = postgresql if db.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def check_store(url: str) -> None:
    """Connect once to the state store of the URL, so that a command stops before Prefect
    starts when it cannot be used: a server down, or an SQLite file that is no database (an
    SQLite file not there yet is made on first use)."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and not (
            parsed.database and Path(parsed.database).is_file()
        ):
            return
        engine = make_engine(url)
        try:
            with engine.connect():
                pass
        finally:
            engine.dispose()
    except OPEN_ERRORS as error:
        raise cannot_open(url, error) from error


def carry_snapshot(db: Connection) -> None:
    """Carry the facts of an earlier version's snapshot into the facts table, so that the
    first run after an upgrade reports no fact as new that was stated before."""
    found = set(inspect(db).get_table_names())
    if "snapshot" not in found:
        return
    columns = {c["name"] for c in inspect(db).get_columns("snapshot")}
    sha256 = "COALESCE(sha256, '')" if "sha256" in columns else "''"
    db.exec_driver_sql(
        f"INSERT INTO facts (name, sha256, extraction, facts) "
        f"SELECT name, {sha256}, '', facts FROM snapshot WHERE name NOT IN (SELECT name FROM facts)"
    )


def drop_old_tables(db: Connection) -> None:
    """Drop the tables an earlier version kept and this one does not read."""
    carry_snapshot(db)
    for table in sorted(set(TABLES_DROPPED) & set(inspect(db).get_table_names())):
        db.exec_driver_sql(f"DROP TABLE {table}")


def add_missing_columns(db: Connection) -> None:
    """Bring a state store written by an earlier version up to the current tables."""
    inspector = inspect(db)
    for table, column, kind in COLUMNS_ADDED:
        if column not in {c["name"] for c in inspector.get_columns(table)}:
            db.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def upsert(
    db: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """Insert rows; a row whose keys exist already replaces the other columns."""
    if not rows:
        return
    statement = dialect_insert(db, table)
    updated = [name for name in rows[0] if name not in keys]
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in updated}
    )
    db.execute(statement, rows)


def insert_rows(db: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    """Plain inserts, a thousand rows at a time, so that the rows of a large run are never
    all built at once."""
    pending = iter(rows)
    while chunk := list(itertools.islice(pending, INSERT_CHUNK)):
        db.execute(table.insert(), chunk)


def delete_named(db: Connection, column: Any, names: Iterable[str], *where: Any) -> None:
    """Delete the rows whose COLUMN is one of NAMES (and WHERE holds), a thousand a query."""
    for chunk in in_chunks(sorted(names)):
        db.execute(column.table.delete().where(column.in_(chunk), *where))


def record_sources(
    db: Connection, run_id: int, sources: Sequence[SourceFile], removed: Sequence[str]
) -> None:
    """Versions of the files a run read, and withdrawals, inside the caller's transaction."""
    documents = [{"name": s.name, "first_run": run_id, "withdrawn_run": None} for s in sources]
    if documents:
        statement = dialect_insert(db, DOCUMENTS)
        db.execute(
            statement.on_conflict_do_update(index_elements=["name"], set_={"withdrawn_run": None}),
            documents,
        )
    for chunk in in_chunks(sources, INSERT_CHUNK):
        rows = [
            {"name": s.name, "sha256": s.sha256, "content": s.data, "run_id": run_id} for s in chunk
        ]
        upsert(db, VERSIONS, rows, ("name", "sha256"))
    if removed:
        db.execute(
            DOCUMENTS.update()
            .where(DOCUMENTS.c.name.in_(list(removed)))
            .values(withdrawn_run=run_id)
        )


def replace_facts(db: Connection, current: Collection[str], stated: Sequence[Stated]) -> None:
    """Make the facts table those of the CURRENT releases, rewriting those STATED anew."""
    known = {name for (name,) in db.execute(select(FACTS.c.name))}
    delete_named(db, FACTS.c.name, (known - set(current)) | {s.name for s in stated})
    insert_rows(
        db,
        FACTS,
        (
            {
                "name": s.name,
                "sha256": s.sha256,
                "extraction": s.extraction,
                "facts": "[" + ", ".join(canonical_json(f) for f in s.facts) + "]",
            }
            for s in stated
        ),
    )


def put_cached(db: Connection, step: str, entries: Mapping[str, str]) -> None:
    """Cache results of STEP by key, inside the caller's transaction; a key names its result,
    so a result kept twice is the same."""
    rows = [{"step": step, "key": k, "payload": p} for k, p in sorted(entries.items())]
    for chunk in in_chunks(rows, INSERT_CHUNK):
        upsert(db, CACHE, chunk, ("step", "key"))


def keep_cached(db: Connection, step: str, keys: Collection[str]) -> None:
    """Drop the cache entries of STEP that are not among KEYS."""
    found = {key for (key,) in db.execute(select(CACHE.c.key).where(CACHE.c.step == step))}
    delete_named(db, CACHE.c.key, found - set(keys), CACHE.c.step == step)


class Store:
    """The state database; every write happens inside a transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    @contextmanager
    def open(cls, url: str) -> Iterator[Store]:
        """Open (creating the tables if needed) the database at a URL."""
        try:
            engine = process_engine(url)
        except OPEN_ERRORS as error:
            raise cannot_open(url, error) from error
        yield cls(engine)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """All or nothing: commit on success, roll back on any error."""
        with self.engine.begin() as db:
            yield db

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for queries."""
        with self.engine.connect() as db:
            yield db

    def begin_run(self, seeds: str) -> int:
        """Record the start of a run and return its id; runs left unfinished by a crash are
        marked interrupted (they recorded nothing else: a run writes its results at its end)."""
        with self.transaction() as db:
            db.execute(
                RUNS.update()
                .where(RUNS.c.finished_at.is_(None))
                .values(status="interrupted", finished_at=now())
            )
            inserted = RUNS.insert().values(started_at=now(), seeds=seeds).returning(RUNS.c.id)
            return int(db.execute(inserted).scalar_one())

    def latest_versions(self) -> dict[str, str]:
        """The hash of the newest version of every document still present."""
        with self.reading() as db:
            rows = db.execute(
                text(
                    """SELECT v.name, v.sha256 FROM versions v
                       JOIN documents d ON d.name = v.name
                       WHERE d.withdrawn_run IS NULL
                         AND v.id = (SELECT id FROM versions WHERE name = v.name
                                     ORDER BY run_id DESC, id DESC LIMIT 1)"""
                )
            )
            # dict(rows) would take the result, which has keys(), for a mapping.
            return {name: sha256 for name, sha256 in rows}  # noqa: C416

    def inventory(self, sources: Sequence[SourceFile]) -> Inventory:
        """Which files are new, changed, unchanged, and which stored documents are gone."""
        known = self.latest_versions()
        present = {source.name for source in sources}
        return Inventory(
            new=tuple(s.name for s in sources if s.name not in known),
            changed=tuple(s.name for s in sources if s.name in known and known[s.name] != s.sha256),
            unchanged=tuple(s.name for s in sources if known.get(s.name) == s.sha256),
            removed=tuple(sorted(name for name in known if name not in present)),
        )

    def withdrawn(self) -> list[str]:
        """Documents whose files were removed from the seeds folder."""
        with self.reading() as db:
            rows = db.execute(
                text("SELECT name FROM documents WHERE withdrawn_run IS NOT NULL ORDER BY name")
            )
            return [name for (name,) in rows]

    def previous_versions(self, current: Mapping[str, str]) -> dict[str, SourceFile]:
        """For each document (name: hash), the version stored just before the one with this
        hash, when there is one; only the versions found are read whole."""
        latest: dict[str, tuple[int, int, str]] = {}
        with self.reading() as db:
            for name, sha256, run_id, row_id in db.execute(
                text("SELECT name, sha256, run_id, id FROM versions")
            ):
                if name in current and sha256 != current[name]:
                    latest[name] = max(
                        latest.get(name, (run_id, row_id, sha256)), (run_id, row_id, sha256)
                    )
            query = text("SELECT content FROM versions WHERE id = :id")
            return {
                name: SourceFile(
                    name, sha256, bytes(db.execute(query, {"id": row_id}).scalar_one())
                )
                for name, (_, row_id, sha256) in sorted(latest.items())
            }

    def cached(self, step: str, keys: Collection[str]) -> dict[str, str]:
        """The cached results of STEP under KEYS, by key, a thousand keys a query."""
        found: dict[str, str] = {}
        with self.reading() as db:
            for chunk in in_chunks(sorted(keys)):
                query = select(CACHE.c.key, CACHE.c.payload).where(
                    CACHE.c.step == step, CACHE.c.key.in_(chunk)
                )
                found.update((key, payload) for key, payload in db.execute(query))
        return found

    def cached_keys(self, step: str, keys: Collection[str]) -> set[str]:
        """The keys among KEYS that STEP has results cached under."""
        found: set[str] = set()
        with self.reading() as db:
            for chunk in in_chunks(sorted(keys)):
                query = select(CACHE.c.key).where(CACHE.c.step == step, CACHE.c.key.in_(chunk))
                found.update(key for (key,) in db.execute(query))
        return found

    def save_cached(self, step: str, entries: Mapping[str, str]) -> None:
        """Cache results of STEP by key, in one transaction."""
        with self.transaction() as db:
            put_cached(db, step, entries)

    def extractions(self) -> dict[str, str]:
        """The cache key the stored facts of each release were extracted under, by name."""
        with self.reading() as db:
            query = select(FACTS.c.name, FACTS.c.extraction)
            # dict(rows) would take the result, which has keys(), for a mapping.
            return {name: extraction for name, extraction in db.execute(query)}  # noqa: C416

    def stated_facts(self, names: Collection[str]) -> list[Fact]:
        """The facts stored of the named releases, in name order."""
        rows: list[tuple[str, str]] = []
        with self.reading() as db:
            for chunk in in_chunks(sorted(names)):
                query = select(FACTS.c.name, FACTS.c.facts).where(FACTS.c.name.in_(chunk))
                rows.extend((name, facts) for name, facts in db.execute(query))
        return [Fact(**fact) for _, facts in sorted(rows) for fact in json.loads(facts)]

    def finish_run(self, run_id: int, ending: Ending) -> None:
        """Record how a run ended, in one transaction: a run that does not get here leaves
        no results behind."""
        deltas = ending.deltas
        added = sum(1 for d in deltas if d.change == "added")
        code, reports, facts, recurring = ending.outcome or (None, None, None, None)
        with self.transaction() as db:
            if ending.current is not None:
                record_sources(db, run_id, ending.sources, ending.inventory.removed)
                replace_facts(db, ending.current, ending.stated)
            for step, keys in sorted(ending.cached.items()):
                keep_cached(db, step, keys)
            for step, entries in sorted(ending.saved.items()):
                put_cached(db, step, entries)
            insert_rows(
                db,
                FAILURES,
                (
                    {"run_id": run_id, "name": f.name, "reason": f.reason, "seq": seq}
                    for seq, f in enumerate(ending.failures)
                ),
            )
            insert_rows(
                db,
                RUN_FACTS,
                (
                    {"run_id": run_id, "change": d.change, "payload": canonical_json(d.fact)}
                    | {"seq": seq}
                    for seq, d in enumerate(deltas)
                ),
            )
            inventory = ending.inventory
            db.execute(
                RUNS.update()
                .where(RUNS.c.id == run_id)
                .values(
                    finished_at=now(),
                    status=ending.status,
                    new=len(inventory.new),
                    changed=len(inventory.changed),
                    unchanged=len(inventory.unchanged),
                    removed=len(inventory.removed),
                    failed=len(ending.failures),
                    facts_added=added,
                    facts_removed=len(deltas) - added,
                    code=code,
                    reports=reports,
                    facts=facts,
                    recurring=recurring,
                    news=canonical_json(ending.news),
                )
            )

    def last_run(self) -> LastRun | None:
        """The latest run that finished with results (not interrupted, not failed)."""
        with self.reading() as db:
            row = db.execute(
                text(
                    """SELECT id, code, reports, status, facts, recurring FROM runs
                       WHERE status IN ('completed', 'completed with failures')
                         AND code IS NOT NULL
                       ORDER BY id DESC LIMIT 1"""
                )
            ).first()
            if row is None:
                return None
            failures = db.execute(
                text("SELECT name, reason FROM failures WHERE run_id = :run ORDER BY seq"),
                {"run": row[0]},
            )
            return LastRun(
                row[1], row[2], row[3], row[4], row[5], tuple(Rejected(*f) for f in failures)
            )

    def finished_runs(self) -> int:
        """How many runs finished (interrupted ones do not count): the next run's number."""
        with self.reading() as db:
            count = db.execute(text(f"SELECT COUNT(*) FROM runs WHERE status IN {FINISHED}"))
            return int(count.scalar_one())

    def history(self) -> list[RunRecord]:
        """The finished runs that changed something, oldest first, numbered among the
        finished runs so that an interrupted run leaves no gap in what readers see."""
        with self.reading() as db:
            rows = db.execute(
                text(
                    f"""SELECT number, new, changed, removed, failed, facts_added, facts_removed,
                               started_at, news
                        FROM (SELECT ROW_NUMBER() OVER (ORDER BY id) AS number, runs.* FROM runs
                              WHERE status IN {FINISHED}) AS finished
                        WHERE new + changed + removed + failed + facts_added + facts_removed > 0
                        ORDER BY number"""
                )
            )
            return [
                RunRecord(
                    run_id=row.number,
                    new=row.new,
                    changed=row.changed,
                    removed=row.removed,
                    failed=row.failed,
                    facts_added=row.facts_added,
                    facts_removed=row.facts_removed,
                    started_at=row.started_at,
                    news=tuple(map(fact_change, json.loads(row.news or "[]"))),
                )
                for row in rows
            ]

    def started_at(self, run_id: int) -> str:
        """When a run started, as its record says."""
        with self.reading() as db:
            started = db.execute(select(RUNS.c.started_at).where(RUNS.c.id == run_id))
            return str(started.scalar_one())

    def latest_deltas(self) -> list[FactDelta]:
        """The facts added and removed by the latest finished run that changed any."""
        with self.reading() as db:
            rows = db.execute(
                text(
                    f"""SELECT change, payload FROM run_facts WHERE run_id = (
                          SELECT MAX(run_id) FROM run_facts JOIN runs ON runs.id = run_id
                          WHERE status IN {FINISHED})
                        ORDER BY seq"""
                )
            )
            return [FactDelta(change, Fact(**json.loads(payload))) for change, payload in rows]


class RunLocked(RuntimeError):
    """Another run holds the state folder or the shared state store."""


def advisory_key(url: str) -> int:
    """A PostgreSQL advisory-lock key of the store's database, the same on every machine."""
    database = make_url(url).database or ""
    digest = hashlib.sha256(f"usrok-run:{database}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def shared_lock(url: str) -> Iterator[None]:
    """One run at a time on a PostgreSQL store, whichever machine it starts on: a session
    advisory lock, released by the server when the holder's connection ends."""
    engine = make_engine(url)
    key = advisory_key(url)
    try:
        db = engine.connect()
        locked = db.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar_one()
        db.commit()
    except OperationalError as error:
        engine.dispose()
        raise cannot_open(url, error) from error
    try:
        if not locked:
            raise RunLocked(
                f"another run is using the state store {shown_url(url)}; "
                "wait for it to finish and run again"
            )
        yield
        db.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        db.commit()
    finally:
        db.close()
        engine.dispose()


@contextmanager
def reports_lock(folder: Path) -> Iterator[None]:
    """One run at a time writes a report folder, whichever state it runs from: runs of two
    state folders would interleave its files. The lock is the folder's own (flock on it), so
    no file of the report is added for it."""
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(
                f"another run is writing the reports in {folder}; "
                "wait for it to finish and run again"
            ) from None
        yield
    finally:
        os.close(descriptor)


@contextmanager
def run_lock(state_dir: Path, url: str | None = None) -> Iterator[None]:
    """One run at a time on a state folder (and on a shared store): a second run stops at
    once, naming the holder. A process that holds the lock already (the command line takes
    it before Prefect starts, and the flow again) goes on under it.

    The folder lock is the operating system's (flock): it goes with the process that held it,
    so a killed run never leaves it behind.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    held = (os.getpid(), state_dir.resolve())
    if held in LOCKS_HELD:
        yield
        return
    with (state_dir / LOCK_FILE).open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunLocked(
                f"another run is using the state in {state_dir} ({holder}); "
                "wait for it to finish and run again"
            ) from None
        handle.truncate(0)
        handle.write(f"pid {os.getpid()}, since {now()}\n")
        handle.flush()
        LOCKS_HELD.add(held)
        try:
            if url is not None and is_postgresql(url):
                with shared_lock(url):
                    yield
            else:
                yield
        finally:
            LOCKS_HELD.discard(held)
            fcntl.flock(handle, fcntl.LOCK_UN)
