"""Hostile releases: front matter built to explode, files of nothing but white space, digits or
marks, and numbers past any figure. None may sink a run, hang it or break its JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from usrok_pipeline import normalize
from usrok_pipeline.parse import split_front_matter
from usrok_pipeline.records import DEFAULT_LIMITS

USROK = str(Path(sys.executable).with_name("usrok"))
TWO_MB = 2_000_000
# A bound, not a timing: linear work takes a few seconds; quadratic work takes hours.
HANG_SECONDS = 120
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9)
)


@pytest.mark.parametrize(
    "front_matter",
    [
        "title: " + "[" * 5000 + "]" * 5000,  # nested far deeper than the parser's recursion
        ALIAS_BOMB + "title: boom\n",  # kilobytes that expand to gigabytes
        "title: x\nnote: " + "y" * 100_000,  # too long to be front matter
    ],
    ids=["deep", "aliases", "long"],
)
def test_front_matter_that_would_explode_is_ignored_and_the_body_kept(front_matter: str) -> None:
    text = f"---\n{front_matter}\n---\nKorea bought $3 billion of U.S. grain in 2019.\n"
    parsed = split_front_matter("bomb.txt", "h", text)
    assert parsed.front_matter == {}
    assert parsed.body == "Korea bought $3 billion of U.S. grain in 2019.\n"


def test_front_matter_keeps_scalar_fields_only() -> None:
    text = "---\ntitle: A release\ndate: 2020-01-02\ntags: [a, b]\nmeta: {x: 1}\n---\nBody.\n"
    assert split_front_matter("ok.txt", "h", text).front_matter == {
        "title": "A release",
        "date": "2020-01-02",
    }


def test_an_inline_rule_reads_a_long_run_of_white_space_once() -> None:
    line = " " * TWO_MB + "end [open pdf - 1 MB]"
    kept, removed = normalize.strip_boilerplate_lines([line], normalize.load_rules())
    assert kept == [" " * TWO_MB + "end"]
    assert [r.text for r in removed] == ["[open pdf - 1 MB]"]


@pytest.mark.parametrize(
    "unit", [" ", "\t", "\u00a0", "1234567890 ", ".,;:!?()[]-– ", "1% ", "$5 "], ids=repr
)
def test_two_megabytes_of_one_pattern_are_read_in_bounded_work(unit: str, tmp_path: Path) -> None:
    path = tmp_path / "hostile.txt"
    path.write_text("A title\n\n" + unit * (TWO_MB // len(unit.encode()) + 1), encoding="utf-8")
    done = subprocess.run(
        [USROK, "extract", str(path)], capture_output=True, text=True, timeout=HANG_SECONDS
    )
    assert done.returncode == 0, done.stderr
    facts = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(facts) <= DEFAULT_LIMITS.per_release


def test_a_number_past_any_figure_is_no_quantity_and_json_stays_strict(tmp_path: Path) -> None:
    path = tmp_path / "nines.txt"
    path.write_text(f"Reserves hit ${'9' * 400} and $2 billion in 2020.\n")
    done = subprocess.run([USROK, "extract", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    values = [json.loads(line)["value"] for line in done.stdout.splitlines()]
    assert values == [2_000_000_000]
    assert "Infinity" not in done.stdout
