"""Extraction reads a bounded number of facts of a release and of a sentence: the limits are
set in [limits] of usrok.toml, and a release that reaches one says so on its page, in the
log and on the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT
from usrok_pipeline import config, incremental, pipeline, render
from usrok_pipeline.ingest import sha256_of
from usrok_pipeline.records import DEFAULT_LIMITS, FactLimits, SourceFile

USROK = str(Path(sys.executable).with_name("usrok"))
MANY_SENTENCES = "".join(f"In {2000 + n}, visitors numbered {n + 1},000.\n" for n in range(12))
ONE_LONG_SENTENCE = "Shares were " + ", ".join(f"{n}%" for n in range(1, 30)) + ".\n"


def release(name: str, text: str) -> SourceFile:
    return SourceFile(name, sha256_of(text.encode()), text.encode())


def test_a_release_reads_up_to_its_limit_and_says_so() -> None:
    [processed], _ = pipeline.process([release("a.txt", MANY_SENTENCES)], FactLimits(5, 50))
    assert len(processed.facts) == 5
    assert processed.capped == "reached the limit of 5 facts a release"
    [whole], _ = pipeline.process([release("a.txt", MANY_SENTENCES)])
    assert len(whole.facts) == 12 and whole.capped == ""


def test_a_sentence_reads_up_to_its_limit_and_says_so() -> None:
    [processed], _ = pipeline.process([release("a.txt", ONE_LONG_SENTENCE)], FactLimits(100, 4))
    assert [fact.mention for fact in processed.facts] == ["1%", "2%", "3%", "4%"]
    assert processed.capped == "a sentence reached the limit of 4 facts"


def test_the_release_page_says_which_limit_was_reached() -> None:
    processed, _ = pipeline.process([release("a.txt", MANY_SENTENCES)], FactLimits(5, 50))
    files = render.render(pipeline.build_report(processed, [], [], []), PROJECT / "templates")
    for kind in render.PAGE_KINDS:
        page = files[render.document_page("a.txt", kind)]
        assert "reached the limit of 5 facts a release: figures past it were not read" in page
        assert "reached the limit of 5 facts a release" in files[f"index.{kind}"]


def test_other_limits_extract_again() -> None:
    assert incremental.extraction_version(FactLimits(5, 50)) != incremental.extraction_version(
        DEFAULT_LIMITS
    )


def test_limits_come_from_the_config_and_the_command_line_says_when_one_is_reached(
    tmp_path: Path,
) -> None:
    settings = tmp_path / "usrok.toml"
    settings.write_text("[limits]\nfacts_per_release = 3\nfacts_per_sentence = 2\n")
    path = tmp_path / "many.txt"
    path.write_text(MANY_SENTENCES)
    done = subprocess.run(
        [USROK, "extract", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, config.CONFIG_VARIABLE: str(settings)},
        check=True,
    )
    assert len([json.loads(line) for line in done.stdout.splitlines()]) == 3
    assert "many.txt reached the limit of 3 facts a release; figures past it" in done.stderr


@pytest.mark.parametrize("value", [0, -1, 1_000_001])
def test_a_limit_out_of_bounds_is_a_config_error(tmp_path: Path, value: int) -> None:
    settings = tmp_path / "usrok.toml"
    settings.write_text(f"[limits]\nfacts_per_release = {value}\n")
    with pytest.raises(config.ConfigError, match="facts_per_release"):
        config.read_config(settings)
