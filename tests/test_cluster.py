"""Batches on a Dask cluster (a scheduler and two workers, separate processes on loopback)
with the state in PostgreSQL: what several machines would run, with the same reports."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import files, free_port, new_postgresql_database

DASK = str(Path(sys.executable).with_name("dask"))
CLUSTER_STARTUP_SECONDS = 60


@pytest.fixture
def cluster(server_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """A Dask scheduler and two single-threaded workers that reach the session's Prefect API."""
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    scheduler = [DASK, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"]
    worker = [DASK, "worker", address, "--nthreads", "1", "--no-dashboard"]
    worker += ["--local-directory", str(tmp_path / "dask")]
    processes = [subprocess.Popen(scheduler, env=server_env, stderr=subprocess.DEVNULL)]
    processes += [
        subprocess.Popen(worker, env=server_env, stderr=subprocess.DEVNULL) for _ in range(2)
    ]
    from distributed import Client

    try:
        with Client(address, timeout=CLUSTER_STARTUP_SECONDS) as client:
            client.wait_for_workers(2, timeout=CLUSTER_STARTUP_SECONDS)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def tasks_run_on(address: str) -> set[str]:
    """The kinds of task the cluster's scheduler has handed to its workers."""
    from distributed import Client

    def seen(dask_scheduler: Any) -> list[str]:
        return list(dask_scheduler.task_prefixes)

    with Client(address) as client:
        return set(client.run_on_scheduler(seen))


@pytest.mark.usefixtures("prefect_server")
def test_batches_on_a_dask_cluster_write_what_one_process_writes(
    cluster: str,
    postgresql_server: str,
    shared: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from usrok_pipeline.flow import run_by_hand

    seeds = tmp_path / "seeds"
    shutil.copytree(shared / "corpus" / "docs", seeds)
    run_by_hand(str(seeds), str(tmp_path / "alone"), str(tmp_path / "state-alone"))

    monkeypatch.setenv("USROK_DATABASE_URL", new_postgresql_database(postgresql_server))
    monkeypatch.setenv("USROK_DASK_ADDRESS", cluster)
    spread = run_by_hand(str(seeds), str(tmp_path / "spread"), str(tmp_path / "state-spread"))

    assert spread.processed == spread.parsed == 10
    assert files(tmp_path / "spread") == files(tmp_path / "alone")
    assert {"parse_and_clean", "normalize_and_extract"} <= tasks_run_on(cluster)
