"""A file's bytes, not how it looks, say whether it changed since the last run."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import SEED_COUNT, SEEDS, files
from usrok_pipeline.ingest import scan, sha256_of
from usrok_pipeline.store import Store


def rewrite_keeping_size_and_time(path: Path, text: str) -> None:
    before = path.stat()
    path.write_text(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_a_file_rewritten_with_its_old_size_and_time_has_its_new_hash(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("first")
    (before,), _ = scan(tmp_path)
    rewrite_keeping_size_and_time(path, "FIRST")
    (after,), _ = scan(tmp_path)
    assert (before.sha256, after.sha256) == (sha256_of(b"first"), sha256_of(b"FIRST"))
    assert after.data == b"FIRST"


def test_a_store_of_an_earlier_version_loses_the_table_of_file_looks(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE files_seen (seeds TEXT, name TEXT, sha256 TEXT)")
    with Store.open(f"sqlite:///{path}") as store:
        assert store.latest_versions() == {}
    with sqlite3.connect(path) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert "files_seen" not in tables and "runs" in tables


@pytest.mark.usefixtures("prefect_server")
def test_runs_see_a_change_that_keeps_size_and_time(tmp_path: Path) -> None:
    from usrok_pipeline.flow import run_by_hand

    seeds, reports, state = tmp_path / "seeds", tmp_path / "reports", tmp_path / "state"
    shutil.copytree(SEEDS, seeds)
    run_by_hand(str(seeds), str(reports), str(state))
    again = run_by_hand(str(seeds), str(reports), str(state))
    assert (len(again.unchanged), again.parsed) == (SEED_COUNT, 0)

    written = files(reports)
    forced = run_by_hand(str(seeds), str(reports), str(state), force=True)
    assert (forced.parsed, forced.failed) == (SEED_COUNT, ())
    assert files(reports) == written

    seed = seeds / "002_b8fc4deb01f73003.txt"
    rewrite_keeping_size_and_time(seed, seed.read_text().replace("$125 billion", "$126 billion"))
    changed = run_by_hand(str(seeds), str(reports), str(state))
    assert changed.changed == ("002_b8fc4deb01f73003.txt",)
    assert "$126 billion" in (reports / "index.md").read_text()
