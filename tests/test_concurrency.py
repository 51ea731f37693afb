"""Two runs on one state folder: the second stops at once with a message, nothing is corrupted."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import SEED_COUNT, SEEDS, start_usrok_run
from usrok_pipeline.store import run_lock


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path


def test_a_second_run_stops_with_a_message(folder: Path, server_env: dict[str, str]) -> None:
    with run_lock(folder / "state"):
        second = start_usrok_run(folder, server_env)
        _, err = second.communicate(timeout=300)
    assert second.returncode == 1
    assert f"Error: another run is using the state in {folder / 'state'} (pid {os.getpid()}" in err
    assert "wait for it to finish and run again" in err
    assert not (folder / "state" / "state.db").exists()


def test_a_second_run_stops_before_prefect_starts_a_server(folder: Path) -> None:
    alone = {name: value for name, value in os.environ.items() if name != "PREFECT_API_URL"}
    with run_lock(folder / "state"):
        second = start_usrok_run(folder, alone)
        _, err = second.communicate(timeout=300)
    assert second.returncode == 1
    assert "another run is using the state" in err
    assert "temporary server" not in err, err


def test_runs_started_together_never_corrupt_the_state(
    folder: Path, server_env: dict[str, str]
) -> None:
    runs = [start_usrok_run(folder, server_env) for _ in range(3)]
    results = [(run.wait(timeout=300), run.communicate()[1]) for run in runs]
    succeeded = [code for code, _ in results if code == 0]
    assert succeeded
    for code, err in results:
        assert code == 0 or "another run is using the state" in err, err
    with sqlite3.connect(folder / "state" / "state.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        statuses = [s for (s,) in db.execute("SELECT status FROM runs ORDER BY id")]
        versions = db.execute("SELECT COUNT(*), COUNT(DISTINCT name) FROM versions").fetchone()
    assert statuses == ["completed"] * len(succeeded)
    assert versions == (SEED_COUNT, SEED_COUNT)
