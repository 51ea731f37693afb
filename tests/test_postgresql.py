"""The whole flow on a PostgreSQL state store (a real server on loopback), as several
machines sharing one store would run it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from conftest import REPORTS, SEED_COUNT, SEEDS, USROK, files, free_port, new_postgresql_database


@pytest.mark.usefixtures("prefect_server")
def test_the_flow_on_postgresql_writes_the_same_reports(
    postgresql_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from usrok_pipeline.flow import run_by_hand

    url = new_postgresql_database(postgresql_server)
    monkeypatch.setenv("USROK_DATABASE_URL", url)
    seeds, reports = tmp_path / "seeds", tmp_path / "reports"
    shutil.copytree(SEEDS, seeds)

    first = run_by_hand(str(seeds), str(reports), str(tmp_path / "machine-a"))
    assert (len(first.new), first.processed, first.status) == (SEED_COUNT, SEED_COUNT, "completed")
    assert files(reports) == files(REPORTS)
    assert not (tmp_path / "machine-a" / "state.db").exists()

    # Another machine, with its own state folder, sees what the first one stored.
    again = run_by_hand(str(seeds), str(reports), str(tmp_path / "machine-b"))
    assert (len(again.unchanged), again.parsed, again.processed) == (SEED_COUNT, 0, 0)

    # A release added: its facts are extracted, the others' read from the cache.
    shutil.copy(SEEDS / "000_479443e2f1f97cd6.txt", seeds / "010_copy.txt")
    added = run_by_hand(str(seeds), str(reports), str(tmp_path / "machine-b"))
    assert (added.new, added.processed) == (("010_copy.txt",), 1)
    fresh = tmp_path / "fresh"
    monkeypatch.delenv("USROK_DATABASE_URL")
    run_by_hand(str(seeds), str(fresh), str(tmp_path / "fresh-state"))
    for name in ("facts.jsonl", "facts.csv", "changes.json", "changes.html", "changes.md"):
        assert (reports / name).read_bytes() == (fresh / name).read_bytes()

    engine = create_engine(url)
    with engine.connect() as db:
        runs = db.execute(text("SELECT status, new, unchanged FROM runs ORDER BY id")).all()
        versions = db.execute(text("SELECT COUNT(*) FROM versions")).scalar_one()
        cached = db.execute(text("SELECT COUNT(*) FROM cache WHERE step = 'extract'")).scalar_one()
    engine.dispose()
    assert [tuple(r) for r in runs] == [
        ("completed", SEED_COUNT, 0),
        ("completed", 0, SEED_COUNT),
        ("completed", 1, SEED_COUNT),
    ]
    assert versions == SEED_COUNT + 1
    assert cached == SEED_COUNT + 1


def test_usrok_run_names_a_store_it_cannot_reach(
    prefect_server: None, server_env: dict[str, str], tmp_path: Path
) -> None:
    url = f"postgresql+psycopg://usrok:secret@127.0.0.1:{free_port()}/usrok"
    env = {**server_env, "USROK_DATABASE_URL": url}
    command = [USROK, "run", "--seeds", str(SEEDS), "--reports", str(tmp_path / "reports")]
    done = subprocess.run(
        [*command, "--state-dir", str(tmp_path / "state")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "cannot open the state store postgresql+psycopg://usrok:***@127.0.0.1" in done.stderr
    assert "secret" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "reports").exists()
