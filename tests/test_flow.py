"""The pipeline flow end to end on a real Prefect API and a real state store."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPORTS, SEED_COUNT, SEEDS, files
from usrok_pipeline import render


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    return {"seeds": seeds, "reports": tmp_path / "reports", "state": tmp_path / "state"}


def run(folders: dict[str, Path]):  # type: ignore[no-untyped-def]
    from usrok_pipeline.flow import run_by_hand

    return run_by_hand(str(folders["seeds"]), str(folders["reports"]), str(folders["state"]))


def latest_artifact(key: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
    return str(artifact.data)


@pytest.mark.usefixtures("prefect_server")
def test_runs_are_incremental_and_keep_versions(folders: dict[str, Path]) -> None:
    first = run(folders)
    assert (len(first.new), first.processed, first.status) == (SEED_COUNT, SEED_COUNT, "completed")
    assert {"index.html", "index.md", "facts.jsonl", "style.css"} <= set(first.written)
    assert len(first.written) == len([p for p in folders["reports"].rglob("*") if p.is_file()])
    page = (folders["reports"] / "index.html").read_text()
    assert "U.S. and ROK Advance Economic Cooperation at the 5th Senior Economic Dialogue" in page
    assert first.facts == len((folders["reports"] / "facts.jsonl").read_text().splitlines())

    again = run(folders)
    assert (len(again.new), len(again.changed), len(again.unchanged)) == (0, 0, SEED_COUNT)
    assert (again.parsed, again.processed, again.written) == (0, 0, ())

    added = folders["seeds"] / "010_added.txt"
    added.write_text("Korea is the United States' 6th largest trading partner.\n")
    one_more = run(folders)
    assert (one_more.new, one_more.parsed, one_more.processed) == (("010_added.txt",), 1, 1)
    assert {
        "index.html",
        "index.md",
        "facts.jsonl",
        render.document_page("010_added.txt", "html"),
    } <= set(one_more.written)
    assert "style.css" not in one_more.written
    markdown = (folders["reports"] / "index.md").read_text()
    assert "[Run 3](runs/3.md)" in markdown
    assert "1 new, 0 changed, 0 withdrawn and 0 unreadable releases; 1 facts added" in markdown
    assert (
        "| added | Korea is the United States' 6th largest trading partner. "
        "| `rok_rank_as_us_trade_partner` | 6th | not stated |" in markdown
    )
    added.unlink()

    seed = folders["seeds"] / "002_b8fc4deb01f73003.txt"
    seed.write_text(seed.read_text().replace("$125 billion", "$126 billion"))
    (folders["seeds"] / "000_479443e2f1f97cd6.txt").unlink()
    (folders["seeds"] / "empty.txt").write_text("")
    changed = run(folders)
    assert changed.changed == ("002_b8fc4deb01f73003.txt",)
    assert changed.removed == ("000_479443e2f1f97cd6.txt", "010_added.txt")
    assert [(f.name, f.reason) for f in changed.failed] == [("empty.txt", "the file is empty")]
    assert (changed.processed, changed.status) == (1, "completed with failures")
    markdown = (folders["reports"] / "index.md").read_text()
    assert "## Releases whose file changed" in markdown
    assert "- helped facilitate $125 billion" not in markdown
    assert "$126 billion" in markdown
    assert "`000_479443e2f1f97cd6.txt`: withdrawn" in markdown
    assert "`empty.txt`: the file is empty" in markdown
    # Run 4 in the history: its page, start, figures moved, new, changed, withdrawn, failed.
    assert re.search(
        r"\| \[4\]\(runs/4\.md\) \| [-\d]+ [:\d]+ UTC \| \d+ \| 1 \| 1 \| 2 \| 1 \|", markdown
    )

    summary = latest_artifact("usrok-run-summary")
    assert "# usrok-pipeline run 4" in summary
    assert "1 new, 1 changed, 2 removed, 1 failed releases" in summary
    assert "file://" not in summary
    assert "empty.txt" not in latest_artifact("usrok-fact-changes")

    with sqlite3.connect(folders["state"] / "state.db") as db:
        runs = db.execute(
            "SELECT status, new, changed, unchanged, removed, failed FROM runs"
        ).fetchall()
        versions = db.execute("SELECT COUNT(*) FROM versions WHERE name LIKE '002%'").fetchone()
    assert runs == [
        ("completed", SEED_COUNT, 0, 0, 0, 0),
        ("completed", 0, 0, SEED_COUNT, 0, 0),
        ("completed", 1, 0, SEED_COUNT, 0, 0),
        ("completed with failures", 1, 1, SEED_COUNT - 2, 2, 1),
    ]
    assert versions == (2,)


@pytest.mark.usefixtures("prefect_server")
def test_a_run_with_no_readable_release_fails(tmp_path: Path) -> None:
    from usrok_pipeline.flow import run_pipeline

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "blank.txt").write_text("   \n")
    with pytest.raises(RuntimeError, match="no release could be read"):
        run_pipeline(str(seeds), str(tmp_path / "reports"), str(tmp_path / "state"))
    with sqlite3.connect(tmp_path / "state" / "state.db") as db:
        assert db.execute("SELECT status, failed FROM runs").fetchall() == [("failed", 1)]


def test_runs_by_hand_send_no_heartbeats_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import get_current_settings

    from usrok_pipeline.flow import without_heartbeats

    configured = get_current_settings().flows.heartbeat_frequency
    assert configured is not None
    with without_heartbeats():
        assert get_current_settings().flows.heartbeat_frequency is None
    monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", str(configured))
    with without_heartbeats():
        assert get_current_settings().flows.heartbeat_frequency == configured


def test_the_plain_run_does_the_flows_work_without_prefect(
    folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from usrok_pipeline.flow import run_plain

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # no Prefect to talk to
    first = run_plain(str(folders["seeds"]), str(folders["reports"]), str(folders["state"]))
    assert (len(first.new), first.processed, first.status) == (SEED_COUNT, SEED_COUNT, "completed")
    assert files(folders["reports"]) == files(REPORTS)
    (folders["seeds"] / "010_copy.txt").write_bytes(
        (SEEDS / "000_479443e2f1f97cd6.txt").read_bytes()
    )
    second = run_plain(str(folders["seeds"]), str(folders["reports"]), str(folders["state"]))
    assert (second.new, second.parsed, second.processed) == (("010_copy.txt",), 0, 1)
    with sqlite3.connect(folders["state"] / "state.db") as db:
        runs = db.execute("SELECT status, new, unchanged FROM runs ORDER BY id").fetchall()
    assert runs == [("completed", SEED_COUNT, 0), ("completed", 1, SEED_COUNT)]


@pytest.mark.usefixtures("prefect_server")
def test_task_runs_are_named_for_their_batch(folders: dict[str, Path]) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from usrok_pipeline.flow import run_pipeline

    state = run_pipeline(
        str(folders["seeds"]), str(folders["reports"]), str(folders["state"]), return_state=True
    )
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=[state.state_details.flow_run_id])
            )
        )
    names = {run.name for run in runs}
    assert {
        f"parse and clean 1/1 ({SEED_COUNT} releases)",
        f"normalize and extract 1/1 ({SEED_COUNT} releases)",
    } <= names


def test_flow_parameters_are_described() -> None:
    from prefect.utilities.callables import parameter_schema

    from usrok_pipeline.flow import run_pipeline

    properties = parameter_schema(run_pipeline).model_dump()["properties"]
    assert set(properties) == {"seeds", "reports", "state_dir", "force"}
    assert all(field.get("description") for field in properties.values())


def test_importing_the_flow_leaves_the_environment_as_it_was() -> None:
    check = (
        "import os; before = dict(os.environ); import usrok_pipeline.flow; "
        "print(sorted(set(os.environ.items()) ^ set(before.items())))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    done = subprocess.run(
        [sys.executable, "-c", check], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
