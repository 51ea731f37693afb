"""Files that look as they did when last read (size, times, inode) are not read again."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import SEEDS, files
from usrok_pipeline import ingest
from usrok_pipeline.ingest import read_unread, scan, sha256_of
from usrok_pipeline.pipeline import seen_changes, vouched
from usrok_pipeline.records import FileSeen, SourceFile


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files count as settled as soon as they are written (else only two seconds later)."""
    monkeypatch.setattr(ingest, "RECENT_CHANGE_NS", 0)


def rewrite_keeping_size_and_time(path: Path, text: str) -> None:
    before = path.stat()
    path.write_text(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)


@pytest.mark.usefixtures("settled")
def test_a_file_that_looks_as_seen_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("first")
    (tmp_path / "b.txt").write_text("second")
    first, _ = scan(tmp_path)
    assert [(s.data, s.seen.sha256 if s.seen else None) for s in first] == [
        (b"first", sha256_of(b"first")),
        (b"second", sha256_of(b"second")),
    ]

    seen = {s.name: s.seen for s in first if s.seen}
    again, _ = scan(tmp_path, seen=seen)
    assert [(s.name, s.sha256, s.data, s.seen) for s in again] == [
        (s.name, s.sha256, None, s.seen) for s in first
    ]


@pytest.mark.usefixtures("settled")
def test_a_rewritten_file_is_read_even_with_its_old_size_and_time(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("first")
    (before,), _ = scan(tmp_path)
    assert before.seen is not None
    rewrite_keeping_size_and_time(path, "FIRST")
    (after,), _ = scan(tmp_path, seen={"a.txt": before.seen})
    assert (after.data, after.sha256) == (b"FIRST", sha256_of(b"FIRST"))


def test_a_file_changed_just_now_has_no_look_to_vouch_for_it(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("first")
    (found,), _ = scan(tmp_path)
    assert (found.data, found.seen) == (b"first", None)


def test_files_left_unread_are_read_when_needed_and_set_aside_when_changed(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.txt").write_text("same")
    (tmp_path / "b.txt").write_text("changed since")
    unread = [SourceFile("a.txt", sha256_of(b"same"), None), SourceFile("b.txt", "old", None)]
    read, rejected = read_unread(tmp_path, unread)
    assert [(s.name, s.data) for s in read] == [("a.txt", b"same")]
    assert [(r.name, r.reason) for r in rejected] == [
        ("b.txt", "changed while the run was reading it")
    ]


def test_the_looks_kept_are_those_new_or_changed_and_gone_ones_are_forgotten() -> None:
    kept = FileSeen("kept.txt", 1, 2, 3, 4, "h")
    moved = FileSeen("moved.txt", 1, 2, 3, 4, "h")
    before = {
        "kept.txt": kept,
        "moved.txt": moved,
        "gone.txt": FileSeen("gone.txt", 1, 2, 3, 4, "h"),
        "recent.txt": FileSeen("recent.txt", 1, 2, 3, 4, "h"),
    }
    now_moved = FileSeen("moved.txt", 1, 2, 3, 5, "h")
    new = FileSeen("new.txt", 1, 2, 3, 6, "n")
    sources = [
        SourceFile("kept.txt", "h", None, kept),
        SourceFile("moved.txt", "h", b"x", now_moved),
        SourceFile("new.txt", "n", b"y", new),
        SourceFile("recent.txt", "r", b"z", None),
    ]
    assert seen_changes(before, sources) == ([now_moved, new], ["gone.txt", "recent.txt"])


def test_only_a_look_of_the_latest_version_vouches_for_a_file() -> None:
    latest = FileSeen("a.txt", 1, 2, 3, 4, "v2")
    older = FileSeen("b.txt", 1, 2, 3, 4, "v1")
    gone = FileSeen("c.txt", 1, 2, 3, 4, "v1")
    seen = {"a.txt": latest, "b.txt": older, "c.txt": gone}
    assert vouched(seen, {"a.txt": "v2", "b.txt": "v2"}) == {"a.txt": latest}


@pytest.mark.usefixtures("prefect_server", "settled")
def test_runs_keep_how_files_looked_and_still_see_every_change(tmp_path: Path) -> None:
    from usrok_pipeline.flow import run_by_hand

    seeds, reports, state = tmp_path / "seeds", tmp_path / "reports", tmp_path / "state"
    shutil.copytree(SEEDS, seeds)
    run_by_hand(str(seeds), str(reports), str(state))
    with sqlite3.connect(state / "state.db") as db:
        kept = dict(db.execute("SELECT name, sha256 FROM files_seen"))
    assert kept == {p.name: sha256_of(p.read_bytes()) for p in seeds.iterdir()}

    again = run_by_hand(str(seeds), str(reports), str(state))
    assert (len(again.unchanged), again.parsed) == (5, 0)

    # Cleaned again from scratch, the files left unread are read after all.
    written = files(reports)
    forced = run_by_hand(str(seeds), str(reports), str(state), force=True)
    assert (forced.parsed, forced.failed) == (5, ())
    assert files(reports) == written

    seed = seeds / "002_b8fc4deb01f73003.txt"
    rewrite_keeping_size_and_time(seed, seed.read_text().replace("$125 billion", "$126 billion"))
    changed = run_by_hand(str(seeds), str(reports), str(state))
    assert changed.changed == ("002_b8fc4deb01f73003.txt",)
    assert "$126 billion" in (reports / "index.md").read_text()
