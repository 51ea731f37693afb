"""The usrok command as a user runs it: extraction scored on the dev corpus, and a full run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEEDS

USROK = str(Path(sys.executable).with_name("usrok"))
# The dev-set F1 this extractor reaches; a change that lowers it fails here.
F1_FLOOR = 1.0
LINKING_FLOOR = 0.97


def test_extract_scores_on_the_dev_corpus(shared: Path, tmp_path: Path) -> None:
    documents = sorted((shared / "seeds").glob("*.txt")) + sorted(
        (shared / "corpus" / "docs").glob("*.txt")
    )
    extracted = subprocess.run(
        [USROK, "extract", *map(str, documents), "--format", "jsonl"],
        check=True,
        capture_output=True,
        text=True,
    )
    facts = tmp_path / "facts.jsonl"
    facts.write_text(extracted.stdout)
    first = json.loads(extracted.stdout.splitlines()[0])
    assert set(first) >= {
        "document",
        "sentence",
        "start",
        "end",
        "value",
        "unit",
        "qualifier",
        "period",
        "metric",
    }
    scored = subprocess.run(
        [
            sys.executable,
            str(shared / "eval" / "score.py"),
            str(shared / "corpus" / "truth.yaml"),
            str(facts),
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    f1 = float(re.search(r"F1=([\d.]+)", scored.stdout.splitlines()[-1]).group(1))  # type: ignore[union-attr]
    assert f1 >= F1_FLOOR
    assert float(re.search(r'"linking_recall": ([\d.]+)', scored.stdout).group(1)) >= LINKING_FLOOR  # type: ignore[union-attr]


def test_extract_reports_unreadable_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = subprocess.run(
        [USROK, "extract", str(empty), str(SEEDS / "002_b8fc4deb01f73003.txt")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "set aside empty.txt: the file is empty" in result.stderr
    assert len(result.stdout.splitlines()) == 6


@pytest.mark.usefixtures("prefect_server")
def test_usrok_run_against_a_running_server(tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    result = subprocess.run(
        [
            USROK,
            "run",
            "--seeds",
            str(seeds),
            "--reports",
            str(tmp_path / "reports"),
            "--state-dir",
            str(tmp_path / "state"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "15 new, 0 changed, 0 unchanged, 0 removed, 0 failed" in result.stdout
    assert f"Open {tmp_path / 'reports' / 'index.html'}" in result.stdout
    assert "Traceback" not in result.stderr
    assert (tmp_path / "reports" / "index.html").exists()
