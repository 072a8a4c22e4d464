"""A daemon that escapes its run every way a process can, and what tests need around it.

The daemon writes its pid to a file in the run's workspace. In a sandbox that pid is
the one of the run's own PID namespace: :class:`RunProcesses` finds the host pid
behind it (``NSpid`` in ``/proc/PID/status``), through the namespace bwrap reported.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
from pathlib import Path

from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.local.sandbox import namespace_members, read_info

from .support import alive

PID_FILE = "daemon.pid"


def daemon(pid_file: str | Path = PID_FILE) -> str:
    """Shell code starting a daemon as written by the book.

    It double-forks (the subshell exits at once, so nothing waits for it), starts a new
    session, empties its environment (no ``CROWNEST_RUN_ID``), ignores SIGTERM (only
    SIGKILL ends it) and sleeps; it writes its pid to ``pid_file`` (by default in the
    working directory, the run's workspace) once all that is done.
    """
    body = f"trap '' TERM; echo $$ > {pid_file}.new; mv {pid_file}.new {pid_file}; exec sleep 300"
    return f"(env -i setsid nohup /bin/sh -c {shlex.quote(body)} >/dev/null 2>&1 &)"


def wait_for_file(path: str | Path = PID_FILE) -> str:
    """Shell code that waits until ``path`` exists and is not empty."""
    return f"while [ ! -s {path} ]; do sleep 0.01; done"


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_bytes()
    return int(stat[stat.rfind(b")") + 2 :].split()[1])


def has_escaped(pid: int) -> bool:
    """True if ``pid`` leads its own session and has no ``CROWNEST_RUN_ID``."""
    environ = Path(f"/proc/{pid}/environ").read_bytes()
    return os.getsid(pid) == pid and b"CROWNEST_RUN_ID" not in environ


def adopted_by_reaper(pid: int) -> bool:
    """True if the parent of ``pid`` is a run's supervisor (local/reaper.py)."""
    cmdline = Path(f"/proc/{parent_of(pid)}/cmdline").read_bytes().split(b"\0")
    return any(part.endswith(b"/reaper.py") for part in cmdline)


def _innermost_pid(host_pid: int) -> int | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{host_pid}/status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    return None


class RunProcesses:
    """A run's files and processes, seen from the host (the test's side)."""

    def __init__(self, server: LocalBackendProcess, run_id: str) -> None:
        self.workspace = server.state_dir / "workspaces" / run_id
        self.info_file = server.state_dir / "sandboxes" / run_id / "info.json"

    @property
    def namespace(self) -> int | None:
        """The run's PID namespace (None: the run is not sandboxed)."""
        info = read_info(self.info_file)
        return info.pid_namespace if info else None

    @property
    def sandbox_init(self) -> int | None:
        info = read_info(self.info_file)
        return info.init_pid if info else None

    def daemon_pid(self) -> int | None:
        """The daemon's pid as the run saw it (None until the file is written)."""
        with contextlib.suppress(OSError, ValueError):
            return int((self.workspace / PID_FILE).read_text())
        return None

    def host_pid(self, pid: int) -> int | None:
        """The live host process behind the run's ``pid`` (None if there is none)."""
        namespace = self.namespace
        if namespace is None:
            return pid if alive(pid) else None
        for member in namespace_members(namespace):
            if _innermost_pid(member) == pid:
                return member
        return None


def kill_daemon(pid_file: Path) -> None:
    """After a test: the daemon must not live on even when the test failed."""
    with contextlib.suppress(OSError, ValueError):
        os.kill(int(pid_file.read_text()), signal.SIGKILL)


def kill_quietly(pids: list[int]) -> None:
    """After a test: a daemon must not live on even when the test failed."""
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
