"""Idle CPU: what the dashboard uses while nothing happens, on a real pty.

A local backend with the demo data (37 runs: 34 finished, 3 still running) runs first.
Then three dashboards run side by side, each ``crownest-tui --api-url URL`` on its
own 120x40 pseudo-terminal with empty config dirs:

- **list**: the runs list, auto-refresh on (every 5 s, the default);
- **detail**: ``open wsr_…`` on a finished run with 2,000 lines of output;
- **split**: the split tail of four finished runs (marked with ``space`` in the list,
  then ``t``).

Each is given ``SETTLE`` seconds once its screen is painted, and the window starts
once the newest run is ``AGE`` seconds old: a list left open shows runs created a
while ago, whose "created" column then changes once a minute rather than every second
(the running runs' durations do tick every second). Then its CPU (utime + stime from
``/proc/PID/stat``) is read over ``--seconds`` (default 60). Prints each
one's share of a core and what it wrote to the terminal meanwhile; writes the figures
to ``bench/out/idle.json``. Exits 1 when any uses ``GOAL`` % of a core or more.

Beside them, as a yardstick of what a repaint a second costs on this machine, a
minimal Textual app that updates one line once a second (the list does about that:
the running runs' durations and "updated N s ago"); it has no goal of its own.

    .venv/bin/python bench/idle.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from _support import Figures
from _terminal import PtyApp, demo_session, entry_point

from crownest_tui.api.client import CrowNestClient
from crownest_tui.api.models import WorkspaceRun
from crownest_tui.local.process import LocalBackendProcess

GOAL = 0.5  # % of one core
SETTLE = 5.0
AGE = 65.0  # seconds: "a minute ago" and older
SPLIT_RUNS = 4
DETAIL_COMMAND = "python3 build.py --lines 2000"
PEER_APP = """
import time
from textual.app import App, ComposeResult
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Footer, Static


class Clock(Widget):
    DEFAULT_CSS = "Clock { height: 1; }"
    text = reactive("")

    def render(self) -> str:
        return self.text


class OneLineASecond(App[None]):
    def compose(self) -> ComposeResult:
        for row in range(30):
            yield Static(f"row {row} " * 10)
        yield Clock()
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        self.query_one(Clock).text = f"peer ready {time.time():.0f}"


OneLineASecond().run()
"""


@dataclass
class Idle:
    """What one dashboard did over the measured window."""

    name: str
    what: str
    cpu_seconds: float
    wall_seconds: float
    bytes_written: int

    @property
    def percent(self) -> float:
        return 100 * self.cpu_seconds / self.wall_seconds


async def pick_runs(backend: LocalBackendProcess) -> tuple[list[WorkspaceRun], WorkspaceRun]:
    """The list as the dashboard shows it (newest first), and the run for the detail."""
    async with CrowNestClient(backend.token, backend.url) as client:
        runs = (await client.list_runs(limit=100)).data
    finished = [run for run in runs if run.is_terminal]
    detail = next((run for run in finished if run.command == DETAIL_COMMAND), finished[0])
    return runs, detail


def mark_keys(runs: list[WorkspaceRun], count: int) -> tuple[str, list[str]]:
    """Keys that mark the first ``count`` finished rows (``j`` down, space marks), then
    ``t``; and the ids they mark."""
    keys, picked, row = [], [], 0
    for index, run in enumerate(runs):
        if not run.is_terminal:
            continue
        keys.append("j" * (index - row) + " ")
        row = index
        picked.append(run.id)
        if len(picked) == count:
            break
    return "".join(keys) + "t", picked


def start_all(
    backend: LocalBackendProcess,
    env: dict[str, str],
    runs: list[WorkspaceRun],
    detail: str,
    peer: Path,
) -> list[tuple[PtyApp, str]]:
    """Start the three dashboards and the peer, and bring each to its screen; (app,
    what) pairs, the peer last."""
    base = [*entry_point(), "--api-url", backend.url]
    listing = PtyApp("list", base, env)
    opened = PtyApp("detail", [*entry_point(), "open", detail, "--api-url", backend.url], env)
    split = PtyApp("split", base, env)
    yardstick = PtyApp("peer", [sys.executable, str(peer)], env)
    started = [listing, opened, split, yardstick]
    try:
        yardstick.wait_for(b"peer ready")
        listing.wait_for(b"wsr_")
        opened.wait_for(b"2 Events")
        at = split.wait_for(b"wsr_")
        time.sleep(1.0)  # the list has its rows (the marker is in the first of them)
        keys, picked = mark_keys(runs, SPLIT_RUNS)
        split.send(keys)
        split.wait_for(b"Next pane", since=at)  # the split screen's footer
    except Exception:
        for app in started:
            app.close()
        raise
    return [
        (listing, f"runs list, {len(runs)} runs, auto-refresh every 5 s"),
        (opened, f"detail of finished {detail} ({DETAIL_COMMAND})"),
        (split, f"split tail of {SPLIT_RUNS} finished runs: {', '.join(picked)}"),
        (yardstick, "minimal Textual app repainting one line a second (no goal)"),
    ]


def measure(apps: list[tuple[PtyApp, str]], seconds: float, newest: datetime) -> list[Idle]:
    time.sleep(SETTLE)
    time.sleep(max(0.0, AGE - (datetime.now(UTC) - newest).total_seconds()))
    before = [(app.cpu(), len(app.output)) for app, _ in apps]
    started = time.monotonic()
    time.sleep(seconds)
    wall = time.monotonic() - started
    return [
        Idle(app.name, what, app.cpu() - cpu, wall, len(app.output) - written)
        for (app, what), (cpu, written) in zip(apps, before, strict=True)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window")
    args = parser.parse_args()
    with demo_session("crownest-idle-") as session:
        runs, detail = asyncio.run(pick_runs(session.backend))
        peer = session.folder / "peer.py"
        peer.write_text(PEER_APP)
        apps = start_all(session.backend, session.dashboard_env, runs, detail.id, peer)
        try:
            results = measure(apps, args.seconds, max(run.created_at for run in runs))
        finally:
            for app, _ in apps:
                app.close()
    print(
        f"window: {args.seconds:g} s, three dashboards and the peer at once, from "
        f"{SETTLE:g} s after their screens were painted and the newest run {AGE:g} s old"
    )
    for idle in results:
        print(
            f"{idle.name:>6}: {idle.percent:.2f}% of a core ({idle.cpu_seconds:.2f} s CPU), "
            f"{idle.bytes_written:,} bytes to the terminal; {idle.what}"
        )
    figures = Figures.of(__file__)
    figures.add("window", args.seconds, "s")
    for idle in results:
        share = f"{idle.name}: CPU, % of a core"
        if idle.name == "peer":
            figures.add(share, idle.percent, "%")
        else:
            figures.below(share, idle.percent, GOAL, "%")
        figures.add(f"{idle.name}: bytes to the terminal", idle.bytes_written)
    return figures.finish()


if __name__ == "__main__":
    sys.exit(main())
