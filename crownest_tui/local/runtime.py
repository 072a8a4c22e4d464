"""How this backend runs commands: each in its own sandbox, or supervised as the user.

Chosen once when the backend starts. With bubblewrap (:mod:`.sandbox`) a run sees only
its workspace, a private home and /tmp and the host's system read-only, and it ends
when its PID namespace does: cancel and timeout send SIGTERM (and SIGCONT) to every
process in it, and when the command has not ended after the grace period its init
is killed, which kills the rest; when the command ends by itself, the namespace ends
with it. Where bwrap cannot run (macOS, no user namespaces, ``--no-sandbox``) runs
execute as the user under :mod:`.reaper`, as before, and the backend says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Any

from .run_process import MARKER, REAPER_MARGIN, RunningCommand, end_run, relayed, supervised
from .sandbox import (
    HOME,
    SYSTEM_DIRS,
    TOOLS,
    WORKSPACE,
    Bubblewrap,
    RunDirs,
    find_bubblewrap,
    namespace_members,
    read_info,
    sandbox_alive,
)
from .service_state import RunsInfo
from .templates import Host, Templates

NO_SANDBOX_FLAG = "the backend was started with --no-sandbox"
#: How long the processes of an ended sandbox may take to be gone.
SETTLE_SECONDS = 5.0
SETTLE_POLL = 0.01
COMMON_ENV = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color"}


def _venv() -> list[Path]:
    """The virtualenv we run from, if any (a run must not see it)."""
    return [Path(sys.prefix).resolve()] if sys.prefix != sys.base_prefix else []


def _visible_in_sandbox(path: Path) -> bool:
    return any(path == root or root in path.parents for root in SYSTEM_DIRS)


class Runtime:
    """The way runs are executed on this host, and the templates they get."""

    def __init__(self, state_dir: Path, *, sandbox: bool = True, network: bool = True) -> None:
        root = state_dir / "runtime"
        root.mkdir(parents=True, exist_ok=True)
        empty = root / "empty"
        empty.write_bytes(b"")
        empty.chmod(0o444)
        self.network = network
        self.sandbox: Bubblewrap | None = None
        self.reason = NO_SANDBOX_FLAG
        if sandbox:
            private = [state_dir.resolve(), *_venv()]
            self.sandbox, self.reason = find_bubblewrap(empty, private, network=network)
        visible = _visible_in_sandbox if self.sandbox else (lambda _: True)
        self.templates = Templates(root / "templates", Host.discover(visible))

    @property
    def sandboxed(self) -> bool:
        return self.sandbox is not None

    def describe(self) -> dict[str, Any]:
        """What ``GET /v1/_local/runtime`` answers: the sandbox and the templates."""
        sandbox = {
            "enabled": self.sandboxed,
            "tool": self.sandbox.label if self.sandbox else None,
            "reason": None if self.sandbox else self.reason,
            "network": self.network or not self.sandboxed,
        }
        return {"sandbox": sandbox, "templates": self.templates.summary()}

    def runs_info(self, *, tty: bool) -> RunsInfo:
        """How runs execute, for the pid file (``local status``, the header line)."""
        tool = self.sandbox.label if self.sandbox else self.reason
        return RunsInfo(self.sandboxed, tool, self.network or not self.sandboxed, tty)

    def headline(self) -> str:
        """The one line the backend logs on start."""
        line = self.runs_info(tty=False).headline()
        if self.sandbox is None and not self.network:
            line += " (so --no-network cannot apply: runs have the network)"
        return line

    def environment(self, run_id: str, slug: str, dirs: RunDirs) -> dict[str, str]:
        """A run's whole environment: its template's, and nothing of the backend's."""
        if self.sandbox is not None:
            home, tmp, workspace, tools = HOME, "/tmp", WORKSPACE, TOOLS
        else:
            home, tmp, workspace = str(dirs.home), str(dirs.tmp), str(dirs.workspace)
            tools = str(self.templates.bin_dir(slug))
        env = self.templates.environment(slug, home=home, tools=tools, sandboxed=self.sandboxed)
        return {**env, **COMMON_ENV, "HOME": home, "TMPDIR": tmp, "PWD": workspace, MARKER: run_id}

    def launch_line(
        self, command: str, slug: str, dirs: RunDirs, grace: float, *, tty: bool = False
    ) -> str:
        """The shell line that runs ``command``: in its sandbox, through the relay (its
        PID namespace ends its processes), or under the reaper. Either way its output
        comes in the order it was written; ``tty``: a pseudo-terminal per stream."""
        if self.sandbox is None:
            return supervised(command, grace, tty=tty)
        return relayed(self.sandbox.line(dirs, self.templates.bin_dir(slug), command), tty=tty)

    async def end(self, cmd: RunningCommand, dirs: RunDirs, grace: float) -> None:
        """Stop the run: TERM every process, and after ``grace`` end them all."""
        if self.sandbox is None:
            await end_run(cmd, grace)
            return
        if not await cmd.wait(0):
            info = read_info(dirs.info)
            if info is None:  # the sandbox is not set up yet: nothing of the run started
                _signal(cmd.pid, signal.SIGKILL)
            else:
                for pid in namespace_members(info.pid_namespace):
                    if pid != info.init_pid:
                        _signal(pid, signal.SIGTERM, signal.SIGCONT)
            if not await cmd.wait(grace):
                if info is not None and sandbox_alive(info):
                    _signal(info.init_pid, signal.SIGKILL)  # ends the namespace
                _signal(cmd.pid, signal.SIGKILL)  # bwrap itself, if it hung
                await cmd.wait(REAPER_MARGIN)
        await self.settle(dirs)
        await cmd.end(min(grace, 0.5))  # the marker sweep, as a backstop

    async def settle(self, dirs: RunDirs) -> None:
        """After the command: make sure the sandbox's namespace is gone, and wait for it."""
        info = read_info(dirs.info) if self.sandbox is not None else None
        if info is None:
            return
        for _ in range(round(SETTLE_SECONDS / SETTLE_POLL)):
            if not sandbox_alive(info):  # (this also tells a reused pid from the init)
                return
            _signal(info.init_pid, signal.SIGKILL)  # ends the whole namespace
            await asyncio.sleep(SETTLE_POLL)


def _signal(pid: int | None, *signals: signal.Signals) -> None:
    if pid is None or pid <= 0:  # never a group: 0 and -1 would reach far beyond the run
        return
    for sig in signals:
        with contextlib.suppress(OSError):
            os.kill(pid, sig)
