"""Boilerplate is learned anew on every run from the cached candidates of each release: a run
that adds, changes or removes releases learns what a fresh run over them learns."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SEEDS
from test_incremental_report import pages_of
from usrok_pipeline import render

SHARED = "Follow the embassy on social media for news of the alliance."


def note(number: int, shared: bool = True) -> str:
    """A short release; SHARED ones end with the same paragraph."""
    words = ["one", "two", "three", "four", "five"][number]
    body = f"Alliance note {words}\n\nTwo-way trade reached ${number + 100} billion in 2023.\n"
    return body + (f"\n{SHARED}\n" if shared else "")


def test_runs_that_add_change_and_remove_releases_learn_what_a_fresh_run_learns(
    tmp_path: Path,
) -> None:
    from usrok_pipeline.flow import run_by_hand

    seeds, reports, state = tmp_path / "seeds", tmp_path / "reports", tmp_path / "state"
    shutil.copytree(SEEDS, seeds)
    for number in range(3):
        (seeds / f"note_{number}.txt").write_text(note(number))
    run_by_hand(str(seeds), str(reports), str(state))
    page = reports / render.document_page("note_0.txt", "md")
    assert f"learned: {SHARED}" in page.read_text()  # three releases share it: boilerplate

    steps = [
        lambda: (seeds / "note_2.txt").unlink(),  # two share it now: no longer boilerplate
        lambda: (seeds / "note_3.txt").write_text(note(3)),  # three again
        lambda: (seeds / "note_3.txt").write_text(note(3, shared=False)),  # changed: two
    ]
    for number, step in enumerate(steps):
        step()
        run_by_hand(str(seeds), str(reports), str(state))
        fresh = tmp_path / f"fresh-{number}"
        run_by_hand(str(seeds), str(fresh), str(tmp_path / f"fresh-state-{number}"))
        assert pages_of(reports) == pages_of(fresh)
        assert (f"learned: {SHARED}" in page.read_text()) == (number == 1)
