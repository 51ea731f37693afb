"""Whole-run benchmark on synthetic corpora: the flow against the plain functions.

Usage: python scripts/bench_runs.py [N ...] [--seed S] [--repeat R]   (default N: 100 1000 10000)

For each N, in its own process (so that peak RSS is the run's): Prefect's temporary server
is started first, then timed are a full run, a re-run with no change, a run after adding one
release (a new one each time), and the same full run as plain function calls in this one
process, without Prefect (the floor: the flow's steps, state store included, with no task
runs and no worker processes); full runs and floors take turns. Each is done R times and the
best time kept, as timing noise only ever adds. Peak RSS is that of the first full run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (100, 1000, 10000)
DEFAULT_REPEAT = 3


def real_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((PROJECT / "seeds").glob("*.txt"))]


def timed(work) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def best(work, repeat: int, *outputs: Path) -> float:  # type: ignore[no-untyped-def]
    """The best of REPEAT timings of WORK, each started without OUTPUTS (moved aside untimed).
    They are moved, not deleted: deleting the previous run's gigabyte of files slowed the
    file writes of the next run on the test machine, by seconds."""
    times = []
    for _ in range(repeat):
        for output in outputs:
            if output.exists():
                aside = output.parent / "set-aside"
                aside.mkdir(exist_ok=True)
                output.rename(aside / f"{output.name}-{len(list(aside.iterdir()))}")
        times.append(timed(work))
    return min(times, default=float("inf"))


def child(count: int, seed: int, repeat: int, folder: Path) -> dict[str, float]:
    """One benchmark size, measured in this process."""
    from usrok_pipeline import config, synth

    state, reports, seeds = folder / "state", folder / "reports", folder / "seeds"
    config.apply_prefect_environment(config.settings(state_dir=folder / "prefect-state"))
    from usrok_pipeline.flow import run_by_hand, run_plain

    releases = synth.generate(count + repeat, real_texts(), seed)
    seeds.mkdir(parents=True)
    for release in releases[:count]:
        (seeds / release.name).write_text(release.text, encoding="utf-8")
    megabytes = sum(len(r.text.encode()) for r in releases[:count]) / 1e6
    extras = releases[count:]
    del releases  # the corpus is on disk now; peak RSS is the pipeline's, not the generator's
    (folder / "empty").mkdir()
    run_by_hand(str(folder / "empty"), str(folder / "empty-reports"), str(folder / "empty-state"))

    def run() -> None:
        run_by_hand(str(seeds), str(reports), str(state))

    def floor() -> None:
        run_plain(str(seeds), str(folder / "floor"), str(folder / "floor-state"))

    # Full runs and floors take turns, so that a slower spell of the machine weighs on both.
    fulls, floors, rss = [], [], 0.0
    for attempt in range(repeat):
        fulls.append(best(run, 1, state, reports))
        if not attempt:
            # The first full run's peak is a run's own: memory a process keeps from one run
            # to the next (allocator arenas) would add to the peak of the next.
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        floors.append(best(floor, 1, folder / "floor", folder / "floor-state"))
    unchanged = best(run, repeat)
    added = []
    for extra in extras:
        (seeds / extra.name).write_text(extra.text, encoding="utf-8")
        added.append(timed(run))
        (seeds / extra.name).unlink()
        run()

    return {
        "releases": count,
        "megabytes": megabytes,
        "full": min(fulls),
        "unchanged": unchanged,
        "added": min(added),
        "floor": min(floors),
        "rss_mb": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(DEFAULT_SIZES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.seed, args.repeat, args.folder)))
        return
    print(
        f"{'releases':>9} {'MB':>7} {'full s':>8} {'rel/s':>7} {'MB/s':>6} {'no-change s':>12} "
        f"{'add-one s':>10} {'floor s':>8} {'overhead':>9} {'peak RSS MB':>12}"
    )
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"usrok-bench-{size}-") as folder:
            out = (
                subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        str(size),
                        "--seed",
                        str(args.seed),
                        "--repeat",
                        str(args.repeat),
                        "--folder",
                        folder,
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
        r = json.loads(out)
        print(
            f"{r['releases']:>9} {r['megabytes']:>7.1f} {r['full']:>8.1f} "
            f"{r['releases'] / r['full']:>7.0f} {r['megabytes'] / r['full']:>6.2f} "
            f"{r['unchanged']:>12.1f} {r['added']:>10.1f} {r['floor']:>8.1f} "
            f"{r['full'] / r['floor']:>8.2f}x {r['rss_mb']:>12.0f}"
        )


if __name__ == "__main__":
    main()
