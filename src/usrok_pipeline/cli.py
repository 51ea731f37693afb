"""The `usrok` command: thin wrappers over the flow and the core functions."""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import click

from . import config, pipeline, render
from .ingest import read_sources
from .store import StoreError, check_store, run_lock
from .supervise import supervise

FORMATS = ("jsonl", "table")


@click.group()
@click.version_option(package_name="usrok-pipeline")
def main() -> None:
    """Track what U.S. releases on the U.S.-ROK relationship say, and how it changes."""


@main.command()
@click.option(
    "--seeds", type=click.Path(file_okay=False, path_type=Path), help="Folder of releases."
)
@click.option("--reports", type=click.Path(file_okay=False, path_type=Path), help="Report folder.")
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"State folder (default: .usrok in the project, or ${config.STATE_DIR_VARIABLE}).",
)
@click.option("--force", is_flag=True, help="Process every release again, ignoring the store.")
def run(seeds: Path | None, reports: Path | None, state_dir: Path | None, force: bool) -> None:
    """Run the pipeline flow once over the seeds folder and write the reports.

    Uses the Prefect server named by PREFECT_API_URL when set, else a temporary local one.
    """
    settings = load_settings(seeds, reports, state_dir)
    if not settings.seeds.is_dir():
        where = "" if seeds else f"{settings.config_file}: [paths] seeds: "
        raise click.ClickException(f"{where}no seeds folder at {settings.seeds}")
    try:
        check_store(settings.database)  # before Prefect starts, and without a traceback
    except StoreError as error:
        raise click.ClickException(str(error)) from error
    supervise()  # before Prefect starts a server or any thread
    config.apply_prefect_environment(settings)
    if sys.stderr.isatty():
        os.environ.setdefault("USROK_PROGRESS", "1")
    # Prefect must see its settings before it is imported.
    from .flow import USER_FAULTS, run_by_hand

    try:
        # Taken before Prefect starts its server, so that a second run stops at once.
        with run_lock(settings.state_dir, settings.database):
            summary = run_by_hand(
                str(settings.seeds), str(settings.reports), str(settings.state_dir), force=force
            )
    except USER_FAULTS as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"{len(summary.new)} new, {len(summary.changed)} changed, "
        f"{len(summary.unchanged)} unchanged, {len(summary.removed)} removed, "
        f"{len(summary.failed)} failed"
    )
    for failure in summary.failed:
        click.echo(f"set aside {failure.name}: {failure.reason}", err=True)
    click.echo(
        f"{summary.parsed} releases parsed, {summary.processed} processed; {summary.facts} facts, "
        f"{summary.recurring} recurring facts; {len(summary.written)} report files written"
    )
    click.echo(f"Open {Path(summary.reports) / 'index.html'} (or index.md, facts.jsonl)")


@main.command()
@click.option(
    "--seeds", type=click.Path(file_okay=False, path_type=Path), help="Folder of releases."
)
@click.option("--reports", type=click.Path(file_okay=False, path_type=Path), help="Report folder.")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), help="State folder.")
@click.option("--cron", help="Cron schedule (default: [schedule] cron in usrok.toml).")
@click.option("--timezone", help="Time zone of the schedule (default: [schedule] timezone).")
def serve(
    seeds: Path | None,
    reports: Path | None,
    state_dir: Path | None,
    cron: str | None,
    timezone: str | None,
) -> None:
    """Serve the pipeline as a scheduled Prefect deployment, in the foreground.

    Runs on the schedule and whenever a run is triggered by hand (Prefect UI, or
    `prefect deployment run`); stop it with Ctrl-C or SIGTERM. Needs PREFECT_API_URL to
    point at a Prefect server (`prefect server start`).
    """
    settings = load_settings(seeds, reports, state_dir)
    config.apply_prefect_environment(settings)
    # Prefect must see its settings before it is imported.
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    from .flow import run_pipeline

    # Prefect's SIGTERM handler calls an async stop without awaiting it; the runner still
    # exits cleanly, so its warning about the coroutine is noise.
    warnings.filterwarnings("ignore", message="coroutine 'Runner.astop' was never awaited")
    schedule = Cron(cron or settings.schedule.cron, timezone=timezone or settings.schedule.timezone)
    run_pipeline.serve(
        name=settings.schedule.deployment,
        schedules=[schedule],
        parameters={
            "seeds": str(settings.seeds),
            "reports": str(settings.reports),
            "state_dir": str(settings.state_dir),
            "force": False,
        },
        pause_on_shutdown=False,
        # One run at a time: a run due while another runs waits for it, in Prefect's queue.
        global_limit=ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE
        ),
        # Loaded by module name, so that an installed package serves as well as a checkout.
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def load_settings(
    seeds: Path | None, reports: Path | None, state_dir: Path | None
) -> config.Settings:
    """Settings for a command, with a configuration error shown as a usage error."""
    try:
        return config.settings(seeds, reports, state_dir)
    except config.ConfigError as error:
        raise click.ClickException(str(error)) from error


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "output", type=click.Choice(FORMATS), default="jsonl", show_default=True)
def extract(paths: tuple[Path, ...], output: str) -> None:
    """Print the facts stated in release files; writes no state."""
    settings = load_settings(None, None, None)
    sources, unreadable = read_sources(paths, settings.max_file_bytes)
    processed, undecodable = pipeline.process(sources, settings.fact_limits)
    for failure in (*unreadable, *undecodable):
        click.echo(f"usrok: set aside {failure.name}: {failure.reason}", err=True)
    for document in processed:
        if document.capped:
            name = document.document.name
            click.echo(f"usrok: {name} {document.capped}; figures past it were not read", err=True)
    if output == "jsonl":
        sys.stdout.write(render.facts_jsonl(processed, pipeline.tracked_labels(processed)))
    else:
        for document in processed:
            for fact in document.facts:
                record = fact.as_json()
                click.echo(
                    f"{fact.document}\t{render.stated(fact)}\t{fact.period or '-'}\t"
                    f"{fact.metric or '-'}\t{json.dumps(record['mention'], ensure_ascii=False)}"
                )
    if unreadable or undecodable:
        sys.exit(1)
