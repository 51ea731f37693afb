"""The SQLite state store: documents, their versions, runs, failures and processed results."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .records import (
    Block,
    CleanedDocument,
    Fact,
    FactDelta,
    LastRun,
    Metadata,
    NormalizedDocument,
    ProcessedDocument,
    Rejected,
    Removal,
    RunRecord,
    SourceFile,
)

LOCK_FILE = "run.lock"
RUN_COLUMNS_ADDED = (
    ("code", "TEXT"),
    ("reports", "TEXT"),
    ("facts", "INTEGER"),
    ("recurring", "INTEGER"),
)
FINISHED = "('completed', 'completed with failures', 'failed')"
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    seeds TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'running',
    new INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    removed INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    facts_added INTEGER NOT NULL DEFAULT 0,
    facts_removed INTEGER NOT NULL DEFAULT 0,
    fingerprint TEXT,
    code TEXT,
    reports TEXT,
    facts INTEGER,
    recurring INTEGER
);
CREATE TABLE IF NOT EXISTS documents (
    name TEXT PRIMARY KEY,
    first_run INTEGER NOT NULL REFERENCES runs(id),
    withdrawn_run INTEGER REFERENCES runs(id)
);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL REFERENCES documents(name),
    sha256 TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    content BLOB NOT NULL,
    UNIQUE (name, sha256)
);
CREATE TABLE IF NOT EXISTS failures (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    name TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cleaned (
    sha256 TEXT NOT NULL,
    rules TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (sha256, rules)
);
CREATE TABLE IF NOT EXISTS run_facts (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    change TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshot (
    name TEXT PRIMARY KEY,
    facts TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS processed (
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (sha256, name, fingerprint)
);
"""


@dataclass(frozen=True)
class Inventory:
    """How the files of a run compare with the versions already stored."""

    new: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


def encode(record: Any) -> str:
    """A record as canonical JSON."""
    return json.dumps(asdict(record), sort_keys=True, ensure_ascii=False)


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
    return json.dumps(asdict(processed), sort_keys=True, ensure_ascii=False)


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


def now() -> str:
    """The current UTC time, for run records only (never for reports)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a state store written by an earlier version up to the current runs table."""
    present = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    for column, kind in RUN_COLUMNS_ADDED:
        if column not in present:
            db.execute(f"ALTER TABLE runs ADD COLUMN {column} {kind}")


def record_sources(
    db: sqlite3.Connection, run_id: int, sources: Sequence[SourceFile], removed: Sequence[str]
) -> None:
    """Versions of the files a run read, and withdrawals, inside the caller's transaction."""
    for source in sources:
        db.execute(
            """INSERT INTO documents (name, first_run) VALUES (?, ?)
               ON CONFLICT(name) DO UPDATE SET withdrawn_run = NULL""",
            (source.name, run_id),
        )
        db.execute(
            """INSERT INTO versions (name, sha256, run_id, content) VALUES (?, ?, ?, ?)
               ON CONFLICT(name, sha256) DO UPDATE SET run_id = excluded.run_id""",
            (source.name, source.sha256, run_id, source.data),
        )
    db.executemany(
        "UPDATE documents SET withdrawn_run = ? WHERE name = ?",
        [(run_id, name) for name in removed],
    )


class Store:
    """One connection to the state database; every write happens inside a transaction."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection

    @classmethod
    @contextmanager
    def open(cls, path: Path) -> Iterator[Store]:
        """Open (creating if needed) the database at a path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.executescript(SCHEMA)
            add_missing_columns(connection)
            yield cls(connection)
        finally:
            connection.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: commit on success, roll back on any error."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def begin_run(self, seeds: str) -> int:
        """Record the start of a run and return its id; runs left unfinished by a crash are
        marked interrupted (they recorded nothing else: a run writes its results at its end)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET status = 'interrupted', finished_at = ? WHERE finished_at IS NULL",
                (now(),),
            )
            cursor = db.execute(
                "INSERT INTO runs (started_at, seeds) VALUES (?, ?)", (now(), seeds)
            )
            return int(cursor.lastrowid or 0)

    def latest_versions(self) -> dict[str, str]:
        """The hash of the newest version of every document still present."""
        rows = self.db.execute(
            """SELECT v.name, v.sha256 FROM versions v JOIN documents d ON d.name = v.name
               WHERE d.withdrawn_run IS NULL
                 AND v.id = (SELECT id FROM versions WHERE name = v.name
                             ORDER BY run_id DESC, id DESC LIMIT 1)"""
        )
        return dict(rows.fetchall())

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

    def record_sources(
        self, run_id: int, sources: Sequence[SourceFile], removed: Sequence[str]
    ) -> None:
        """Store new versions and mark documents whose file disappeared as withdrawn."""
        with self.transaction() as db:
            record_sources(db, run_id, sources, removed)

    def withdrawn(self) -> list[str]:
        """Documents whose files were removed from the seeds folder."""
        rows = self.db.execute(
            "SELECT name FROM documents WHERE withdrawn_run IS NOT NULL ORDER BY name"
        )
        return [name for (name,) in rows]

    def previous_version(self, name: str, sha256: str) -> SourceFile | None:
        """The version of a document stored just before the one with this hash."""
        row = self.db.execute(
            """SELECT sha256, content FROM versions WHERE name = ? AND sha256 != ?
               ORDER BY run_id DESC, id DESC LIMIT 1""",
            (name, sha256),
        ).fetchone()
        return SourceFile(name=name, sha256=row[0], data=bytes(row[1])) if row else None

    def cached(self, sha256: str, name: str, fingerprint: str) -> ProcessedDocument | None:
        """A document processed earlier from the same bytes and name under the same rules."""
        row = self.db.execute(
            "SELECT payload FROM processed WHERE sha256 = ? AND name = ? AND fingerprint = ?",
            (sha256, name, fingerprint),
        ).fetchone()
        return decode_processed(row[0]) if row else None

    def save_processed(self, fingerprint: str, documents: Sequence[ProcessedDocument]) -> None:
        """Keep processed documents so that later runs can skip them."""
        with self.transaction() as db:
            db.executemany(
                """INSERT INTO processed (sha256, name, fingerprint, payload) VALUES (?, ?, ?, ?)
                   ON CONFLICT(sha256, name, fingerprint)
                   DO UPDATE SET payload = excluded.payload""",
                [
                    (p.document.sha256, p.document.name, fingerprint, encode_processed(p))
                    for p in documents
                ],
            )

    def cleaned(self, hashes: Sequence[str], rules: str) -> dict[str, CleanedDocument]:
        """Documents cleaned earlier from the same bytes under the same rules."""
        found: dict[str, CleanedDocument] = {}
        for sha256 in hashes:
            row = self.db.execute(
                "SELECT payload FROM cleaned WHERE sha256 = ? AND rules = ?", (sha256, rules)
            ).fetchone()
            if row:
                found[sha256] = decode_cleaned(row[0])
        return found

    def save_cleaned(self, rules: str, documents: Sequence[CleanedDocument]) -> None:
        """Keep cleaned documents so that later runs need not parse them again."""
        with self.transaction() as db:
            db.executemany(
                """INSERT INTO cleaned (sha256, rules, payload) VALUES (?, ?, ?)
                   ON CONFLICT(sha256, rules) DO UPDATE SET payload = excluded.payload""",
                [(d.sha256, rules, encode(d)) for d in documents],
            )

    def finish_run(
        self,
        run_id: int,
        inventory: Inventory,
        failures: Sequence[Rejected],
        status: str,
        deltas: Sequence[FactDelta] = (),
        fingerprint: str | None = None,
        current: Sequence[ProcessedDocument] | None = None,
        sources: Sequence[SourceFile] = (),
        outcome: tuple[str, str, int, int] | None = None,
    ) -> None:
        """Record how a run ended: the files it could not use, the facts it changed and, when
        it produced them, the facts now stated (what the next run is compared with)."""
        added = sum(1 for d in deltas if d.change == "added")
        with self.transaction() as db:
            if current is not None:
                record_sources(db, run_id, sources, inventory.removed)
                db.execute("DELETE FROM snapshot")
                db.executemany(
                    "INSERT INTO snapshot (name, facts) VALUES (?, ?)",
                    [
                        (p.document.name, json.dumps([asdict(f) for f in p.facts], sort_keys=True))
                        for p in current
                    ],
                )
            db.executemany(
                "INSERT INTO failures (run_id, name, reason) VALUES (?, ?, ?)",
                [(run_id, f.name, f.reason) for f in failures],
            )
            db.executemany(
                "INSERT INTO run_facts (run_id, change, payload) VALUES (?, ?, ?)",
                [(run_id, d.change, encode(d.fact)) for d in deltas],
            )
            db.execute(
                """UPDATE runs SET finished_at = ?, status = ?, new = ?, changed = ?,
                   unchanged = ?, removed = ?, failed = ?, facts_added = ?, facts_removed = ?,
                   fingerprint = ?, code = ?, reports = ?, facts = ?, recurring = ?
                   WHERE id = ?""",
                (
                    now(),
                    status,
                    len(inventory.new),
                    len(inventory.changed),
                    len(inventory.unchanged),
                    len(inventory.removed),
                    len(failures),
                    added,
                    len(deltas) - added,
                    fingerprint,
                    *(outcome or (None, None, None, None)),
                    run_id,
                ),
            )

    def snapshot(self) -> list[Fact]:
        """The facts stated after the last run that produced facts."""
        rows = self.db.execute("SELECT facts FROM snapshot ORDER BY name")
        return [Fact(**fact) for (facts,) in rows for fact in json.loads(facts)]

    def last_run(self) -> LastRun | None:
        """The latest run that finished with results (not interrupted, not failed)."""
        row = self.db.execute(
            """SELECT id, code, reports, status, facts, recurring FROM runs
               WHERE status IN ('completed', 'completed with failures') AND code IS NOT NULL
               ORDER BY id DESC LIMIT 1"""
        ).fetchone()
        if row is None:
            return None
        failures = self.db.execute(
            "SELECT name, reason FROM failures WHERE run_id = ? ORDER BY rowid", (row[0],)
        )
        return LastRun(
            row[1], row[2], row[3], row[4], row[5], tuple(Rejected(*f) for f in failures)
        )

    def finished_runs(self) -> int:
        """How many runs finished (interrupted ones do not count): the next run's number."""
        row = self.db.execute(f"SELECT COUNT(*) FROM runs WHERE status IN {FINISHED}").fetchone()
        return int(row[0])

    def history(self) -> list[RunRecord]:
        """The finished runs that changed something, oldest first, numbered among the
        finished runs so that an interrupted run leaves no gap in what readers see."""
        rows = self.db.execute(
            f"""SELECT number, new, changed, removed, failed, facts_added, facts_removed FROM (
                  SELECT ROW_NUMBER() OVER (ORDER BY id) AS number, * FROM runs
                  WHERE status IN {FINISHED})
               WHERE new + changed + removed + failed + facts_added + facts_removed > 0
               ORDER BY number"""
        )
        return [RunRecord(*row) for row in rows.fetchall()]

    def latest_deltas(self) -> list[FactDelta]:
        """The facts added and removed by the latest finished run that changed any."""
        rows = self.db.execute(
            f"""SELECT change, payload FROM run_facts WHERE run_id = (
                  SELECT MAX(run_id) FROM run_facts JOIN runs ON runs.id = run_id
                  WHERE status IN {FINISHED})
               ORDER BY rowid"""
        )
        return [FactDelta(change, Fact(**json.loads(payload))) for change, payload in rows]

    def runs(self) -> list[dict[str, Any]]:
        """Every recorded run, oldest first."""
        cursor = self.db.execute("SELECT * FROM runs ORDER BY id")
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


class RunLocked(RuntimeError):
    """Another run holds the state folder."""


@contextmanager
def run_lock(state_dir: Path) -> Iterator[None]:
    """One run at a time on a state folder: a second run stops at once, naming the holder.

    The lock is the operating system's (flock): it goes with the process that held it, so a
    killed run never leaves it behind.
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
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
