"""Where the pipeline reads and writes, and how Prefect is set up for it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent
SOURCE_CHECKOUT = PACKAGE_ROOT.parents[1]
STATE_DIR_VARIABLE = "USROK_STATE_DIR"
EPHEMERAL_SERVER_STARTUP_SECONDS = "120"


def project_root() -> Path:
    """The project checkout when running from one, else the working directory."""
    if (SOURCE_CHECKOUT / "pyproject.toml").exists() and (SOURCE_CHECKOUT / "templates").is_dir():
        return SOURCE_CHECKOUT
    return Path.cwd()


@dataclass(frozen=True)
class Settings:
    """The folders and files one run uses."""

    seeds: Path
    reports: Path
    state_dir: Path
    templates: Path

    @property
    def database(self) -> Path:
        """The SQLite state store."""
        return self.state_dir / "state.db"

    @property
    def prefect_home(self) -> Path:
        """Prefect's own state, kept beside ours rather than in the user's home."""
        return self.state_dir / "prefect"


def settings(
    seeds: Path | None = None, reports: Path | None = None, state_dir: Path | None = None
) -> Settings:
    """Settings from arguments, else the environment, else the project's defaults."""
    root = project_root()
    state = state_dir or Path(os.environ.get(STATE_DIR_VARIABLE, root / ".usrok"))
    return Settings(
        seeds=(seeds or root / "seeds").resolve(),
        reports=(reports or root / "reports").resolve(),
        state_dir=Path(state).resolve(),
        templates=root / "templates",
    )


def prefect_environment(config: Settings) -> dict[str, str]:
    """Prefect settings for a local run: quiet, no telemetry, state under the project."""
    return {
        "PREFECT_HOME": str(config.prefect_home),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": EPHEMERAL_SERVER_STARTUP_SECONDS,
        "PREFECT_LOGGING_TO_API_ENABLED": "false",
    }


def apply_prefect_environment(config: Settings) -> None:
    """Set Prefect's defaults in this process unless the user set them already."""
    config.prefect_home.mkdir(parents=True, exist_ok=True)
    for name, value in prefect_environment(config).items():
        os.environ.setdefault(name, value)
