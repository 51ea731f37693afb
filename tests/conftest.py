"""Shared fixtures: paths, an isolated Prefect home and one Prefect test server per session."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Prefect reads its settings when first imported: isolate it before any test imports it.
_PREFECT_HOME = tempfile.mkdtemp(prefix="usrok-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["USROK_STATE_DIR"] = tempfile.mkdtemp(prefix="usrok-state-")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

PROJECT = Path(__file__).resolve().parents[1]
SEEDS = PROJECT / "seeds"
REPORTS = PROJECT / "reports"
SHARED = PROJECT.parent / "shared"
SERVER_STARTUP_SECONDS = 120
USROK = str(Path(sys.executable).with_name("usrok"))


def seed_names() -> list[str]:
    """The bundled seed files, for parametrized snapshot tests."""
    return sorted(path.name for path in SEEDS.glob("*.txt"))


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """A temporary Prefect API for the whole session: it costs seconds to start."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=SERVER_STARTUP_SECONDS):
        yield


@pytest.fixture
def shared() -> Path:
    """The read-only shared folder beside the project (dev corpus, labels, scorer)."""
    if not (SHARED / "eval" / "score.py").exists():
        pytest.fail(f"the shared folder is missing at {SHARED}")
    return SHARED


@pytest.fixture
def server_env(prefect_server: None) -> dict[str, str]:
    """The environment of a subprocess that uses the session's Prefect server."""
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}


def start_usrok_run(
    folder: Path, env: dict[str, str], output: int = subprocess.PIPE
) -> subprocess.Popen[str]:
    """`usrok run` on FOLDER/seeds, FOLDER/reports and FOLDER/state, as a separate process."""
    command = [
        USROK,
        "run",
        "--seeds",
        str(folder / "seeds"),
        "--reports",
        str(folder / "reports"),
        "--state-dir",
        str(folder / "state"),
    ]
    return subprocess.Popen(command, env=env, stdout=output, stderr=output, text=True)
