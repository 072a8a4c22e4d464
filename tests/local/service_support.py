"""Helpers for the tests of the persistent local backend (``local start|stop|status``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from crownest_tui.local.service_state import ServiceState, probe
from tests.local.support import live_pids_whose

CLI = [sys.executable, "-m", "crownest_tui"]


def cli(
    *argv: str, timeout: float = 90.0, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``crownest-tui ARGV…`` in a child, in this test's environment, to its end."""
    return subprocess.run(
        [*CLI, *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env=dict(os.environ),
    )


def service_pid(state_dir: Path) -> int:
    """The pid of the backend serving ``state_dir`` (it must be running)."""
    found = probe(state_dir)
    assert found.state is ServiceState.RUNNING and found.info is not None, found
    return found.info.pid


def service_http(state_dir: Path) -> httpx.AsyncClient:
    """An HTTP client of the running service, with its token."""
    found = probe(state_dir)
    assert found.info is not None, found
    token = (state_dir / "token").read_text().strip()
    return httpx.AsyncClient(
        base_url=found.info.url, headers={"Authorization": f"Bearer {token}"}, timeout=30.0
    )


def serving_processes(state_dir: Path) -> list[int]:
    """Every live ``local serve`` process whose command line names ``state_dir``."""
    wanted = str(state_dir).encode()
    return live_pids_whose("cmdline", lambda words: b"serve" in words and wanted in words)
