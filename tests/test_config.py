"""Configuration: the TOML file over the defaults, validated, errors that name file and key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from usrok_pipeline.config import ConfigError, FileConfig, read_config


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    assert read_config(tmp_path / "usrok.toml") == FileConfig()


def test_file_overrides_defaults(tmp_path: Path) -> None:
    path = tmp_path / "usrok.toml"
    path.write_text('[schedule]\ncron = "30 5 * * 1"\ntimezone = "Asia/Seoul"\n')
    config = read_config(path)
    assert (config.schedule.cron, config.schedule.timezone) == ("30 5 * * 1", "Asia/Seoul")
    assert config.paths == FileConfig().paths


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[schedule\n", "not valid TOML"),
        ("[unknown]\nx = 1\n", r"\[unknown\]: Extra inputs are not permitted"),
        ("[schedule]\ncorn = '0 6 * * *'\n", r"\[schedule\] corn: Extra inputs are not permitted"),
        ("[schedule]\ncron = 6\n", r"\[schedule\] cron: Input should be a valid string"),
        (
            "[schedule]\ncron = '61 6 * * *'\n",
            r"\[schedule\] cron: Value error, not a cron expression",
        ),
        (
            "[schedule]\ntimezone = 'Mars/Olympus'\n",
            r"\[schedule\] timezone: Value error, not a known time zone",
        ),
        (
            "[limits]\nmax_file_bytes = -1\n",
            r"\[limits\] max_file_bytes: Input should be greater than 0",
        ),
        ("[run]\nworkers = -2\n", r"\[run\] workers: Input should be greater than or equal to 0"),
        ("[run]\nworkers = 1000000\n", r"\[run\] workers: Input should be less than or equal to"),
        ("x = " + "[" * 5000 + "]" * 5000 + "\n", "not valid TOML: nested too deeply"),
        (
            "[store]\nurl = 'mysql://db/usrok'\n",
            r"\[store\] url: Value error, not a store URL: use one of sqlite, postgresql",
        ),
    ],
)
def test_bad_files_are_named_with_key_and_reason(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "usrok.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=rf"^{path}: {reason}"):
        read_config(path)


def test_a_pipe_for_a_config_file_is_refused_not_read(tmp_path: Path) -> None:
    path = tmp_path / "usrok.toml"
    os.mkfifo(path)
    with pytest.raises(ConfigError, match=rf"^{path}: not a regular file$"):
        read_config(path)


def test_a_state_store_that_is_no_database_stops_the_run_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "a.txt").write_text("Trade reached $5 billion in 2019.\n")
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "state.db").write_text("these bytes are no SQLite database\n")
    usrok = Path(sys.executable).with_name("usrok")
    result = subprocess.run(
        [
            str(usrok),
            "run",
            "--seeds",
            str(tmp_path / "seeds"),
            "--state-dir",
            str(tmp_path / "state"),
            "--reports",
            str(tmp_path / "reports"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: cannot open the state store")


def test_bad_config_stops_the_command_with_one_message(tmp_path: Path) -> None:
    path = tmp_path / "usrok.toml"
    path.write_text("[schedule]\ntimezone = 'Nowhere'\n")
    usrok = Path(sys.executable).with_name("usrok")
    result = subprocess.run(
        [str(usrok), "run"],
        env={**os.environ, "USROK_CONFIG": str(path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"Error: {path}: [schedule] timezone: Value error, not a known time zone"
    )


def test_missing_seeds_folder_is_named(tmp_path: Path) -> None:
    usrok = Path(sys.executable).with_name("usrok")
    result = subprocess.run(
        [str(usrok), "run", "--seeds", str(tmp_path / "nowhere")], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert f"no seeds folder at {tmp_path / 'nowhere'}" in result.stderr


def test_a_configured_folder_that_does_not_exist_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "usrok.toml"
    path.write_text(f"[paths]\nseeds = '{tmp_path / 'missing'}'\n")
    usrok = Path(sys.executable).with_name("usrok")
    result = subprocess.run(
        [str(usrok), "run"],
        env={**os.environ, "USROK_CONFIG": str(path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: {path}: [paths] seeds: no seeds folder at {tmp_path / 'missing'}"
    )
