"""Runs killed with SIGKILL at every stage lose and duplicate nothing: after a re-run the state is
consistent and the reports are those of an uninterrupted run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from conftest import SEEDS, files, start_usrok_run


def corpus(folder: Path) -> Path:
    seeds = folder / "seeds"
    shutil.copytree(SEEDS, seeds)
    return seeds


def run(folder: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return start_usrok_run(folder, env, subprocess.DEVNULL)


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
            for (payload,) in db.execute("SELECT facts FROM facts")
            for f in json.loads(payload)
        ]
        if len(facts) != len(set(facts)):
            problems.append("duplicated facts in the facts table")
        versions = db.execute("SELECT COUNT(*), COUNT(DISTINCT name) FROM versions").fetchone()
        if versions[0] != versions[1]:
            problems.append(f"versions: {versions}")
    return problems


@pytest.mark.usefixtures("prefect_server")
def test_runs_killed_at_every_stage_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    from usrok_pipeline.flow import STOP_STAGES, STOP_VARIABLE, run_pipeline

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    baseline = tmp_path / "baseline"
    corpus(baseline)
    assert run(baseline, env).wait(timeout=300) == 0
    expected = files(baseline / "reports")
    with sqlite3.connect(baseline / "state" / "state.db") as db:
        expected_facts = sorted(payload for (payload,) in db.execute("SELECT facts FROM facts"))

    problems = []
    for stage in STOP_STAGES:
        folder = tmp_path / "killed"
        corpus(folder)
        returncode = run(folder, {**env, STOP_VARIABLE: stage}).wait(timeout=300)
        if returncode != -signal.SIGKILL:
            problems.append(f"the run to be killed at {stage!r} ended with {returncode}")
        run_pipeline(str(folder / "seeds"), str(folder / "reports"), str(folder / "state"))
        problems += [f"after a kill at {stage!r}: {p}" for p in consistent(folder)]
        if files(folder / "reports") != expected:
            problems.append(f"after a kill at {stage!r}: reports differ from an uninterrupted run")
        with sqlite3.connect(folder / "state" / "state.db") as db:
            if (
                sorted(payload for (payload,) in db.execute("SELECT facts FROM facts"))
                != expected_facts
            ):
                problems.append(f"after a kill at {stage!r}: facts differ")
        shutil.rmtree(folder)
    assert problems == []
