"""A run under a small supervising parent, so that nothing it started outlives it.

Prefect starts its temporary server as a child process and stops it at exit; a run killed
with SIGKILL never gets there, and the server would keep its port and memory. So `usrok run`
forks: the child runs the command, and the parent, a child subreaper, waits for it and then
stops every process the run left behind. When the parent itself is killed, the child gets
SIGTERM (a parent-death signal) and exits the normal way, stopping its server.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import NoReturn

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
# As long as Prefect gives its server to stop before it kills it.
ORPHAN_GRACE_SECONDS = 10.0
ORPHAN_POLL_SECONDS = 0.05


def supervise() -> None:
    """Return in a child process that runs the command; the parent waits, cleans up, exits.

    Where the system cannot adopt orphans (not Linux), the command runs unsupervised."""
    if not sys.platform.startswith("linux"):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    child = os.fork()
    if child == 0:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the signal was asked for
            sys.exit(128 + signal.SIGTERM)
        signal.signal(signal.SIGTERM, exit_on_signal)
        return
    wait_and_exit_like(child)


def prctl(option: int, value: int) -> None:
    """Linux's prctl(2), which Python's standard library does not wrap."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))


def exit_on_signal(signum: int, _frame: FrameType | None) -> NoReturn:
    """Exit through SystemExit, so that exit handlers (Prefect's server stop) run."""
    sys.exit(128 + signum)


def wait_and_exit_like(child: int) -> NoReturn:
    """Wait for the command, stop what it left running, and end as the command ended."""
    # Ctrl-C reaches the whole process group: the command handles it, the parent waits.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in FORWARDED_SIGNALS:
        signal.signal(signum, lambda received, _frame: send(child, received))
    _, status = os.waitpid(child, 0)
    for signum in FORWARDED_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)  # the clean-up is bounded; let it finish
    stop_orphans()
    code = os.waitstatus_to_exitcode(status)
    if code < 0:  # killed by a signal: be killed by it too, so the caller sees the same
        if -code != signal.SIGKILL:  # whose action cannot be set, nor needs to be
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code if code >= 0 else 128 - code)


def stop_orphans() -> None:
    """Stop and reap the processes adopted from the command: SIGTERM, then SIGKILL."""
    deadline = time.monotonic() + ORPHAN_GRACE_SECONDS
    signalled: set[int] = set()
    while True:
        try:
            reaped, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if reaped:
            continue
        late = time.monotonic() > deadline
        for pid in children_of(os.getpid()):
            if late or pid not in signalled:
                send(pid, signal.SIGKILL if late else signal.SIGTERM)
                signalled.add(pid)
        time.sleep(ORPHAN_POLL_SECONDS)


def children_of(parent: int) -> list[int]:
    """Process ids whose parent is PARENT, from /proc (the parent id follows the name)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="utf-8", errors="replace").rpartition(")")[2].split()
        except OSError:  # the process ended while being listed
            continue
        if len(fields) > 1 and fields[1] == str(parent):
            found.append(int(stat.parent.name))
    return found


def send(pid: int, signum: int) -> None:
    """Signal a process that may have ended meanwhile."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)
