"""Throughput of the pipeline core on a corpus: parse+normalize, extract, link+render.

Usage: python scripts/benchmark.py [FOLDER ...] [--repeat N]
Default folder: seeds/ (the fifteen bundled releases).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from usrok_pipeline import config, pipeline, render
from usrok_pipeline.ingest import read_sources

T = TypeVar("T")
PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_FOLDERS = (PROJECT / "seeds",)


def best_of(repeat: int, work: Callable[[], T]) -> tuple[float, T]:
    """The fastest of several timings, with the result of the work."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        timings.append(time.perf_counter() - start)
    return min(timings), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    folders = args.folders or [f for f in DEFAULT_FOLDERS if f.is_dir()]
    sources, _ = read_sources(sorted(p for f in folders for p in f.glob("*.txt")))
    megabytes = sum(len(s.data) for s in sources) / 1e6

    parse_time, parsed = best_of(args.repeat, lambda: pipeline.parse_sources(sources)[0])
    normalize_time, documents = best_of(args.repeat, lambda: pipeline.normalize_corpus(parsed))
    extract_time, processed = best_of(args.repeat, lambda: pipeline.extract_facts(documents))
    templates = config.settings().templates
    render_time, _ = best_of(
        args.repeat,
        lambda: render.render(pipeline.build_report(processed, [], [], []), templates),
    )
    facts = sum(len(p.facts) for p in processed)
    print(
        f"corpus: {len(sources)} releases, {megabytes:.3f} MB, {facts} facts "
        f"(best of {args.repeat} runs, one core)"
    )
    print(f"{'stage':<22}{'seconds':>10}{'MB/s':>10}")
    rows = [
        ("decode + parse", parse_time),
        ("normalize", normalize_time),
        ("extract", extract_time),
        ("link + render", render_time),
        ("total", parse_time + normalize_time + extract_time + render_time),
    ]
    for name, seconds in rows:
        print(f"{name:<22}{seconds:>10.4f}{megabytes / seconds:>10.2f}")


if __name__ == "__main__":
    main()
