"""The `usrok` command: thin wrappers over the flow and the core functions."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import config, pipeline, render
from .ingest import read_sources

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
def run(seeds: Path | None, reports: Path | None, state_dir: Path | None) -> None:
    """Run the pipeline flow over the seeds folder and write the reports."""
    settings = config.settings(seeds, reports, state_dir)
    if not settings.seeds.is_dir():
        raise click.ClickException(f"no seeds folder at {settings.seeds}")
    config.apply_prefect_environment(settings)
    from flows.pipeline import run_pipeline  # Prefect must see its settings before it is imported

    summary = run_pipeline(str(settings.seeds), str(settings.reports), str(settings.state_dir))
    click.echo(
        f"{len(summary.new)} new, {len(summary.changed)} changed, "
        f"{len(summary.unchanged)} unchanged, {len(summary.removed)} removed, "
        f"{len(summary.failed)} failed"
    )
    for failure in summary.failed:
        click.echo(f"set aside {failure.name}: {failure.reason}", err=True)
    click.echo(
        f"{summary.processed} releases processed, {summary.facts} facts, "
        f"{summary.recurring} recurring facts; {len(summary.written)} report files written"
    )
    click.echo(f"Open {Path(summary.reports) / 'index.html'} (or index.md, facts.jsonl)")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "output", type=click.Choice(FORMATS), default="jsonl", show_default=True)
def extract(paths: tuple[Path, ...], output: str) -> None:
    """Print the facts stated in release files; writes no state."""
    sources, unreadable = read_sources(paths)
    processed, undecodable = pipeline.process(sources)
    for failure in (*unreadable, *undecodable):
        click.echo(f"usrok: set aside {failure.name}: {failure.reason}", err=True)
    if output == "jsonl":
        sys.stdout.write(render.facts_jsonl(processed))
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
