"""A full disk under the reports or the state store: `usrok run` ends with one `Error:` line
that names what could not be written, leaves no half-written file, records the run as failed
where the store can still take it, and the next run, with room again, mends everything."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import SEEDS, USROK, files

# Mounts a tmpfs of SIZE on FOLDER for this command alone (a user and mount namespace of its
# own), with the files of BEFORE on it; runs the command; lists the temporary files left on
# the small disk and copies what it holds to AFTER, as the disk is gone when the command ends.
SMALL_DISK = """
size=$1 folder=$2 before=$3 after=$4; shift 4
mount -t tmpfs -o size="$size" tmpfs "$folder" || exit 99
cp -a "$before/." "$folder/" || exit 99
"$@"; code=$?
find "$folder" -name "*.tmp"
cp -a "$folder/." "$after/"
exit $code
"""


def can_mount_a_small_disk() -> bool:
    """Whether this machine lets a process mount a filesystem of its own."""
    if shutil.which("unshare") is None:
        return False
    probe = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c"]
    done = subprocess.run([*probe, "mount -t tmpfs tmpfs /mnt"], capture_output=True)
    return done.returncode == 0


pytestmark = pytest.mark.skipif(
    not can_mount_a_small_disk(), reason="needs user namespaces to mount a small filesystem"
)


def run_with_small_disk(
    folder: Path, small: Path, room: int, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """`usrok run` on FOLDER/seeds, FOLDER/reports and FOLDER/state, with SMALL on a
    filesystem of ROOM bytes more than it holds; SMALL then holds what that disk held."""
    before, after = small.with_name("before"), small.with_name("after")
    small.mkdir(parents=True, exist_ok=True)
    small.rename(before)
    small.mkdir()
    after.mkdir()
    size = sum(p.stat().st_size for p in before.rglob("*") if p.is_file()) + room
    command = [USROK, "run", *folder_options(folder)]
    namespace = ["unshare", "--user", "--map-root-user", "--mount"]
    script = ["sh", "-c", SMALL_DISK, "sh", str(size), str(small), str(before), str(after)]
    done = subprocess.run(
        [*namespace, *script, *command], capture_output=True, text=True, env=env, timeout=600
    )
    small.rmdir()
    after.rename(small)
    shutil.rmtree(before)
    return done


def run_with_room(folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`usrok run` on the same folders, on the disk they are on."""
    command = [USROK, "run", *folder_options(folder)]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def folder_options(folder: Path) -> list[str]:
    """The command-line options of the seeds, reports and state folders below FOLDER."""
    return [
        *("--seeds", str(folder / "seeds")),
        *("--reports", str(folder / "reports")),
        *("--state-dir", str(folder / "state")),
    ]


def statuses(folder: Path) -> list[str]:
    """The status of every run the state store recorded, in order."""
    with sqlite3.connect(folder / "state" / "state.db") as db:
        return [row[0] for row in db.execute("SELECT status FROM runs ORDER BY id")]


def error_lines(stderr: str) -> list[str]:
    """The lines of the command's own error message."""
    return [line for line in stderr.splitlines() if line.startswith("Error:")]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path


def test_a_full_report_disk_ends_in_one_line_and_the_next_run_mends_it(
    folder: Path, server_env: dict[str, str]
) -> None:
    reports = folder / "reports"
    full = run_with_small_disk(folder, reports, 64 * 1024, server_env)
    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr
    [error] = error_lines(full.stderr)
    assert error.startswith(f"Error: {reports}/")
    assert error.endswith(": No space left on device")
    assert full.stdout == ""  # no temporary file was left on the full disk
    assert statuses(folder) == ["failed"]

    mended = run_with_room(folder, server_env)
    assert mended.returncode == 0, mended.stderr
    assert statuses(folder) == ["failed", "completed"]
    # All but the run history (the overview, the run pages and the feed), which shows the
    # failed run.
    mended_files, fresh_files = files(reports), files(fresh_reports(folder, server_env))
    assert without_history(mended_files) == without_history(fresh_files)
    assert {"runs/2.html", "runs/2.md"} <= mended_files.keys()


def test_a_full_state_disk_ends_in_one_line_and_the_next_run_mends_it(
    folder: Path, server_env: dict[str, str]
) -> None:
    assert run_with_room(folder, server_env).returncode == 0
    release = folder / "seeds" / "added.txt"
    release.write_text(NEW_RELEASE, encoding="utf-8")
    full = run_with_small_disk(folder, folder / "state", 16 * 1024, server_env)
    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr
    [error] = error_lines(full.stderr)
    state = folder / "state" / "state.db"
    assert error == f"Error: the state store sqlite:///{state} failed: database or disk is full"
    assert full.stdout == ""

    mended = run_with_room(folder, server_env)
    assert mended.returncode == 0, mended.stderr
    assert statuses(folder)[0] == "completed"
    assert statuses(folder)[-1] == "completed"
    fresh = fresh_reports(folder, server_env)
    assert (folder / "reports" / "facts.jsonl").read_bytes() == (fresh / "facts.jsonl").read_bytes()


NEW_RELEASE = (
    "Joint Fact Sheet\n\nTwo-way trade between the two countries reached $190 billion in "
    "2024, and 25,000 students from Korea studied in the United States that year.\n"
)


def without_history(report: dict[str, bytes]) -> dict[str, bytes]:
    """A report's files but those that show the run history."""
    return {
        name: data
        for name, data in report.items()
        if not name.startswith(("index.", "runs/")) and name != "feed.xml"
    }


def fresh_reports(folder: Path, env: dict[str, str]) -> Path:
    """The reports one run writes from FOLDER's seeds into a new state."""
    fresh = folder / "fresh"
    shutil.copytree(folder / "seeds", fresh / "seeds")
    assert run_with_room(fresh, env).returncode == 0
    return fresh / "reports"
