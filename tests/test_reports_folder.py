"""The report folder is the product: a run with nothing new to read still writes back what
was deleted, cut short or edited in it, two runs never write one folder at once, and a
folder another state wrote over is written again by the next run of the first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import SEEDS, files
from usrok_pipeline import render
from usrok_pipeline.flow import run_plain
from usrok_pipeline.store import RunLocked, reports_lock

ADDED = "Korea ranked as the 6th largest trading partner of the United States in 2023.\n"


def run(seeds: Path, reports: Path, state: Path):  # type: ignore[no-untyped-def]
    return run_plain(str(seeds), str(reports), str(state))


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path / "seeds"


def test_a_run_with_nothing_to_read_writes_back_what_was_changed_in_the_folder(
    seeds: Path, tmp_path: Path
) -> None:
    reports, state = tmp_path / "reports", tmp_path / "state"
    run(seeds, reports, state)
    as_written = files(reports)
    page = render.document_page("001_808d30c52c5e429f.txt", "html")
    (reports / "facts.csv").unlink()
    (reports / "index.md").write_bytes((reports / "index.md").read_bytes()[:100])
    (reports / page).write_text("edited by hand", encoding="utf-8")
    again = run(seeds, reports, state)
    assert (again.parsed, again.processed) == (0, 0)
    assert sorted(again.written) == sorted(["facts.csv", "index.md", page])
    assert files(reports) == as_written
    assert run(seeds, reports, state).written == ()


def test_a_folder_another_state_wrote_over_is_written_again(seeds: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    run(seeds, reports, tmp_path / "state-a")
    as_written = files(reports)
    other = tmp_path / "other-seeds"
    shutil.copytree(seeds, other)
    (other / "010_added.txt").write_text(ADDED, encoding="utf-8")
    run(other, reports, tmp_path / "state-b")
    assert files(reports) != as_written
    again = run(seeds, reports, tmp_path / "state-a")
    assert again.written and files(reports) == as_written


def test_two_runs_never_write_one_report_folder_at_once(seeds: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    with (
        reports_lock(reports),
        pytest.raises(RunLocked, match=f"another run is writing the reports in {reports}"),
    ):
        run(seeds, reports, tmp_path / "state")
    assert not list(reports.iterdir())
    assert run(seeds, reports, tmp_path / "state").written
