"""Boilerplate is learned from counts kept between runs: a run counts in and takes out only
the releases added, changed or removed since, and learns what counting them all would."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from conftest import SEEDS
from test_incremental_report import pages_of
from usrok_pipeline import normalize, pipeline
from usrok_pipeline.store import Store

SHARED = "Follow the embassy on social media for news of the alliance."


def note(number: int, shared: bool = True) -> str:
    """A short release; SHARED ones end with the same paragraph."""
    words = ["one", "two", "three", "four", "five"][number]
    body = f"Alliance note {words}\n\nTwo-way trade reached ${number + 100} billion in 2023.\n"
    return body + (f"\n{SHARED}\n" if shared else "")


def test_counts_kept_up_to_date_learn_what_a_full_count_learns() -> None:
    rules = normalize.load_rules()
    texts = ["Subscribe", "Share this page", "Print", "Contact us", "Menu"]
    chooser = random.Random(7)
    counted: dict[str, str] = {}
    sets: dict[str, frozenset[str]] = {}
    counts: dict[str, int] = {}

    def kept(hashes: set[str]) -> dict[str, frozenset[str]]:
        return {h: sets[h] for h in hashes}

    for step in range(60):
        current = dict(counted)
        name = f"r{chooser.randrange(12)}"
        if name in current and chooser.random() < 0.4:
            del current[name]
        else:
            current[name] = f"h{step}"
            sets[f"h{step}"] = frozenset(chooser.sample(texts, chooser.randrange(4)))
        recount = pipeline.recount_boilerplate(counted, counts, sorted(current.items()), {}, kept)
        assert not recount.anew or not counted
        counts = {text: n for text, n in (counts | recount.changed).items() if n}
        counted = current
        everything = normalize.learn_boilerplate((sets[h] for h in counted.values()), rules)
        assert recount.learned == everything


def test_counts_start_anew_when_a_release_to_take_out_has_no_candidates_kept() -> None:
    sets = {"h1": frozenset({"Menu"}), "h2": frozenset({"Menu", "Print"})}

    def kept(hashes: set[str]) -> dict[str, frozenset[str]]:
        return {h: sets[h] for h in hashes if h in sets}

    counted, counts = {"a.txt": "h0", "b.txt": "h1"}, {"Menu": 7}
    recount = pipeline.recount_boilerplate(
        counted, counts, [("b.txt", "h1"), ("c.txt", "h2")], {}, kept
    )
    assert recount.anew
    assert recount.added == [("b.txt", "h1"), ("c.txt", "h2")]
    assert recount.changed == {"Menu": 2, "Print": 1}


def test_counts_round_trip_through_the_store(store_url: str) -> None:
    with Store.open(store_url) as store:
        store.save_boilerplate_counts("old", [("a.txt", "h0")], [], {"Menu": 1}, anew=True)
        store.save_boilerplate_counts("r", [("a.txt", "h1"), ("b.txt", "h2")], [], {}, anew=True)
        store.save_boilerplate_counts("r", [], [], {"Menu": 2, "Print": 1}, anew=False)
        assert store.boilerplate_counts("old") == ({}, {})
        assert store.boilerplate_counts("r") == (
            {"a.txt": "h1", "b.txt": "h2"},
            {"Menu": 2, "Print": 1},
        )
        store.save_boilerplate_counts(
            "r", [("b.txt", "h3")], ["a.txt", "b.txt"], {"Print": 0}, anew=False
        )
        assert store.boilerplate_counts("r") == ({"b.txt": "h3"}, {"Menu": 2})


@pytest.mark.usefixtures("prefect_server")
def test_runs_that_add_change_and_remove_releases_learn_what_a_fresh_run_learns(
    tmp_path: Path,
) -> None:
    from usrok_pipeline.flow import run_by_hand

    seeds, reports, state = tmp_path / "seeds", tmp_path / "reports", tmp_path / "state"
    shutil.copytree(SEEDS, seeds)
    for number in range(3):
        (seeds / f"note_{number}.txt").write_text(note(number))
    run_by_hand(str(seeds), str(reports), str(state))
    page = reports / "documents" / "note_0.md"
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
