"""The SQLite state store: documents, their versions, runs, failures and processed results."""

from __future__ import annotations

import datetime as dt
import json
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
    Metadata,
    NormalizedDocument,
    ProcessedDocument,
    Rejected,
    Removal,
    RunRecord,
    SourceFile,
)

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
    fingerprint TEXT
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
    fingerprint TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (sha256, fingerprint)
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
        """Record the start of a run and return its id."""
        with self.transaction() as db:
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

    def cached(self, sha256: str, fingerprint: str) -> ProcessedDocument | None:
        """A document processed earlier from the same bytes under the same rules."""
        row = self.db.execute(
            "SELECT payload FROM processed WHERE sha256 = ? AND fingerprint = ?",
            (sha256, fingerprint),
        ).fetchone()
        return decode_processed(row[0]) if row else None

    def save_processed(self, fingerprint: str, documents: Sequence[ProcessedDocument]) -> None:
        """Keep processed documents so that later runs can skip them."""
        with self.transaction() as db:
            db.executemany(
                """INSERT INTO processed (sha256, fingerprint, payload) VALUES (?, ?, ?)
                   ON CONFLICT(sha256, fingerprint) DO UPDATE SET payload = excluded.payload""",
                [(p.document.sha256, fingerprint, encode_processed(p)) for p in documents],
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

    def latest_processed(self, sha256: str) -> ProcessedDocument | None:
        """The facts last extracted from these bytes, under whatever rules were current."""
        row = self.db.execute(
            "SELECT payload FROM processed WHERE sha256 = ? ORDER BY rowid DESC LIMIT 1",
            (sha256,),
        ).fetchone()
        return decode_processed(row[0]) if row else None

    def finish_run(
        self,
        run_id: int,
        inventory: Inventory,
        failures: Sequence[Rejected],
        status: str,
        deltas: Sequence[FactDelta] = (),
        fingerprint: str | None = None,
        current: Sequence[ProcessedDocument] | None = None,
    ) -> None:
        """Record how a run ended: the files it could not use, the facts it changed and, when
        it produced them, the facts now stated (what the next run is compared with)."""
        added = sum(1 for d in deltas if d.change == "added")
        with self.transaction() as db:
            if current is not None:
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
                   fingerprint = ? WHERE id = ?""",
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
                    run_id,
                ),
            )

    def snapshot(self) -> list[Fact]:
        """The facts stated after the last run that produced facts."""
        rows = self.db.execute("SELECT facts FROM snapshot ORDER BY name")
        return [Fact(**fact) for (facts,) in rows for fact in json.loads(facts)]

    def history(self) -> list[RunRecord]:
        """The finished runs that changed something, oldest first."""
        rows = self.db.execute(
            """SELECT id, new, changed, removed, failed, facts_added, facts_removed FROM runs
               WHERE finished_at IS NOT NULL
                 AND new + changed + removed + failed + facts_added + facts_removed > 0
               ORDER BY id"""
        )
        return [RunRecord(*row) for row in rows.fetchall()]

    def deltas(self, run_id: int) -> list[FactDelta]:
        """The facts a run added and removed."""
        rows = self.db.execute(
            "SELECT change, payload FROM run_facts WHERE run_id = ? ORDER BY rowid", (run_id,)
        )
        return [FactDelta(change, Fact(**json.loads(payload))) for change, payload in rows]

    def runs(self) -> list[dict[str, Any]]:
        """Every recorded run, oldest first."""
        cursor = self.db.execute("SELECT * FROM runs ORDER BY id")
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
