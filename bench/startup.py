"""Start-up: exec to the first run row painted, beside a minimal Textual app, on a pty.

A local backend with the demo data (37 runs) runs first and is left running. Then, in
turns, on a real pseudo-terminal of 120x40: ``crownest-tui --api-url URL`` (the key in
``CROWNEST_API_KEY``, config dirs empty) until a run id (``wsr_``) is on the screen, and
a minimal Textual app (one ``Static``) until its text is. Each time runs from just
before the fork to the first output holding the marker. Turns alternate so a busy
machine slows both alike.

Prints both medians and their ratio, and a ``python -X importtime`` top-10 of the
dashboard's imports; writes the figures to ``bench/out/startup.json``. Exits 1 when the
dashboard takes more than ``GOAL`` times the minimal app.

    .venv/bin/python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Sequence
from pathlib import Path

from _support import cpu_seconds

from crownest_tui.api.client import CrowNestClient
from crownest_tui.local.process import LocalBackendProcess, start_local_backend

GOAL = 2.0
SIZE = (40, 120)  # rows, columns
DEMO_RUNS = 37
TIMEOUT = 30.0
OUT = Path(__file__).resolve().parent / "out" / "startup.json"
ENTRIES = ("crownest_tui.cli", "crownest_tui.ui.app")  # the CLI imports the app lazily
MINIMAL_MARKER = b"minimal app ready"
MINIMAL_APP = f"""
from textual.app import App, ComposeResult
from textual.widgets import Static


class Minimal(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("{MINIMAL_MARKER.decode()}")


Minimal().run()
"""


def time_to_marker(argv: Sequence[str], env: dict[str, str], marker: bytes) -> tuple[float, float]:
    """Seconds from fork to the first pty output holding ``marker``, and the CPU seconds
    the child had used by then (steadier than wall time on a busy machine); the child
    is killed."""
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: size the terminal, then become the program
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", *SIZE, 0, 0))
        os.execve(argv[0], list(argv), env)
    seen = b""
    try:
        while time.perf_counter() - started < TIMEOUT:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child is gone (EIO)
                break
            if not chunk:
                break
            seen = seen[-len(marker) :] + chunk
            if marker in seen:
                return time.perf_counter() - started, cpu_seconds(pid)
        raise RuntimeError(f"{argv[1:]} never painted {marker!r}; last output: {seen[-300:]!r}")
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


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
    """Until the demo seed has made all its runs (their ids are what we look for)."""
    async with CrowNestClient(backend.token, backend.url) as client:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            page = await client.list_runs(limit=100)
            if len(page.data) >= DEMO_RUNS:
                return
            await asyncio.sleep(0.5)
    raise RuntimeError("the demo seed did not finish in 120 s")


def import_top(
    env: dict[str, str], count: int = 10
) -> tuple[dict[str, float], list[tuple[str, float, float]]]:
    """``-X importtime`` of the CLI and the app: each one's ms (cumulative, what it adds
    after those before it) and the slowest imports by their own time."""
    probe = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "; ".join(f"import {m}" for m in ENTRIES)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    rows: list[tuple[str, float, float]] = []
    for line in probe.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((name.strip(), int(own) / 1000, int(cumulative) / 1000))
    totals = {name: cumulative for name, _, cumulative in rows if name in ENTRIES}
    return totals, sorted(rows, key=lambda row: row[1], reverse=True)[:count]


def summary(what: str, samples: list[tuple[float, float]]) -> tuple[float, float]:
    """Print a line of wall-time figures (and the median CPU); return both medians."""
    walls = [wall for wall, _ in samples]
    wall, cpu = statistics.median(walls), statistics.median(c for _, c in samples)
    print(
        f"{what}: median {wall * 1000:.0f} ms (min {min(walls) * 1000:.0f}, "
        f"max {max(walls) * 1000:.0f}); CPU used by then, median {cpu * 1000:.0f} ms"
    )
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--runs", type=int, default=15, help="turns of each app (median)")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="crownest-startup-") as folder,
        start_local_backend(Path(folder) / "state", seed_demo=True) as backend,
    ):
        asyncio.run(wait_for_demo(backend))
        home = Path(folder) / "home"
        home.mkdir()
        script = Path(folder) / "minimal.py"
        script.write_text(MINIMAL_APP)
        env = clean_env(home)
        dashboard = [*entry_point(), "--api-url", backend.url]
        dashboard_env = {**env, "CROWNEST_API_KEY": backend.token}
        minimal = [sys.executable, str(script)]
        time_to_marker(minimal, env, MINIMAL_MARKER)  # warm the caches (.pyc, page cache)
        time_to_marker(dashboard, dashboard_env, b"wsr_")
        ours: list[tuple[float, float]] = []
        theirs: list[tuple[float, float]] = []
        for _ in range(args.runs):
            theirs.append(time_to_marker(minimal, env, MINIMAL_MARKER))
            ours.append(time_to_marker(dashboard, dashboard_env, b"wsr_"))
        totals, top = import_top(env)
    ours_wall, ours_cpu = summary("dashboard, exec to the first run row", ours)
    theirs_wall, theirs_cpu = summary("minimal Textual app, exec to first paint", theirs)
    ratio = ours_wall / theirs_wall
    print(f"turns: {args.runs} of each, on a {SIZE[1]}x{SIZE[0]} pty")
    print(f"ratio: {ratio:.2f}x (goal <= {GOAL:g}x); CPU ratio {ours_cpu / theirs_cpu:.2f}x")
    spent = ", ".join(f"{name} {ms:.0f} ms" for name, ms in totals.items())
    print(f"python -X importtime: {spent} (total {sum(totals.values()):.0f} ms); slowest:")
    for name, own, cumulative in top:
        print(f"  {own:7.1f} ms self {cumulative:8.1f} ms cumulative  {name}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    figures = {
        "runs": args.runs,
        "dashboard_median_s": ours_wall,
        "minimal_median_s": theirs_wall,
        "ratio": ratio,
        "goal_ratio": GOAL,
        "dashboard_cpu_median_s": ours_cpu,
        "minimal_cpu_median_s": theirs_cpu,
        "dashboard_s": [wall for wall, _ in ours],
        "minimal_s": [wall for wall, _ in theirs],
        "import_ms": totals,
        "import_top_self_ms": {name: own for name, own, _ in top},
    }
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    if ratio > GOAL:
        print(f"MISSED: the dashboard takes {ratio:.2f}x the minimal app's time")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
