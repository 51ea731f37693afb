"""Where the pipeline reads and writes, when it runs, and how Prefect is set up for it."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .ingest import DEFAULT_MAX_BYTES
from .records import DEFAULT_LIMITS, FactLimits

SOURCE_CHECKOUT = Path(__file__).resolve().parents[2]
# The templates ship inside the package; Jinja's file loader and the code key read them as
# a folder, which a package installed from a wheel or a checkout has.
TEMPLATES = Path(str(resources.files(__package__).joinpath("templates")))
CONFIG_FILE = "usrok.toml"
CONFIG_VARIABLE = "USROK_CONFIG"
STATE_DIR_VARIABLE = "USROK_STATE_DIR"
DATABASE_VARIABLE = "USROK_DATABASE_URL"
CLUSTER_VARIABLE = "USROK_DASK_ADDRESS"
EPHEMERAL_SERVER_STARTUP_SECONDS = "120"
STORE_BACKENDS = ("sqlite", "postgresql")
MAX_WORKERS = 4 * (os.cpu_count() or 1)
# Extraction costs about 0.1 ms a fact: a million facts keep a release a couple of minutes.
MAX_FACTS = 1_000_000


class ConfigError(ValueError):
    """A configuration file that cannot be used, with the file, the key and the reason."""


class PathsConfig(BaseModel):
    """[paths]: folders, relative to the project folder."""

    model_config = ConfigDict(extra="forbid", strict=True)
    seeds: str = "seeds"
    reports: str = "reports"
    state: str = ".usrok"


class ScheduleConfig(BaseModel):
    """[schedule]: when `usrok serve` runs the pipeline."""

    model_config = ConfigDict(extra="forbid", strict=True)
    cron: str = "0 6 * * *"
    timezone: str = "UTC"
    deployment: str = "scheduled"

    @field_validator("cron")
    @classmethod
    def valid_cron(cls, value: str) -> str:
        """A cron expression Prefect can schedule."""
        try:
            CronSim(value, dt.datetime(2000, 1, 1))
        except (CronSimError, ValueError) as error:
            raise ValueError(f"not a cron expression ({error})") from error
        return value

    @field_validator("timezone")
    @classmethod
    def valid_timezone(cls, value: str) -> str:
        """An IANA time zone name."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("not a known time zone") from error
        return value


class LimitsConfig(BaseModel):
    """[limits]: what a release may be."""

    model_config = ConfigDict(extra="forbid", strict=True)
    max_file_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)
    facts_per_release: int = Field(default=DEFAULT_LIMITS.per_release, gt=0, le=MAX_FACTS)
    facts_per_sentence: int = Field(default=DEFAULT_LIMITS.per_sentence, gt=0, le=MAX_FACTS)


class RunConfig(BaseModel):
    """[run]: how a run spreads its work."""

    model_config = ConfigDict(extra="forbid", strict=True)
    # More processes than a few per core only wait on each other, and each costs memory.
    workers: int = Field(default=0, ge=0, le=MAX_WORKERS)
    cluster: str = ""


class StoreConfig(BaseModel):
    """[store]: where the state lives; empty means SQLite in the state folder."""

    model_config = ConfigDict(extra="forbid", strict=True)
    url: str = ""

    @field_validator("url")
    @classmethod
    def valid_url(cls, value: str) -> str:
        """A SQLAlchemy URL of SQLite or PostgreSQL, or nothing."""
        if value and value.split(":", 1)[0].split("+", 1)[0] not in STORE_BACKENDS:
            raise ValueError(f"not a store URL: use one of {', '.join(STORE_BACKENDS)}")
        return value


class FileConfig(BaseModel):
    """The whole configuration file."""

    model_config = ConfigDict(extra="forbid", strict=True)
    paths: PathsConfig = PathsConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    limits: LimitsConfig = LimitsConfig()
    store: StoreConfig = StoreConfig()
    run: RunConfig = RunConfig()


def project_root() -> Path:
    """The project checkout when running from one, else the working directory."""
    if (SOURCE_CHECKOUT / "pyproject.toml").is_file() and (SOURCE_CHECKOUT / "seeds").is_dir():
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
    max_file_bytes: int = DEFAULT_MAX_BYTES
    config_file: Path | None = None
    store_url: str = ""
    workers: int = 1
    cluster: str = ""
    fact_limits: FactLimits = DEFAULT_LIMITS

    @property
    def database(self) -> str:
        """The state store's URL: the one configured, else SQLite in the state folder."""
        return self.store_url or f"sqlite:///{self.state_dir / 'state.db'}"

    @property
    def prefect_home(self) -> Path:
        """Prefect's own state, kept beside ours rather than in the user's home."""
        return self.state_dir / "prefect"


def read_config(path: Path) -> FileConfig:
    """The config file over the defaults; a missing file means the defaults."""
    if not path.exists():
        return FileConfig()
    if not path.is_file():
        raise ConfigError(f"{path}: not a regular file")  # a pipe would block the read
    try:
        loaded = tomllib.loads(path.read_text(encoding="utf-8"))
    except RecursionError as error:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from error
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from error
    try:
        return FileConfig.model_validate(loaded)
    except ValidationError as error:
        first = error.errors()[0]
        where = first["loc"]
        key = f"[{where[0]}] {'.'.join(map(str, where[1:]))}".strip() if where else "file"
        raise ConfigError(f"{path}: {key}: {first['msg']}") from error


def settings(
    seeds: Path | None = None, reports: Path | None = None, state_dir: Path | None = None
) -> Settings:
    """Settings from arguments, else the environment, else the config file, else defaults."""
    root = project_root()
    config_path = Path(os.environ.get(CONFIG_VARIABLE, root / CONFIG_FILE))
    config = read_config(config_path)
    paths, schedule = config.paths, config.schedule
    state = state_dir or os.environ.get(STATE_DIR_VARIABLE) or root / paths.state
    return Settings(
        seeds=(seeds or root / paths.seeds).resolve(),
        reports=(reports or root / paths.reports).resolve(),
        state_dir=Path(state).resolve(),
        templates=TEMPLATES,
        schedule=Schedule(
            cron=schedule.cron, timezone=schedule.timezone, deployment=schedule.deployment
        ),
        max_file_bytes=config.limits.max_file_bytes,
        config_file=config_path,
        store_url=os.environ.get(DATABASE_VARIABLE) or config.store.url,
        workers=config.run.workers or os.cpu_count() or 1,
        cluster=os.environ.get(CLUSTER_VARIABLE) or config.run.cluster,
        fact_limits=FactLimits(config.limits.facts_per_release, config.limits.facts_per_sentence),
    )


def prefect_environment(config: Settings) -> dict[str, str]:
    """Prefect settings for a local run: quiet, no telemetry, state under the project."""
    return {
        "PREFECT_HOME": str(config.prefect_home),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": EPHEMERAL_SERVER_STARTUP_SECONDS,
        "PREFECT_LOCAL_STORAGE_PATH": str(config.prefect_home / "storage"),
        # Stopping the temporary server cancels its event recorder mid-flush, which Prefect
        # logs as an error with a traceback after every run; the run's own errors reach the
        # command through the API client, not this log.
        "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    }


def apply_prefect_environment(config: Settings) -> None:
    """Set Prefect's defaults in this process unless the user set them already."""
    config.prefect_home.mkdir(parents=True, exist_ok=True)
    for name, value in prefect_environment(config).items():
        os.environ.setdefault(name, value)
