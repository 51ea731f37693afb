"""Store: versions, withdrawn documents, cached results and transactions in real SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SEEDS
from usrok_pipeline import pipeline
from usrok_pipeline.ingest import read_sources, sha256_of
from usrok_pipeline.records import Rejected, SourceFile
from usrok_pipeline.store import Store, decode_processed, encode_processed


def src(name: str, text: str) -> SourceFile:
    data = text.encode()
    return SourceFile(name=name, sha256=sha256_of(data), data=data)


def test_inventory_across_runs(tmp_path: Path) -> None:
    database = tmp_path / "state.db"
    with Store.open(database) as store:
        first = [src("a.txt", "A"), src("b.txt", "B")]
        run = store.begin_run("seeds")
        inventory = store.inventory(first)
        assert (inventory.new, inventory.changed, inventory.removed) == (("a.txt", "b.txt"), (), ())
        store.record_sources(run, first, inventory.removed)
        store.finish_run(run, inventory, [], "completed")

        second = [src("a.txt", "A2"), src("c.txt", "C")]
        run = store.begin_run("seeds")
        inventory = store.inventory(second)
        assert inventory.new == ("c.txt",)
        assert inventory.changed == ("a.txt",)
        assert inventory.unchanged == ()
        assert inventory.removed == ("b.txt",)
        store.record_sources(run, second, inventory.removed)
        store.finish_run(run, inventory, [Rejected("d.txt", "empty")], "completed with failures")

        assert store.withdrawn() == ["b.txt"]
        previous = store.previous_version("a.txt", second[0].sha256)
        assert previous is not None and previous.data == b"A"
        assert [(r["new"], r["changed"], r["removed"], r["failed"]) for r in store.runs()] == [
            (2, 0, 0, 0),
            (1, 1, 1, 1),
        ]

    with Store.open(database) as store:
        assert store.inventory(second).unchanged == ("a.txt", "c.txt")


def test_reverted_file_counts_as_changed_once(tmp_path: Path) -> None:
    with Store.open(tmp_path / "state.db") as store:
        for text in ("v1", "v2", "v1"):
            run = store.begin_run("seeds")
            sources = [src("a.txt", text)]
            store.record_sources(run, sources, store.inventory(sources).removed)
        assert store.inventory([src("a.txt", "v1")]).unchanged == ("a.txt",)


def test_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    with Store.open(tmp_path / "state.db") as store:
        with pytest.raises(RuntimeError), store.transaction() as db:
            db.execute("INSERT INTO runs (started_at, seeds) VALUES ('now', 'x')")
            raise RuntimeError("crash")
        assert store.runs() == []


def test_processed_documents_round_trip(tmp_path: Path) -> None:
    sources, _ = read_sources(sorted(SEEDS.glob("*.txt")))
    processed, _ = pipeline.process(sources)
    assert all(decode_processed(encode_processed(p)) == p for p in processed)
    with Store.open(tmp_path / "state.db") as store:
        store.save_processed("rules-1", processed)
        first = processed[0].document
        assert store.cached(first.sha256, first.name, "rules-1") == processed[0]
        assert store.cached(first.sha256, first.name, "rules-2") is None
        assert store.cached(first.sha256, "copy.txt", "rules-1") is None
