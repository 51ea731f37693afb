"""Runs killed with SIGKILL at many points lose and duplicate nothing: after a re-run the state
is consistent and the reports are those of an uninterrupted run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from conftest import SEEDS, SHARED, files, start_usrok_run

KILL_DELAYS = [round(0.02 * step, 2) for step in range(32)]  # seconds after the run began
MIN_KILLS = 20
MIN_STAGES = 10


def corpus(folder: Path) -> Path:
    seeds = folder / "seeds"
    shutil.copytree(SEEDS, seeds)
    for path in sorted((SHARED / "corpus" / "docs").glob("*.txt")):
        shutil.copy(path, seeds / path.name)
    return seeds


def run(folder: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return start_usrok_run(folder, env, subprocess.DEVNULL)


def stage(folder: Path) -> tuple[int, ...]:
    """Where a killed run had got to: rows cached, runs recorded, report files written."""
    database = folder / "state" / "state.db"
    if not database.exists():
        return (0, 0, 0, len(files(folder / "reports")) if (folder / "reports").exists() else 0)
    with sqlite3.connect(database) as db:
        counts = [
            db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("cleaned", "processed", "runs")
        ]
    reports = len(files(folder / "reports")) if (folder / "reports").exists() else 0
    return (*counts, reports)


def began(folder: Path, process: subprocess.Popen[str], timeout: float = 120) -> bool:
    """Wait until the run has recorded its start; False when it ended first."""
    database = folder / "state" / "state.db"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if database.exists():
            try:
                with sqlite3.connect(database, timeout=0.1) as db:
                    if db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]:
                        return True
            except sqlite3.Error:
                pass
        time.sleep(0.01)
    return False


def consistent(folder: Path) -> list[str]:
    problems = []
    with sqlite3.connect(folder / "state" / "state.db") as db:
        if db.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            problems.append("integrity check failed")
        statuses = Counter(s for (s,) in db.execute("SELECT status FROM runs"))
        # A kill can land after the run recorded its end: then it completed, and so does the re-run.
        if not statuses["completed"] or set(statuses) - {"completed", "interrupted"}:
            problems.append(f"runs: {dict(statuses)}")
        facts = [
            json.dumps(f, sort_keys=True)
            for (payload,) in db.execute("SELECT facts FROM snapshot")
            for f in json.loads(payload)
        ]
        if len(facts) != len(set(facts)):
            problems.append("duplicated facts in the snapshot")
        versions = db.execute("SELECT COUNT(*), COUNT(DISTINCT name) FROM versions").fetchone()
        if versions[0] != versions[1]:
            problems.append(f"versions: {versions}")
    return problems


@pytest.mark.usefixtures("prefect_server")
def test_killed_runs_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    from usrok_pipeline.flow import run_pipeline

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    baseline = tmp_path / "baseline"
    corpus(baseline)
    assert run(baseline, env).wait(timeout=300) == 0
    expected = files(baseline / "reports")
    with sqlite3.connect(baseline / "state" / "state.db") as db:
        expected_facts = sorted(payload for (payload,) in db.execute("SELECT facts FROM snapshot"))

    killed, points, problems = 0, set(), []
    for delay in KILL_DELAYS:
        folder = tmp_path / f"kill-{delay}"
        corpus(folder)
        process = run(folder, env)
        if began(folder, process):
            time.sleep(delay)
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                killed += 1
                points.add(stage(folder))
        process.wait(timeout=300)
        run_pipeline(str(folder / "seeds"), str(folder / "reports"), str(folder / "state"))
        problems += [f"after a kill at {delay}s: {p}" for p in consistent(folder)]
        if files(folder / "reports") != expected:
            problems.append(f"after a kill at {delay}s: reports differ from an uninterrupted run")
        with sqlite3.connect(folder / "state" / "state.db") as db:
            if (
                sorted(payload for (payload,) in db.execute("SELECT facts FROM snapshot"))
                != expected_facts
            ):
                problems.append(f"after a kill at {delay}s: facts differ")
        shutil.rmtree(folder)
    print(f"{killed} runs killed at {len(points)} distinct stages: {sorted(points)}")
    assert problems == []
    assert killed >= MIN_KILLS
    assert len(points) >= MIN_STAGES
