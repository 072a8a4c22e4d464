"""The real CLI on a pseudo-terminal, and the process tree it leaves behind.

:func:`spawn_on_pty` starts ``crownest-tui …`` with a fresh pty as its stdin, stdout,
stderr and (unless told otherwise) controlling terminal, as a terminal emulator or tmux
would: the CLI leads its own session, so closing the master side makes the kernel hang
the terminal up (SIGHUP and SIGCONT to the CLI, EIO then EOF on reads, EIO on writes).
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.local.support import alive


def descendants(pid: int) -> list[int]:
    """Every live process under ``pid`` (children, their children…), from /proc."""
    found: list[int] = []
    stack = [pid]
    while stack:
        parent = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{parent}/task/{tid}/children") as handle:
                    children = [int(word) for word in handle.read().split()]
            except OSError:
                continue
            for child in children:
                if child not in found:
                    found.append(child)
                    stack.append(child)
    return found


def main_thread_parked(pid: int) -> bool:
    """True while the process's main thread sleeps on a lock (a futex), not in epoll."""
    try:
        with open(f"/proc/{pid}/wchan") as handle:
            return "futex" in handle.read()
    except OSError:
        return False


@dataclass
class PtyProcess:
    """A CLI process on the slave side of a pty whose master side we hold."""

    proc: subprocess.Popen[bytes]
    master: int | None
    output: bytearray = field(default_factory=bytearray)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def read_available(self, wait: float = 0.05) -> bool:
        """Read what the CLI wrote (within ``wait`` s); False once the pty is closed."""
        if self.master is None:
            return False
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:
            return False
        self.output += chunk
        return bool(chunk)

    def wait_for(self, text: bytes, timeout: float) -> None:
        """Read until ``text`` was painted; fail with the tail of the output otherwise."""
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                tail = bytes(self.output[-600:])
                raise AssertionError(
                    f"{text!r} never showed (exit {self.proc.poll()}); output ends {tail!r}"
                )
            self.read_available()

    def send(self, data: bytes) -> None:
        assert self.master is not None
        os.write(self.master, data)

    def close_terminal(self) -> None:
        """Close the master side: the terminal (emulator, tmux pane) went away."""
        if self.master is not None:
            os.close(self.master)
            self.master = None

    def kill_all(self, pids: Sequence[int]) -> None:
        """SIGKILL whatever is left (so a failing test leaves nothing behind)."""
        for pid in [self.pid, *pids]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(5)
        self.close_terminal()


def _become_terminal_owner() -> None:
    """In the child, after setsid: the pty on stdin becomes the controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def spawn_on_pty(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    size: tuple[int, int] = (100, 30),
    controlling: bool = True,
) -> PtyProcess:
    """``python -m crownest_tui ARGV…`` on a new pty of ``size`` (columns, rows)."""
    master, slave = os.openpty()
    columns, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "crownest_tui", *argv],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        env={**env, "TERM": "xterm-256color"},
        start_new_session=True,
        preexec_fn=_become_terminal_owner if controlling else None,
    )
    os.close(slave)
    return PtyProcess(proc, master)


def gone_within(
    pids: Sequence[int], timeout: float, *, reading: PtyProcess | None = None
) -> tuple[float, list[int]]:
    """Seconds until none of ``pids`` is alive (zombies count as gone), and who is left
    after ``timeout``. With ``reading``, its terminal is read meanwhile, as a terminal
    emulator would (a terminal nobody reads blocks the writer)."""
    start = time.monotonic()
    while True:
        left = [pid for pid in pids if alive(pid)]
        elapsed = time.monotonic() - start
        if not left or elapsed > timeout:
            return elapsed, left
        if reading is None or not reading.read_available(0.02):
            time.sleep(0.02)
