"""The state store (SQLite by default, PostgreSQL by URL): documents, their versions, runs,
failures and processed results."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import itertools
import json
import os
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    RowMapping,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    make_url,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
)

from .records import (
    Block,
    CleanedDocument,
    Comparison,
    DiffSpan,
    Fact,
    FactDelta,
    KeySection,
    LastRun,
    Layout,
    Metadata,
    NormalizedDocument,
    ProcessedDocument,
    Rejected,
    Release,
    ReleaseSection,
    Removal,
    Rewordings,
    RunRecord,
    SourceFile,
    plain,
)

LOCK_FILE = "run.lock"
FINISHED = "('completed', 'completed with failures', 'failed')"
SQLITE_BUSY_SECONDS = 30
# DatabaseError: an SQLite URL that names a file that is no database.
OPEN_ERRORS = (ArgumentError, NoSuchModuleError, ImportError, OperationalError, DatabaseError)
INSERT_CHUNK = 1000
ENGINES_KEPT = 4
ENGINES: dict[tuple[int, str, tuple[int, int] | None], Engine] = {}
NAMES_PER_QUERY = 1000
METADATA = MetaData()
T = TypeVar("T")
KEY_SECTION_TEXTS = (
    "figure_html",
    "figure_md",
    "changes_html",
    "changes_md",
    "changes_json",
    "pairs",
    "rewordings_html",
    "rewordings_md",
    "rewordings_json",
    "rewording_sizes",
)
CLAIM_TEXTS = ("rewordings_html", "rewordings_md", "rewordings_json")
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
    Column("fingerprint", Text),
    Column("code", Text),
    Column("reports", Text),
    Column("facts", Integer),
    Column("recurring", Integer),
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
CLEANED = Table(
    "cleaned",
    METADATA,
    Column("sha256", Text, nullable=False),
    Column("rules", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("candidates", Text),
    PrimaryKeyConstraint("sha256", "rules"),
)
RUN_FACTS = Table(
    "run_facts",
    METADATA,
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("change", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("seq", Integer, nullable=False, server_default="0"),
)
SNAPSHOT = Table(
    "snapshot",
    METADATA,
    Column("name", Text, primary_key=True),
    Column("facts", Text, nullable=False),
    Column("sha256", Text),
    Column("fingerprint", Text),
    Column("release", Text),
)
# The facts of the snapshot again, by release and key: a run reads those of the keys it links.
STATEMENTS = Table(
    "statements",
    METADATA,
    Column("name", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("facts", Text, nullable=False),
    PrimaryKeyConstraint("name", "key"),
    Index("statements_by_key", "key"),
)
# The boilerplate candidates of the releases read last, counted: a run counts only the
# releases added, changed or removed since, rather than reading the candidates of all.
BOILERPLATE_BASIS = Table(
    "boilerplate_basis",
    METADATA,
    Column("rules", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    PrimaryKeyConstraint("rules", "name"),
)
BOILERPLATE_COUNTS = Table(
    "boilerplate_counts",
    METADATA,
    Column("rules", Text, nullable=False),
    Column("digest", Text, nullable=False),
    Column("candidate", Text, nullable=False),
    Column("releases", Integer, nullable=False),
    PrimaryKeyConstraint("rules", "digest"),
)
PROCESSED = Table(
    "processed",
    METADATA,
    Column("sha256", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("payload", Text, nullable=False),
    PrimaryKeyConstraint("sha256", "name", "fingerprint"),
)
# What each metric and release page of a report folder was last rendered from.
REPORT_PAGES = Table(
    "report_pages",
    METADATA,
    Column("reports", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("digest", Text, nullable=False),
    PrimaryKeyConstraint("reports", "path"),
)
# Sentence pairs compared by earlier runs, under the diff code of `version`.
COMPARISONS = Table(
    "comparisons",
    METADATA,
    Column("version", Text, nullable=False),
    Column("digest", Text, nullable=False),
    Column("similarity", Float, nullable=False),
    Column("spans", Text, nullable=False),
    PrimaryKeyConstraint("version", "digest"),
)
# The rendered sections of each tracked fact and release of a report folder, with the digest
# of what each was rendered from; texts are kept as they are (no JSON around them), since a
# run reads every one back to put the summary files together.
KEY_SECTIONS = Table(
    "key_sections",
    METADATA,
    Column("reports", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("digest", Text, nullable=False),
    *(Column(name, Text, nullable=False) for name in KEY_SECTION_TEXTS),
    PrimaryKeyConstraint("reports", "key"),
)
RELEASE_SECTIONS = Table(
    "release_sections",
    METADATA,
    Column("reports", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("digest", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("facts", Integer, nullable=False),
    *(Column(name, Text, nullable=False) for name in ("row_html", "row_md", "jsonl", "csv")),
    PrimaryKeyConstraint("reports", "name"),
)
# Where the parts of each summary file of a report folder lie in it as last written, so that
# a run copies the parts it did not change rather than reading them from here.
SUMMARY_LAYOUTS = Table(
    "summary_layouts",
    METADATA,
    Column("reports", Text, nullable=False),
    Column("file", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("modified", BigInteger, nullable=False),
    Column("inode", BigInteger, nullable=False),
    Column("parts", Text, nullable=False),
    PrimaryKeyConstraint("reports", "file"),
)
# Columns added after the first release of the store; older databases gain them on open.
COLUMNS_ADDED = (
    ("runs", "code", "TEXT"),
    ("runs", "reports", "TEXT"),
    ("runs", "facts", "INTEGER"),
    ("runs", "recurring", "INTEGER"),
    ("failures", "seq", "INTEGER NOT NULL DEFAULT 0"),
    ("run_facts", "seq", "INTEGER NOT NULL DEFAULT 0"),
    ("cleaned", "candidates", "TEXT"),
    ("snapshot", "sha256", "TEXT"),
    ("snapshot", "fingerprint", "TEXT"),
    ("snapshot", "release", "TEXT"),
)
# Tables of earlier versions that nothing reads any more; older databases lose them on open.
TABLES_DROPPED = ("files_seen",)


class StoreError(RuntimeError):
    """A state store that cannot be opened: a bad URL, a missing driver, a server down."""


@dataclass(frozen=True)
class Inventory:
    """How the files of a run compare with the versions already stored."""

    new: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


def in_chunks(items: Sequence[T], size: int = NAMES_PER_QUERY) -> Iterator[Sequence[T]]:
    """Items in slices of SIZE, for queries and inserts that must stay below the database's
    limit on parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def column_pairs(db: Connection, key: Any, value: Any, *where: Any) -> dict[Any, Any]:
    """Two columns of the rows where WHERE holds, as a mapping from the first to the second."""
    return dict(db.execute(select(key, value).where(*where)).all())


def candidate_digest(candidate: str) -> str:
    """A boilerplate candidate's key: the text may be longer than an index allows."""
    return hashlib.sha256(candidate.encode("utf-8")).hexdigest()


def encode(record: Any) -> str:
    """A record as canonical JSON."""
    return json.dumps(plain(record), sort_keys=True, ensure_ascii=False, allow_nan=False)


def decode_cleaned(payload: str) -> CleanedDocument:
    """A cleaned document from its JSON."""
    raw: dict[str, Any] = json.loads(payload)
    return CleanedDocument(
        name=raw["name"],
        sha256=raw["sha256"],
        front_matter=raw["front_matter"],
        blocks=tuple(Block(**b) for b in raw["blocks"]),
        removed=tuple(Removal(**r) for r in raw["removed"]),
        encoding=raw.get("encoding", "utf-8"),
    )


def encode_processed(processed: ProcessedDocument) -> str:
    """A processed document as canonical JSON."""
    return json.dumps(plain(processed), sort_keys=True, ensure_ascii=False, allow_nan=False)


def decode_processed(payload: str) -> ProcessedDocument:
    """The inverse of encode_processed."""
    raw: dict[str, Any] = json.loads(payload)
    doc = raw["document"]
    document = NormalizedDocument(
        name=doc["name"],
        sha256=doc["sha256"],
        metadata=Metadata(**doc["metadata"]),
        text=doc["text"],
        removed=tuple(Removal(**r) for r in doc["removed"]),
    )
    return ProcessedDocument(document, tuple(Fact(**f) for f in raw["facts"]))


def decode_release(payload: str) -> Release:
    """A release as a run needs it, from its JSON."""
    raw: dict[str, Any] = json.loads(payload)
    return Release(**raw | {"keys": tuple(raw["keys"]), "metrics": tuple(raw["metrics"])})


def key_section_row(section: KeySection) -> dict[str, str]:
    """A tracked fact's section as the columns of its row: the digests of its pairs joined by
    newlines (which none holds), the sizes of each claim's HTML and Markdown."""
    claims = section.rewordings
    return {
        "key": section.key,
        "figure_html": section.figure_html,
        "figure_md": section.figure_md,
        "changes_html": section.changes_html,
        "changes_md": section.changes_md,
        "changes_json": section.changes_json,
        "pairs": "\n".join(claims.pairs),
        "rewordings_html": claims.html,
        "rewordings_md": claims.md,
        "rewordings_json": claims.json,
        "rewording_sizes": " ".join(f"{html},{md}" for html, md in claims.sizes),
    }


def key_section_of(row: RowMapping) -> KeySection:
    """The inverse of key_section_row; a row read without the texts of its reworded claims
    gives their pairs and sizes only."""
    return KeySection(
        key=row["key"],
        figure_html=row["figure_html"],
        figure_md=row["figure_md"],
        changes_html=row["changes_html"],
        changes_md=row["changes_md"],
        changes_json=row["changes_json"],
        rewordings=rewordings_of(row),
    )


def rewordings_of(row: RowMapping) -> Rewordings:
    """The reworded claims of a tracked fact's row, with their texts where it holds them."""
    sizes = tuple(
        (int(html), int(md))
        for html, _, md in (size.partition(",") for size in row["rewording_sizes"].split())
    )
    return Rewordings(
        pairs=tuple(row["pairs"].split("\n")) if sizes else (),
        sizes=sizes,
        html=row.get("rewordings_html", ""),
        md=row.get("rewordings_md", ""),
        json=row.get("rewordings_json", ""),
    )


def now() -> str:
    """The current UTC time, for run records only (never for reports)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


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
        if isinstance(error, OperationalError) or (
            isinstance(error, DBAPIError) and error.connection_invalidated
        ):
            return True
        error = error.__cause__
    return False


def cannot_open(url: str, error: Exception) -> StoreError:
    """The error a command shows for a store it cannot use: the URL, password hidden, and the
    driver's own reason."""
    reason = getattr(error, "orig", None) or error
    return StoreError(f"cannot open the state store {shown_url(url)}: {reason}")


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


def drop_old_tables(db: Connection) -> None:
    """Drop the tables an earlier version kept and this one does not read."""
    for table in set(TABLES_DROPPED) & set(inspect(db).get_table_names()):
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


def snapshot_versions(db: Connection) -> dict[str, tuple[str | None, str | None]]:
    """The hash and extraction fingerprint of each document of the snapshot, by name; (None,
    None) for a document stored before the snapshot kept its facts by key, so that it is
    read again and stored anew."""
    columns = (SNAPSHOT.c.name, SNAPSHOT.c.sha256, SNAPSHOT.c.fingerprint, SNAPSHOT.c.release)
    return {
        name: (sha256, fingerprint) if release is not None else (None, None)
        for name, sha256, fingerprint, release in db.execute(select(*columns))
    }


def replace_snapshot(
    db: Connection,
    current: Collection[str],
    changed: Sequence[ProcessedDocument],
    fingerprint: str | None,
    texts: Mapping[Fact, str],
) -> None:
    """Make the snapshot the facts of the CURRENT documents, rewriting only those that CHANGED
    since it was written (with what a run needs of each) and dropping those gone (TEXTS: the
    JSON of each fact of CHANGED)."""
    gone = set(snapshot_versions(db)) - set(current)
    stale = sorted(gone | {p.document.name for p in changed})
    for table in (SNAPSHOT, STATEMENTS):
        for names in in_chunks(stale):
            db.execute(table.delete().where(table.c.name.in_(names)))
    # Rows are made as they are inserted, a thousand at a time: made all at once, they
    # raised the peak memory of a first run at 10,000 releases by a tenth.
    insert_rows(db, SNAPSHOT, (snapshot_row(p, fingerprint, texts) for p in changed))
    insert_rows(db, STATEMENTS, (row for p in changed for row in statement_rows(p, texts)))


def json_list(texts: Iterable[str]) -> str:
    """A JSON list of items already encoded."""
    return "[" + ", ".join(texts) + "]"


def snapshot_row(
    processed: ProcessedDocument, fingerprint: str | None, texts: Mapping[Fact, str]
) -> dict[str, Any]:
    """A release's row of the snapshot: its facts, and what a run needs of it."""
    return {
        "name": processed.document.name,
        "facts": json_list(texts[fact] for fact in processed.facts),
        "sha256": processed.document.sha256,
        "fingerprint": fingerprint,
        "release": encode(Release.of(processed)),
    }


def statement_rows(processed: ProcessedDocument, texts: Mapping[Fact, str]) -> list[dict[str, Any]]:
    """A release's rows of the statements: its facts under each key."""
    by_key: dict[str, list[str]] = {}
    for fact in processed.facts:
        by_key.setdefault(fact.key, []).append(texts[fact])
    name = processed.document.name
    return [{"name": name, "key": k, "facts": json_list(facts)} for k, facts in by_key.items()]


def replace_page_digests(db: Connection, reports: str, digests: dict[str, str]) -> None:
    """What the pages of a report folder were rendered from, inside the caller's transaction;
    only the rows that differ are written."""
    pages = REPORT_PAGES.c
    before: dict[str, str] = column_pairs(db, pages.path, pages.digest, pages.reports == reports)
    delete_page_digests(db, reports, [p for p, d in before.items() if digests.get(p) != d])
    insert_rows(
        db,
        REPORT_PAGES,
        (
            {"reports": reports, "path": p, "digest": d}
            for p, d in sorted(digests.items())
            if before.get(p) != d
        ),
    )


def delete_page_digests(db: Connection, reports: str, paths: Sequence[str]) -> None:
    """Forget what these pages of a report folder were rendered from."""
    for chunk in in_chunks(paths):
        db.execute(
            REPORT_PAGES.delete().where(
                REPORT_PAGES.c.reports == reports,
                REPORT_PAGES.c.path.in_(chunk),
            )
        )


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

    def inventory(
        self, sources: Sequence[SourceFile], known: Mapping[str, str] | None = None
    ) -> Inventory:
        """Which files are new, changed, unchanged, and which stored documents are gone
        (KNOWN: the latest versions, when already read)."""
        known = self.latest_versions() if known is None else known
        present = {source.name for source in sources}
        return Inventory(
            new=tuple(s.name for s in sources if s.name not in known),
            changed=tuple(s.name for s in sources if s.name in known and known[s.name] != s.sha256),
            unchanged=tuple(s.name for s in sources if known.get(s.name) == s.sha256),
            removed=tuple(sorted(name for name in known if name not in present)),
        )

    def record_sources(
        self, run_id: int, sources: Sequence[SourceFile], removed: Sequence[str]
    ) -> None:
        """Store new versions and mark documents whose file disappeared as withdrawn."""
        with self.transaction() as db:
            record_sources(db, run_id, sources, removed)

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

    def processed(
        self, documents: Collection[tuple[str, str]], fingerprint: str
    ) -> dict[str, ProcessedDocument]:
        """Documents (name, hash) processed earlier from the same bytes and name under the
        same rules, by name, read a thousand names a query."""
        names = sorted({name for name, _ in documents})
        found: dict[str, ProcessedDocument] = {}
        with self.reading() as db:
            for chunk in in_chunks(names):
                query = select(PROCESSED.c.name, PROCESSED.c.sha256, PROCESSED.c.payload).where(
                    PROCESSED.c.fingerprint == fingerprint,
                    PROCESSED.c.name.in_(chunk),
                )
                found |= {
                    name: decode_processed(payload)
                    for name, sha256, payload in db.execute(query)
                    if (name, sha256) in documents
                }
        return found

    def save_processed(self, fingerprint: str, documents: Sequence[ProcessedDocument]) -> None:
        """Keep processed documents so that later runs can skip them (encoded before the
        write lock is taken, which worker processes wait for)."""
        rows = [
            {
                "sha256": p.document.sha256,
                "name": p.document.name,
                "fingerprint": fingerprint,
                "payload": encode_processed(p),
            }
            for p in documents
        ]
        with self.transaction() as db:
            upsert(db, PROCESSED, rows, ("sha256", "name", "fingerprint"))

    def cleaned(self, hashes: Sequence[str], rules: str) -> dict[str, CleanedDocument]:
        """Documents cleaned earlier from the same bytes under the same rules."""
        found: dict[str, CleanedDocument] = {}
        query = text("SELECT payload FROM cleaned WHERE sha256 = :sha AND rules = :rules")
        with self.reading() as db:
            for sha256 in hashes:
                row = db.execute(query, {"sha": sha256, "rules": rules}).first()
                if row:
                    found[sha256] = decode_cleaned(row[0])
        return found

    def save_cleaned(
        self, rules: str, documents: Sequence[tuple[CleanedDocument, frozenset[str]]]
    ) -> None:
        """Keep cleaned documents, each with its boilerplate candidates, so that later runs
        need not parse them again, nor read them whole to learn the shared boilerplate
        (encoded before the write lock is taken, which worker processes wait for)."""
        rows = [
            {
                "sha256": d.sha256,
                "rules": rules,
                "payload": encode(d),
                "candidates": json.dumps(sorted(found), ensure_ascii=False),
            }
            for d, found in documents
        ]
        with self.transaction() as db:
            upsert(db, CLEANED, rows, ("sha256", "rules"))

    def cleaned_hashes(self, hashes: Collection[str], rules: str) -> set[str]:
        """The hashes among HASHES of documents cleaned earlier under the same rules, with
        their boilerplate candidates."""
        query = select(CLEANED.c.sha256).where(
            CLEANED.c.rules == rules, CLEANED.c.candidates.is_not(None)
        )
        with self.reading() as db:
            return {sha256 for (sha256,) in db.execute(query) if sha256 in hashes}

    def candidates(self, hashes: Collection[str], rules: str) -> dict[str, frozenset[str]]:
        """The boilerplate candidates of documents cleaned earlier under the same rules."""
        found: dict[str, frozenset[str]] = {}
        with self.reading() as db:
            for chunk in in_chunks(sorted(hashes)):
                query = select(CLEANED.c.sha256, CLEANED.c.candidates).where(
                    CLEANED.c.rules == rules,
                    CLEANED.c.sha256.in_(chunk),
                    CLEANED.c.candidates.is_not(None),
                )
                found |= {sha256: frozenset(json.loads(c)) for sha256, c in db.execute(query)}
        return found

    def boilerplate_counts(self, rules: str) -> tuple[dict[str, str], dict[str, int]]:
        """The releases (name: hash) whose boilerplate candidates were counted last under
        RULES, and how many of them hold each candidate."""
        basis, counts = BOILERPLATE_BASIS.c, BOILERPLATE_COUNTS.c
        with self.reading() as db:
            return (
                column_pairs(db, basis.name, basis.sha256, basis.rules == rules),
                column_pairs(db, counts.candidate, counts.releases, counts.rules == rules),
            )

    def save_boilerplate_counts(
        self,
        rules: str,
        added: Sequence[tuple[str, str]],
        removed: Sequence[str],
        changed: Mapping[str, int],
        anew: bool,
    ) -> None:
        """Record in one transaction the releases (name, hash) counted in and the names taken
        out, and the counts that changed (0: gone); counts of other rules are dropped, and
        all earlier ones when counting starts ANEW."""
        basis, counts = BOILERPLATE_BASIS, BOILERPLATE_COUNTS
        with self.transaction() as db:
            db.execute(basis.delete().where(true() if anew else basis.c.rules != rules))
            db.execute(counts.delete().where(true() if anew else counts.c.rules != rules))
            for names in in_chunks(removed):
                db.execute(basis.delete().where(basis.c.rules == rules, basis.c.name.in_(names)))
            rows = [{"rules": rules, "name": name, "sha256": sha256} for name, sha256 in added]
            for chunk in in_chunks(rows, INSERT_CHUNK):
                upsert(db, basis, chunk, ("rules", "name"))
            gone = [candidate_digest(c) for c, n in changed.items() if n <= 0]
            for digests in in_chunks(gone):
                db.execute(
                    counts.delete().where(counts.c.rules == rules, counts.c.digest.in_(digests))
                )
            kept = [
                {"rules": rules, "digest": candidate_digest(c), "candidate": c, "releases": n}
                for c, n in sorted(changed.items())
                if n > 0
            ]
            for batch in in_chunks(kept, INSERT_CHUNK):
                upsert(db, counts, batch, ("rules", "digest"))

    def finish_run(
        self,
        run_id: int,
        inventory: Inventory,
        failures: Sequence[Rejected],
        status: str,
        deltas: Sequence[FactDelta] = (),
        fingerprint: str | None = None,
        current: Collection[str] | None = None,
        changed: Sequence[ProcessedDocument] = (),
        sources: Sequence[SourceFile] = (),
        outcome: tuple[str, str, int, int] | None = None,
        pages: dict[str, str] | None = None,
    ) -> None:
        """Record how a run ended: the files it could not use, the facts it changed and, when
        it produced them, the facts now stated (what the next run is compared with: CURRENT
        names every release, CHANGED those whose facts the snapshot does not hold yet) and what
        the pages of its report were rendered from."""
        added = sum(1 for d in deltas if d.change == "added")
        code, reports, facts, recurring = outcome or (None, None, None, None)
        # The snapshot, the statements and the run's fact changes hold the same facts: each
        # is encoded once (encoding them twice cost a first run of 10,000 releases 0.7 s).
        texts = {fact: encode(fact) for p in changed for fact in p.facts}
        with self.transaction() as db:
            if pages is not None and reports is not None:
                replace_page_digests(db, reports, pages)
            if current is not None:
                record_sources(db, run_id, sources, inventory.removed)
                replace_snapshot(db, current, changed, fingerprint, texts)
            insert_rows(
                db,
                FAILURES,
                [
                    {"run_id": run_id, "name": f.name, "reason": f.reason, "seq": seq}
                    for seq, f in enumerate(failures)
                ],
            )
            insert_rows(
                db,
                RUN_FACTS,
                (
                    {
                        "run_id": run_id,
                        "change": d.change,
                        "payload": texts.get(d.fact) or encode(d.fact),
                        "seq": seq,
                    }
                    for seq, d in enumerate(deltas)
                ),
            )
            db.execute(
                RUNS.update()
                .where(RUNS.c.id == run_id)
                .values(
                    finished_at=now(),
                    status=status,
                    new=len(inventory.new),
                    changed=len(inventory.changed),
                    unchanged=len(inventory.unchanged),
                    removed=len(inventory.removed),
                    failed=len(failures),
                    facts_added=added,
                    facts_removed=len(deltas) - added,
                    fingerprint=fingerprint,
                    code=code,
                    reports=reports,
                    facts=facts,
                    recurring=recurring,
                )
            )

    def page_digests(self, reports: str) -> dict[str, str]:
        """What the pages of a report folder were last rendered from, by path."""
        pages = REPORT_PAGES.c
        with self.reading() as db:
            return column_pairs(db, pages.path, pages.digest, pages.reports == reports)

    def forget_page_digests(self, reports: str, paths: Sequence[str]) -> None:
        """Forget, in one transaction, what these pages of a report folder were rendered
        from: they are about to be written again."""
        with self.transaction() as db:
            delete_page_digests(db, reports, paths)

    def section_digests(self, reports: str) -> tuple[dict[str, str], dict[str, str]]:
        """What the sections kept for a report folder were rendered from: by key for tracked
        facts, by name for releases."""
        keys, names = KEY_SECTIONS.c, RELEASE_SECTIONS.c
        with self.reading() as db:
            return (
                column_pairs(db, keys.key, keys.digest, keys.reports == reports),
                column_pairs(db, names.name, names.digest, names.reports == reports),
            )

    def key_sections(
        self, reports: str, wanted: Mapping[str, str], claims: bool = True
    ) -> dict[str, KeySection]:
        """The kept sections of the tracked facts WANTED (key: digest), where they were
        rendered from that digest; without CLAIMS, the texts of their reworded claims (the
        largest part) are left empty, to be read with key_claims where needed."""
        left_out = () if claims else CLAIM_TEXTS
        columns = [KEY_SECTIONS.c.key, KEY_SECTIONS.c.digest]
        columns += [KEY_SECTIONS.c[name] for name in KEY_SECTION_TEXTS if name not in left_out]
        rows = self.section_rows(KEY_SECTIONS, KEY_SECTIONS.c.key, columns, reports, wanted)
        return {row["key"]: key_section_of(row) for row in rows}

    def key_claims(self, reports: str, wanted: Mapping[str, str]) -> dict[str, Rewordings]:
        """The reworded claims, with their texts, of the kept sections of the tracked facts
        WANTED (key: digest), where they were rendered from that digest."""
        names = ("pairs", "rewording_sizes", *CLAIM_TEXTS)
        columns = [KEY_SECTIONS.c.key, KEY_SECTIONS.c.digest]
        columns += [KEY_SECTIONS.c[name] for name in names]
        rows = self.section_rows(KEY_SECTIONS, KEY_SECTIONS.c.key, columns, reports, wanted)
        return {row["key"]: rewordings_of(row) for row in rows}

    def summary_layouts(self, reports: str) -> dict[str, Layout]:
        """Where the parts of the summary files of a report folder lay when last written."""
        layouts = SUMMARY_LAYOUTS.c
        with self.reading() as db:
            rows = db.execute(select(SUMMARY_LAYOUTS).where(layouts.reports == reports))
            return {
                row.file: Layout(
                    row.size,
                    row.modified,
                    row.inode,
                    {name: (at, length) for name, (at, length) in json.loads(row.parts).items()},
                )
                for row in rows
            }

    def save_summary_layouts(self, reports: str, layouts: Mapping[str, Layout]) -> None:
        """Keep where the parts of the summary files just written lie; a file without a
        layout now has none kept."""
        rows = [
            {
                "reports": reports,
                "file": file,
                "size": layout.size,
                "modified": layout.modified,
                "inode": layout.inode,
                "parts": json.dumps(layout.parts, sort_keys=True),
            }
            for file, layout in layouts.items()
        ]
        with self.transaction() as db:
            db.execute(SUMMARY_LAYOUTS.delete().where(SUMMARY_LAYOUTS.c.reports == reports))
            insert_rows(db, SUMMARY_LAYOUTS, rows)

    def release_sections(
        self, reports: str, wanted: Mapping[str, str], exports: bool = True
    ) -> dict[str, ReleaseSection]:
        """The kept sections of the releases WANTED (name: digest), where they were rendered
        from that digest; without EXPORTS, their facts (the largest part) are left empty, to
        be read a release at a time with release_exports."""
        fields = ["name", "title", "facts", "row_html", "row_md"]
        fields += ["jsonl", "csv"] if exports else []
        columns = [RELEASE_SECTIONS.c.digest, *(RELEASE_SECTIONS.c[f] for f in fields)]
        rows = self.section_rows(
            RELEASE_SECTIONS, RELEASE_SECTIONS.c.name, columns, reports, wanted
        )
        empty = {"jsonl": "", "csv": ""}
        return {
            row["name"]: ReleaseSection(**(empty | {f: row[f] for f in fields})) for row in rows
        }

    def release_exports(self, reports: str, names: Sequence[str], column: str) -> Iterator[str]:
        """The facts of the named releases' kept sections, as JSON lines (COLUMN "jsonl") or
        CSV rows ("csv"), in the order named; a thousand releases a query, so that they are
        never all held at once."""
        text_of = RELEASE_SECTIONS.c[column]
        with self.reading() as db:
            for chunk in in_chunks(names):
                query = select(RELEASE_SECTIONS.c.name, text_of).where(
                    RELEASE_SECTIONS.c.reports == reports, RELEASE_SECTIONS.c.name.in_(chunk)
                )
                found = {name: value for name, value in db.execute(query)}  # noqa: C416
                yield from (found[name] for name in chunk)

    def section_rows(
        self,
        table: Table,
        named: Any,
        columns: Sequence[Any],
        reports: str,
        wanted: Mapping[str, str],
    ) -> list[RowMapping]:
        """The rows of TABLE for a report folder whose name (column NAMED) is WANTED with
        that digest; a thousand names a query."""
        names = sorted(wanted)
        found: list[RowMapping] = []
        with self.reading() as db:
            for chunk in in_chunks(names):
                query = select(*columns).where(table.c.reports == reports, named.in_(chunk))
                found += [
                    row
                    for row in db.execute(query).mappings()
                    if wanted[row[named.name]] == row["digest"]
                ]
        return found

    def save_key_sections(
        self, reports: str, sections: Mapping[str, tuple[str, KeySection]]
    ) -> None:
        """Keep rendered sections of tracked facts (key: (digest, section))."""
        rows = [
            {"reports": reports, "digest": digest, **key_section_row(section)}
            for digest, section in sections.values()
        ]
        with self.transaction() as db:
            upsert(db, KEY_SECTIONS, rows, ("reports", "key"))

    def save_release_sections(
        self, reports: str, sections: Mapping[str, tuple[str, ReleaseSection]]
    ) -> None:
        """Keep rendered sections of releases (name: (digest, section))."""
        rows = [
            {"reports": reports, "digest": digest, **plain(section)}
            for digest, section in sections.values()
        ]
        with self.transaction() as db:
            for chunk in in_chunks(rows, INSERT_CHUNK):
                upsert(db, RELEASE_SECTIONS, chunk, ("reports", "name"))

    def prune_sections(self, reports: str, keys: Collection[str], names: Collection[str]) -> None:
        """Drop the sections of a report folder for tracked facts and releases it no longer
        has."""
        with self.transaction() as db:
            for table, column, keep in (
                (KEY_SECTIONS, KEY_SECTIONS.c.key, keys),
                (RELEASE_SECTIONS, RELEASE_SECTIONS.c.name, names),
            ):
                query = select(column).where(table.c.reports == reports)
                gone = sorted({name for (name,) in db.execute(query)} - set(keep))
                for chunk in in_chunks(gone):
                    db.execute(
                        table.delete().where(
                            table.c.reports == reports,
                            column.in_(chunk),
                        )
                    )

    def comparisons(self, version: str, digests: Collection[str]) -> dict[str, Comparison]:
        """The sentence pairs among DIGESTS compared by earlier runs under this diff code, by
        pair digest; read a thousand pairs a query."""
        wanted = sorted(digests)
        columns = (COMPARISONS.c.digest, COMPARISONS.c.similarity, COMPARISONS.c.spans)
        found: dict[str, Comparison] = {}
        with self.reading() as db:
            for chunk in in_chunks(wanted):
                query = select(*columns).where(
                    COMPARISONS.c.version == version,
                    COMPARISONS.c.digest.in_(chunk),
                )
                found |= {
                    digest: Comparison(
                        similarity, tuple(DiffSpan(op, text) for op, text in json.loads(spans))
                    )
                    for digest, similarity, spans in db.execute(query)
                }
        return found

    def save_comparisons(self, version: str, comparisons: dict[str, Comparison]) -> None:
        """Keep new sentence comparisons; those of other diff code are dropped."""
        with self.transaction() as db:
            db.execute(COMPARISONS.delete().where(COMPARISONS.c.version != version))
            upsert(
                db,
                COMPARISONS,
                [
                    {
                        "version": version,
                        "digest": digest,
                        "similarity": c.similarity,
                        "spans": json.dumps([[s.op, s.text] for s in c.spans], ensure_ascii=False),
                    }
                    for digest, c in sorted(comparisons.items())
                ],
                ("version", "digest"),
            )

    def snapshot(self, names: Collection[str]) -> list[Fact]:
        """The facts the named documents stated after the last run that produced facts."""
        wanted = sorted(names)
        with self.reading() as db:
            rows = [
                row
                for chunk in in_chunks(wanted)
                for row in db.execute(
                    select(SNAPSHOT.c.facts)
                    .where(SNAPSHOT.c.name.in_(chunk))
                    .order_by(SNAPSHOT.c.name)
                )
            ]
        return [Fact(**fact) for (facts,) in rows for fact in json.loads(facts)]

    def stated_releases(self, fingerprint: str) -> dict[str, Release]:
        """The releases of the snapshot whose facts were extracted under FINGERPRINT, by name."""
        query = select(SNAPSHOT.c.name, SNAPSHOT.c.release).where(
            SNAPSHOT.c.fingerprint == fingerprint, SNAPSHOT.c.release.is_not(None)
        )
        with self.reading() as db:
            return {name: decode_release(release) for name, release in db.execute(query)}

    def stated_facts(self, keys: Collection[str]) -> dict[str, dict[str, list[Fact]]]:
        """The facts of the snapshot under each of KEYS, by key and release; a thousand keys
        a query."""
        wanted = sorted(keys)
        found: dict[str, dict[str, list[Fact]]] = {key: {} for key in wanted}
        columns = (STATEMENTS.c.key, STATEMENTS.c.name, STATEMENTS.c.facts)
        with self.reading() as db:
            for chunk in in_chunks(wanted):
                query = select(*columns).where(STATEMENTS.c.key.in_(chunk))
                for key, name, facts in db.execute(query):
                    found[key][name] = [Fact(**fact) for fact in json.loads(facts)]
        return found

    def versions_in_snapshot(self) -> dict[str, tuple[str | None, str | None]]:
        """The hash and extraction fingerprint of each document of the snapshot, by name."""
        with self.reading() as db:
            return snapshot_versions(db)

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
                    f"""SELECT number, new, changed, removed, failed, facts_added, facts_removed
                        FROM (SELECT ROW_NUMBER() OVER (ORDER BY id) AS number, runs.* FROM runs
                              WHERE status IN {FINISHED}) AS finished
                        WHERE new + changed + removed + failed + facts_added + facts_removed > 0
                        ORDER BY number"""
                )
            )
            return [RunRecord(*row) for row in rows]

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

    def runs(self) -> list[dict[str, Any]]:
        """Every recorded run, oldest first."""
        with self.reading() as db:
            rows = db.execute(RUNS.select().order_by(RUNS.c.id))
            return [dict(row._mapping) for row in rows]


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
def run_lock(state_dir: Path, url: str | None = None) -> Iterator[None]:
    """One run at a time on a state folder (and on a shared store): a second run stops at
    once, naming the holder.

    The folder lock is the operating system's (flock): it goes with the process that held it,
    so a killed run never leaves it behind.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
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
        try:
            if url is not None and is_postgresql(url):
                with shared_lock(url):
                    yield
            else:
                yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
