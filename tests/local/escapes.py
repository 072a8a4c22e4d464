"""A daemon that escapes its run every way a process can, and what tests need around it."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
from pathlib import Path


def daemon(pid_file: Path) -> str:
    """Shell code starting a daemon as written by the book.

    It double-forks (the subshell exits at once, so nothing waits for it), starts a new
    session, empties its environment (no ``CROWNEST_RUN_ID``), ignores SIGTERM (only
    SIGKILL ends it) and sleeps; it writes its pid to ``pid_file`` once all that is done.
    """
    body = f"trap '' TERM; echo $$ > {pid_file}.new; mv {pid_file}.new {pid_file}; exec sleep 300"
    return f"(env -i setsid nohup /bin/sh -c {shlex.quote(body)} >/dev/null 2>&1 &)"


def wait_for_file(path: Path) -> str:
    """Shell code that waits until ``path`` exists and is not empty."""
    return f"while [ ! -s {path} ]; do sleep 0.01; done"


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_bytes()
    return int(stat[stat.rfind(b")") + 2 :].split()[1])


def kill_daemon(pid_file: Path) -> None:
    """After a test: the daemon must not live on even when the test failed."""
    with contextlib.suppress(OSError, ValueError):
        os.kill(int(pid_file.read_text()), signal.SIGKILL)


def daemon_pid(pid_file: Path) -> int:
    return int(pid_file.read_text())


def has_escaped(pid: int) -> bool:
    """True if ``pid`` leads its own session and has no ``CROWNEST_RUN_ID``."""
    environ = Path(f"/proc/{pid}/environ").read_bytes()
    return os.getsid(pid) == pid and b"CROWNEST_RUN_ID" not in environ


def adopted_by_reaper(pid: int) -> bool:
    """True if the parent of ``pid`` is a run's supervisor (local/reaper.py)."""
    cmdline = Path(f"/proc/{parent_of(pid)}/cmdline").read_bytes().split(b"\0")
    return any(part.endswith(b"/reaper.py") for part in cmdline)
