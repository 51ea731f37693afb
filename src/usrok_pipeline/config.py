"""Where the pipeline reads and writes, when it runs, and how Prefect is set up for it."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE_ROOT = Path(__file__).resolve().parent
SOURCE_CHECKOUT = PACKAGE_ROOT.parents[1]
CONFIG_FILE = "usrok.toml"
CONFIG_VARIABLE = "USROK_CONFIG"
STATE_DIR_VARIABLE = "USROK_STATE_DIR"
EPHEMERAL_SERVER_STARTUP_SECONDS = "120"
DEFAULTS: dict[str, Any] = {
    "paths": {"seeds": "seeds", "reports": "reports", "state": ".usrok"},
    "schedule": {"cron": "0 6 * * *", "timezone": "UTC", "deployment": "scheduled"},
}


class ConfigError(ValueError):
    """A configuration file that cannot be used, with the reason."""


def project_root() -> Path:
    """The project checkout when running from one, else the working directory."""
    if (SOURCE_CHECKOUT / "pyproject.toml").exists() and (SOURCE_CHECKOUT / "templates").is_dir():
        return SOURCE_CHECKOUT
    return Path.cwd()


@dataclass(frozen=True)
class Schedule:
    """When the served deployment runs."""

    cron: str
    timezone: str
    deployment: str


@dataclass(frozen=True)
class Settings:
    """The folders and files one run uses, and the schedule of the served flow."""

    seeds: Path
    reports: Path
    state_dir: Path
    templates: Path
    schedule: Schedule

    @property
    def database(self) -> Path:
        """The SQLite state store."""
        return self.state_dir / "state.db"

    @property
    def prefect_home(self) -> Path:
        """Prefect's own state, kept beside ours rather than in the user's home."""
        return self.state_dir / "prefect"


def read_config(path: Path) -> dict[str, Any]:
    """The config file merged over the defaults; a missing file means the defaults."""
    merged = {section: dict(values) for section, values in DEFAULTS.items()}
    if not path.exists():
        return merged
    try:
        loaded = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from error
    for section, values in loaded.items():
        if section not in merged or not isinstance(values, dict):
            raise ConfigError(f"{path}: unknown section [{section}]")
        unknown = set(values) - set(merged[section])
        if unknown:
            raise ConfigError(f"{path}: unknown keys in [{section}]: {', '.join(sorted(unknown))}")
        merged[section].update({k: str(v) for k, v in values.items()})
    return merged


def settings(
    seeds: Path | None = None, reports: Path | None = None, state_dir: Path | None = None
) -> Settings:
    """Settings from arguments, else the environment, else the config file, else defaults."""
    root = project_root()
    config_path = Path(os.environ.get(CONFIG_VARIABLE, root / CONFIG_FILE))
    config = read_config(config_path)
    paths, schedule = config["paths"], config["schedule"]
    state = state_dir or os.environ.get(STATE_DIR_VARIABLE) or root / paths["state"]
    return Settings(
        seeds=(seeds or root / paths["seeds"]).resolve(),
        reports=(reports or root / paths["reports"]).resolve(),
        state_dir=Path(state).resolve(),
        templates=root / "templates",
        schedule=Schedule(
            cron=schedule["cron"], timezone=schedule["timezone"], deployment=schedule["deployment"]
        ),
    )


def prefect_environment(config: Settings) -> dict[str, str]:
    """Prefect settings for a local run: quiet, no telemetry, state under the project."""
    return {
        "PREFECT_HOME": str(config.prefect_home),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": EPHEMERAL_SERVER_STARTUP_SECONDS,
        "PREFECT_LOCAL_STORAGE_PATH": str(config.prefect_home / "storage"),
    }


def apply_prefect_environment(config: Settings) -> None:
    """Set Prefect's defaults in this process unless the user set them already."""
    config.prefect_home.mkdir(parents=True, exist_ok=True)
    for name, value in prefect_environment(config).items():
        os.environ.setdefault(name, value)
