"""Shared fixtures: paths, an isolated Prefect home and one Prefect test server per session."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
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


def seeds_epoch() -> str:
    """The seeds' last commit time, which `make run` dates the bundled report's run by."""
    found = subprocess.run(
        ["git", "log", "-1", "--format=%ct", "--", "seeds"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout.strip()


# Runs are dated by their clock: the tests fix it, as `make run` does for the committed
# report, so that two runs of the same inputs give the same bytes.
SEEDS_EPOCH = seeds_epoch()
os.environ["SOURCE_DATE_EPOCH"] = SEEDS_EPOCH
SERVER_STARTUP_SECONDS = 120
USROK = str(Path(sys.executable).with_name("usrok"))
POSTGRESQL_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
POSTGRESQL_USER = "usrok"
DATABASE_NUMBERS = itertools.count(1)


def files(folder: Path) -> dict[str, bytes]:
    """Every file below a folder, by relative path: reports compared byte for byte."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def seed_names() -> list[str]:
    """The bundled seed files, for parametrized snapshot tests."""
    return sorted(path.name for path in SEEDS.glob("*.txt"))


SEED_COUNT = len(seed_names())


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


def free_port() -> int:
    """A TCP port nothing listens on, on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[str]:
    """A real PostgreSQL server (Debian's package) on loopback for the session; the URL of its
    maintenance database. Root cannot run PostgreSQL, so it then runs as the postgres user."""
    if not POSTGRESQL_BIN:
        pytest.fail("PostgreSQL is not installed: `make test` installs Debian's postgresql")
    bin_dir = POSTGRESQL_BIN[-1]
    folder = Path(tempfile.mkdtemp(prefix="usrok-postgresql-"))
    as_owner: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", free_port()
    subprocess.run(
        [
            *as_owner,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            POSTGRESQL_USER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    options = f"-h 127.0.0.1 -p {port} -k {folder} -F"
    start = [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log")]
    subprocess.run([*as_owner, *start, "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://{POSTGRESQL_USER}@127.0.0.1:{port}/postgres"
    finally:
        stop = [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
        subprocess.run([*as_owner, *stop], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def new_postgresql_database(server: str) -> str:
    """A fresh, empty database on the session's server, so that tests never share state."""
    from sqlalchemy import create_engine, make_url, text

    name = f"usrok_test_{next(DATABASE_NUMBERS)}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as db:
        db.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty state store of each kind the pipeline supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return new_postgresql_database(request.getfixturevalue("postgresql_server"))
