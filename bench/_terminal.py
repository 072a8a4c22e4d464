"""The real dashboard on a real pseudo-terminal, against a backend with the demo data.

Shared by ``startup.py`` and ``idle.py`` (not a benchmark itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from _support import cpu_seconds

from crownest_tui.api.client import CrowNestClient
from crownest_tui.local.process import LocalBackendProcess, start_local_backend

SIZE = (40, 120)  # rows, columns
TIMEOUT = 60.0
DEMO_RUNS = 37


def entry_point() -> list[str]:
    """The installed ``crownest-tui`` script next to this Python, else ``-m crownest_tui``."""
    script = Path(sys.executable).with_name("crownest-tui")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "crownest_tui"]


def clean_env(home: Path) -> dict[str, str]:
    """A terminal environment with empty config dirs and no CrowNest or Textual settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CROWNEST_", "TEXTUAL", "XDG_"))
    }
    # Bytecode cached, as after ``pip install`` (which compiles the wheel's modules).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        TERM="xterm-256color",
        COLORTERM="truecolor",
        LANG="C.UTF-8",
    )
    return env


async def wait_for_demo(backend: LocalBackendProcess) -> None:
    """Until the demo seed has made all its runs."""
    async with CrowNestClient(backend.token, backend.url) as client:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            page = await client.list_runs(limit=100)
            if len(page.data) >= DEMO_RUNS:
                return
            await asyncio.sleep(0.5)
    raise RuntimeError("the demo seed did not finish in 120 s")


@dataclass(frozen=True)
class DemoSession:
    """A backend with the demo data, a scratch folder, and a terminal environment
    whose home is in that folder (``dashboard_env`` also holds the backend's key)."""

    backend: LocalBackendProcess
    folder: Path
    env: dict[str, str]

    @property
    def dashboard_env(self) -> dict[str, str]:
        return {**self.env, "CROWNEST_API_KEY": self.backend.token}


@contextlib.contextmanager
def demo_session(prefix: str) -> Iterator[DemoSession]:
    """Start the local backend with the demo data and wait for all its runs."""
    with (
        tempfile.TemporaryDirectory(prefix=prefix) as name,
        start_local_backend(Path(name) / "state", seed_demo=True) as backend,
    ):
        asyncio.run(wait_for_demo(backend))
        home = Path(name) / "home"
        home.mkdir()
        yield DemoSession(backend, Path(name), clean_env(home))


class PtyApp:
    """A program on its own pty; a thread drains its output (and looks for markers)."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str]) -> None:
        self.name = name
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: size the terminal, then become the program
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", *SIZE, 0, 0))
            os.execve(argv[0], list(argv), env)
        self.output = bytearray()
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # the child is gone (EIO)
                chunk = b""
            with self._changed:
                self.output += chunk
                self._changed.notify_all()
            if not chunk:
                return

    def wait_for(self, marker: bytes, since: int = 0, timeout: float = TIMEOUT) -> int:
        """Wait until ``marker`` is in the output after byte ``since``; its end offset."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while (found := self.output.find(marker, since)) < 0:
                left = deadline - time.monotonic()
                if left <= 0 or not self._reader.is_alive():
                    tail = bytes(self.output[-300:])
                    raise RuntimeError(f"{self.name}: no {marker!r} on screen; last: {tail!r}")
                self._changed.wait(min(left, 0.5))
            return found + len(marker)

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def cpu(self) -> float:
        """CPU seconds (user + system) the program has used so far."""
        return cpu_seconds(self.pid)

    def close(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        self._reader.join(5)
        os.close(self.fd)
