"""Scheduled and manual runs on a real Prefect server: `usrok serve` runs on its schedule and\nwhen triggered by hand, and the work-pool deployment of prefect.yaml stands beside it."""

from __future__ import annotations

import datetime as dt
import json
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
from typing import Any

import pytest

from conftest import PROJECT, SEEDS

BIN = Path(sys.executable).parent
STARTUP_SECONDS = 120
SCHEDULED_RUN_SECONDS = 300  # the schedule is due within two minutes; the run takes seconds
SERVED = "usrok-pipeline/scheduled"


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


def next_minute_cron(lead_seconds: float) -> str:
    """A cron schedule due once, at the first whole minute at least LEAD_SECONDS from now (UTC)."""
    due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lead_seconds + 60)
    return f"{due.minute} {due.hour} * * *"


def served_runs(api: str, deployment: str) -> list[Any]:
    """The flow runs of a deployment on the server at API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        return client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[deployment]))
        )


def prefect(env: dict[str, str], *arguments: str, cwd: Path | None = None) -> str:
    """A Prefect command's output; the test fails with it when the command does."""
    done = subprocess.run(
        [str(BIN / "prefect"), *arguments],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.server
def test_a_served_schedule_runs_by_itself_and_by_hand(
    server: dict[str, str], tmp_path: Path
) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    reports = tmp_path / "reports"
    serve_log = tmp_path / "serve.log"
    cron = next_minute_cron(lead_seconds=30)
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
                "--cron",
                cron,
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
            by_hand = prefect(
                server, "deployment", "run", SERVED, "--watch", "--param", "force=true"
            )
            assert "Completed" in by_hand
            wait_for(
                lambda: any(
                    run.auto_scheduled and run.state_name == "Completed"
                    for run in served_runs(server["PREFECT_API_URL"], "scheduled")
                ),
                SCHEDULED_RUN_SECONDS,
                "a scheduled run to complete",
            )
            # The work-pool deployment of prefect.yaml is another one: deploying it leaves the
            # served one as it is.
            project = tmp_path / "project"
            project.mkdir()
            shutil.copy(PROJECT / "prefect.yaml", project)
            prefect(server, "work-pool", "create", "usrok-pool", "--type", "process")
            prefect(server, "--no-prompt", "deploy", "--all", cwd=project)
        finally:
            returncode = stop(serving)
    assert returncode == 0, serve_log.read_text()
    page = (reports / "index.html").read_text()
    assert "U.S. and ROK Advance Economic Cooperation at the 5th Senior Economic Dialogue" in page
    served = json.loads(prefect(server, "deployment", "inspect", SERVED, "--output", "json"))
    assert [s["schedule"]["cron"] for s in served["schedules"]] == [cron]
    assert served["paused"] is False
    assert served["parameters"]["reports"] == str(reports)
    assert served["global_concurrency_limit"]["limit"] == 1
    assert served["concurrency_options"]["collision_strategy"] == "ENQUEUE"
    pooled = json.loads(
        prefect(server, "deployment", "inspect", "usrok-pipeline/worker-pool", "--output", "json")
    )
    assert pooled["work_pool_name"] == "usrok-pool"
    assert pooled["parameters"]["reports"] == "/srv/usrok/reports"
    assert pooled["pull_steps"] == []
    assert pooled["global_concurrency_limit"]["limit"] == 1
    assert str(project) not in json.dumps(pooled)
    assert "never awaited" not in serve_log.read_text()
