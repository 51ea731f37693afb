"""Configuration: the TOML file over the defaults, errors named, pinned dependencies kept."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from usrok_pipeline.config import DEFAULTS, ConfigError, read_config


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    assert read_config(tmp_path / "usrok.toml") == DEFAULTS


def test_file_overrides_defaults(tmp_path: Path) -> None:
    path = tmp_path / "usrok.toml"
    path.write_text('[schedule]\ncron = "30 5 * * 1"\ntimezone = "Asia/Seoul"\n')
    config = read_config(path)
    assert config["schedule"] == {
        "cron": "30 5 * * 1",
        "timezone": "Asia/Seoul",
        "deployment": "scheduled",
    }
    assert config["paths"] == DEFAULTS["paths"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[schedule\n", "usrok.toml"),
        ("[unknown]\nx = 1\n", r"unknown section \[unknown\]"),
        ("[schedule]\ncorn = '0 6 * * *'\n", r"unknown keys in \[schedule\]: corn"),
    ],
)
def test_bad_files_are_named_with_the_reason(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "usrok.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=reason):
        read_config(path)


def test_pinned_prefect_is_installed() -> None:
    assert version("prefect") == "3.8.8"
