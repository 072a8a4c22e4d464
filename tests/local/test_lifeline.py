"""The backend child dies with the dashboard, even when the dashboard is SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .support import alive

PARENT = """
import sys, time
from pathlib import Path
from crownest_tui.local.process import start_local_backend
backend = start_local_backend(Path(sys.argv[1]))
print(backend.pid, flush=True)
time.sleep(60)
"""


def test_backend_stops_when_its_parent_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path / "state")], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    backend_pid = int(parent.stdout.readline())
    assert alive(backend_pid)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(10)
    deadline = time.monotonic() + 15
    while alive(backend_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(backend_pid)
