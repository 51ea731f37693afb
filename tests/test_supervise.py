"""A run killed with SIGKILL leaves no process behind: the temporary Prefect server dies with it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import SEEDS, start_usrok_run
from usrok_pipeline import synth

MARKER_VARIABLE = "USROK_SUPERVISE_TEST"
SERVER_ADDRESS = re.compile(r"Starting temporary server on (http://\S+)")
DEADLINE_SECONDS = 120
RELEASES_TO_KEEP_A_RUN_BUSY = 400

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")


@pytest.fixture
def marker() -> Iterator[str]:
    """A value in the environment of every process of one run; whatever is left is killed."""
    value = uuid.uuid4().hex
    yield value
    for pid in marked_processes(value):
        os.kill(pid, signal.SIGKILL)


def marked_processes(marker: str) -> list[int]:
    """The processes whose environment carries the marker."""
    wanted = f"{MARKER_VARIABLE}={marker}".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if wanted in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:  # ended meanwhile, or not ours
            continue
    return found


def temporary_server_env(marker: str, **extra: str) -> dict[str, str]:
    """An environment in which `usrok run` starts Prefect's temporary server."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return {**env, MARKER_VARIABLE: marker, **extra}


def wait_until(condition: str, check: Callable[[], bool]) -> None:
    """Poll for a state the test needs, failing (not hanging) if it never comes."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not check():
        assert time.monotonic() < deadline, f"not {condition} after {DEADLINE_SECONDS} s"
        time.sleep(0.1)


def server_answers(log: Path) -> bool:
    """Whether the run's temporary server is up: Prefect then stops it at exit."""
    found = SERVER_ADDRESS.search(log.read_text(encoding="utf-8", errors="replace"))
    if not found:
        return False
    try:
        with urllib.request.urlopen(f"{found.group(1)}/api/health", timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def busy_seeds(folder: Path) -> None:
    """Enough releases that the run is still working when the test kills it."""
    seeds = folder / "seeds"
    shutil.copytree(SEEDS, seeds)
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    for release in synth.generate(RELEASES_TO_KEEP_A_RUN_BUSY, texts):
        (seeds / release.name).write_text(release.text, encoding="utf-8")


def test_killing_the_command_stops_its_temporary_server(tmp_path: Path, marker: str) -> None:
    busy_seeds(tmp_path)
    log = tmp_path / "run.log"
    with log.open("w", encoding="utf-8") as output:
        run = start_usrok_run(tmp_path, temporary_server_env(marker), output.fileno())
    wait_until("serving", lambda: server_answers(log))
    run.kill()
    assert run.wait(timeout=DEADLINE_SECONDS) == -signal.SIGKILL
    wait_until("all stopped", lambda: not marked_processes(marker))


def test_a_run_killed_midway_leaves_no_server_behind(tmp_path: Path, marker: str) -> None:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    env = temporary_server_env(marker, USROK_STOP_AT="extracted")
    run = start_usrok_run(tmp_path, env, subprocess.DEVNULL)
    assert run.wait(timeout=DEADLINE_SECONDS) == -signal.SIGKILL
    wait_until("all stopped", lambda: not marked_processes(marker))
