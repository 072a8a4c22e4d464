"""``logs`` on a real terminal (a pty) shows progress lines as the run drew them; a
pipe still gets the run's bytes exactly (issue 12, point 8)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from crownest_tui.local.process import LocalBackendProcess
from tests.local.support import finished_run_printing

# A download whose lines erase and redraw themselves, a spinner, and a title change.
PROGRESS = (
    b"Downloading 0%\r\x1b[KDownloading 50%\r\x1b[Kdone\n"
    + "resolving deps 29━━━━━━━━━━━━\r\x1b[Kresolved.\n".encode()
    + b"\x1b]0;evil title\x07after\n"
)
# What reaches the terminal: the line edits, not the title (the pty turns \n into \r\n).
ON_THE_TERMINAL = (
    b"Downloading 0%\r\x1b[KDownloading 50%\r\x1b[Kdone\r\n"
    + "resolving deps 29━━━━━━━━━━━━\r\x1b[Kresolved.\r\n".encode()
    + b"after\r\n"
)


@pytest.fixture(scope="module")
def progress_run(backend: LocalBackendProcess) -> str:
    return finished_run_printing(backend, PROGRESS)


def logs_argv(backend: LocalBackendProcess, run_id: str) -> list[str]:
    return [sys.executable, "-m", "crownest_tui", "logs", run_id, "--api-url", backend.url]


def env_for(backend: LocalBackendProcess) -> dict[str, str]:
    return {**os.environ, "CROWNEST_API_KEY": backend.token}


def read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other end of the pty is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_on_a_pty_progress_lines_keep_their_line_edits(
    backend: LocalBackendProcess, progress_run: str
) -> None:
    leader, follower = pty.openpty()
    try:
        child = subprocess.Popen(
            logs_argv(backend, progress_run),
            stdout=follower,
            stderr=subprocess.PIPE,
            env=env_for(backend),
        )
        os.close(follower)
        shown = read_all(leader)
        _, err = child.communicate(timeout=60)
    finally:
        os.close(leader)
    assert child.returncode == 0, err
    assert shown == ON_THE_TERMINAL


def test_to_a_pipe_the_bytes_are_exact(backend: LocalBackendProcess, progress_run: str) -> None:
    done = subprocess.run(
        logs_argv(backend, progress_run), capture_output=True, env=env_for(backend), timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == PROGRESS
