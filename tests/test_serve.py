"""Scheduled and manual runs: a real Prefect server, `usrok serve`, and a run triggered by hand."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import SEEDS

BIN = Path(sys.executable).parent
STARTUP_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=60)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, str]]:
    """`prefect server start` on loopback, with its own home; stopped by its process id."""
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
    }
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: healthy(env["PREFECT_API_URL"]), STARTUP_SECONDS, "prefect server")
        yield env
    finally:
        stop(process)
        log.close()


@pytest.mark.server
def test_serve_runs_a_deployment_triggered_by_hand(server: dict[str, str], tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    reports = tmp_path / "reports"
    serve_log = tmp_path / "serve.log"
    with serve_log.open("w") as log:
        serving = subprocess.Popen(
            [
                str(BIN / "usrok"),
                "serve",
                "--seeds",
                str(seeds),
                "--reports",
                str(reports),
                "--state-dir",
                str(tmp_path / "state"),
            ],
            env=server,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_for(
                lambda: "deployment run" in serve_log.read_text(), STARTUP_SECONDS, "usrok serve"
            )
            triggered = subprocess.run(
                [
                    str(BIN / "prefect"),
                    "deployment",
                    "run",
                    "usrok-pipeline/scheduled",
                    "--watch",
                    "--param",
                    "force=true",
                ],
                env=server,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert triggered.returncode == 0, triggered.stdout + triggered.stderr
            assert "Completed" in triggered.stdout
        finally:
            returncode = stop(serving)
    assert returncode == 0, serve_log.read_text()
    page = (reports / "index.html").read_text()
    assert "U.S. and ROK Advance Economic Cooperation at the 5th Senior Economic Dialogue" in page
    inspected = subprocess.run(
        [str(BIN / "prefect"), "deployment", "inspect", "usrok-pipeline/scheduled"],
        env=server,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "'cron': '0 6 * * *'" in inspected.stdout
    assert "'paused': False" in inspected.stdout
    assert "never awaited" not in serve_log.read_text()
