"""Store: versions, withdrawn documents, cached results and transactions, in real SQLite and
in a real PostgreSQL server."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from conftest import SEEDS, free_port, new_postgresql_database
from usrok_pipeline import incremental, pipeline
from usrok_pipeline.ingest import read_sources, sha256_of
from usrok_pipeline.records import Rejected, SourceFile, canonical_json
from usrok_pipeline.store import Ending, Inventory, RunLocked, Stated, Store, StoreError, run_lock


def src(name: str, text: str) -> SourceFile:
    data = text.encode()
    return SourceFile(name=name, sha256=sha256_of(data), data=data)


def test_inventory_across_runs(store_url: str) -> None:
    with Store.open(store_url) as store:
        first = [src("a.txt", "A"), src("b.txt", "B")]
        run = store.begin_run("seeds")
        inventory = store.inventory(first)
        assert (inventory.new, inventory.changed, inventory.removed) == (("a.txt", "b.txt"), (), ())
        store.finish_run(run, Ending(inventory, [], "completed", sources=first, current=()))

        second = [src("a.txt", "A2"), src("c.txt", "C")]
        run = store.begin_run("seeds")
        inventory = store.inventory(second)
        assert inventory.new == ("c.txt",)
        assert inventory.changed == ("a.txt",)
        assert inventory.unchanged == ()
        assert inventory.removed == ("b.txt",)
        failed = [Rejected("d.txt", "empty")]
        ending = Ending(inventory, failed, "completed with failures", sources=second, current=())
        store.finish_run(run, ending)

        assert store.withdrawn() == ["b.txt"]
        previous = store.previous_versions({"a.txt": second[0].sha256, "c.txt": second[1].sha256})
        assert list(previous) == ["a.txt"] and previous["a.txt"].data == b"A"
        assert [(r.new, r.changed, r.removed, r.failed) for r in store.history()] == [
            (2, 0, 0, 0),
            (1, 1, 1, 1),
        ]

    with Store.open(store_url) as store:
        assert store.inventory(second).unchanged == ("a.txt", "c.txt")


def test_reverted_file_counts_as_changed_once(store_url: str) -> None:
    with Store.open(store_url) as store:
        for text in ("v1", "v2", "v1"):
            run = store.begin_run("seeds")
            sources = [src("a.txt", text)]
            ending = Ending(store.inventory(sources), [], "completed", sources=sources, current=())
            store.finish_run(run, ending)
        assert store.inventory([src("a.txt", "v1")]).unchanged == ("a.txt",)


def test_failed_transaction_leaves_nothing(store_url: str) -> None:
    with Store.open(store_url) as store:
        with pytest.raises(RuntimeError), store.transaction() as db:
            db.execute(text("INSERT INTO runs (started_at, seeds) VALUES ('now', 'x')"))
            raise RuntimeError("crash")
        with store.reading() as db:
            assert db.execute(text("SELECT COUNT(*) FROM runs")).scalar_one() == 0


def test_cached_results_round_trip_and_only_those_kept_stay(store_url: str) -> None:
    sources, _ = read_sources(sorted(SEEDS.glob("*.txt")))
    processed, _ = pipeline.process(sources)
    payloads = {p.document.name: canonical_json(p) for p in processed}
    assert all(incremental.decode_processed(payloads[p.document.name]) == p for p in processed)
    with Store.open(store_url) as store:
        store.save_cached("extract", payloads)
        store.save_cached("extract", payloads)  # the same results kept again
        store.save_cached("clean", {"x": "[]"})
        first = processed[0].document.name
        assert store.cached("extract", [first, "missing"]) == {first: payloads[first]}
        assert store.cached_keys("extract", [first, "missing"]) == {first}
        assert store.cached("clean", [first]) == {}
        ending = Ending(Inventory((), (), (), ()), [], "completed", cached={"extract": [first]})
        store.finish_run(store.begin_run("seeds"), ending)
        assert store.cached_keys("extract", payloads) == {first}
        assert store.cached_keys("clean", ["x"]) == {"x"}  # a step not named is left as it is


def test_the_facts_table_holds_what_the_current_releases_state(store_url: str) -> None:
    first = [src("a.txt", "Trade was $1 billion in 2020.\n"), src("b.txt", "Over 5,000 jobs.\n")]
    second = [src("a.txt", "Trade was $2 billion in 2021.\n"), first[1]]
    with Store.open(store_url) as store:
        for sources, key in ((first, "rules-1"), (second, "rules-1"), (second[:1], "rules-2")):
            processed, _ = pipeline.process(sources)
            stored = store.extractions()
            stated = [
                Stated(p.document.name, p.document.sha256, key + p.document.sha256, p.facts)
                for p in processed
                if stored.get(p.document.name) != key + p.document.sha256
            ]
            names = [s.name for s in sources]
            ending = Ending(store.inventory(sources), [], "completed", current=names, stated=stated)
            store.finish_run(store.begin_run("seeds"), ending)
            assert store.extractions() == {s.name: key + s.sha256 for s in sources}
            assert store.stated_facts(names) == [f for p in processed for f in p.facts]
        assert len(stated) == 1


def test_old_sqlite_store_gains_the_new_columns(tmp_path: Path) -> None:
    database = tmp_path / "state.db"
    with sqlite3.connect(database) as db:
        db.executescript(
            """CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL,
                 finished_at TEXT, seeds TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'running',
                 new INTEGER NOT NULL DEFAULT 0, changed INTEGER NOT NULL DEFAULT 0,
                 unchanged INTEGER NOT NULL DEFAULT 0, removed INTEGER NOT NULL DEFAULT 0,
                 failed INTEGER NOT NULL DEFAULT 0, facts_added INTEGER NOT NULL DEFAULT 0,
                 facts_removed INTEGER NOT NULL DEFAULT 0, fingerprint TEXT);
               CREATE TABLE failures (run_id INTEGER NOT NULL, name TEXT NOT NULL,
                 reason TEXT NOT NULL);
               INSERT INTO runs (started_at, seeds, status, finished_at)
                 VALUES ('then', 'seeds', 'completed', 'then');
               INSERT INTO failures VALUES (1, 'old.txt', 'empty');"""
        )
    with Store.open(f"sqlite:///{database}") as store:
        run = store.begin_run("seeds")
        failed = [Rejected("b.txt", "x"), Rejected("a.txt", "y")]
        outcome = ("code", "reports", 0, 0)
        store.finish_run(run, Ending(store.inventory([]), failed, "completed", outcome=outcome))
        last = store.last_run()
        assert last is not None and [f.name for f in last.failures] == ["b.txt", "a.txt"]
        assert store.finished_runs() == 2


def test_a_second_run_on_a_shared_store_is_refused(postgresql_server: str, tmp_path: Path) -> None:
    url = new_postgresql_database(postgresql_server)
    with (
        run_lock(tmp_path / "machine-a", url),
        pytest.raises(RunLocked, match="another run is using the state store"),
        run_lock(tmp_path / "machine-b", url),
    ):
        pass
    with run_lock(tmp_path / "machine-b", url):
        pass


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("not a url", "not a database URL"),
        ("mysql://someone:secret@127.0.0.1/db", "mysql"),
        ("postgresql+psycopg://someone:secret@127.0.0.1:{port}/db", "127.0.0.1"),
    ],
)
def test_a_store_that_cannot_be_opened_is_named_without_its_password(url: str, reason: str) -> None:
    with pytest.raises(StoreError) as raised, Store.open(url.format(port=free_port())):
        pass
    message = str(raised.value)
    assert message.startswith("cannot open the state store")
    assert reason in message
    assert "secret" not in message


def test_a_process_keeps_one_engine_per_store_until_its_file_is_replaced(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state' / 'state.db'}"
    with Store.open(url) as store:
        first = store.engine
        store.begin_run("seeds")
    with Store.open(url) as store:
        assert store.engine is first
    (tmp_path / "state" / "state.db").unlink()
    with Store.open(url) as store:
        assert store.engine is not first
        assert store.begin_run("seeds") == 1  # the new file has the tables, and no old runs
