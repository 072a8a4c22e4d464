"""Load: 50 live runs streaming at once while the real dashboard lists and tails them.

The local backend runs 50 real runs, each a Python script printing numbered,
time-stamped lines at a steady rate (default 200 lines/s each, written every 50 ms).
The dashboard (``CrowNestApp``, headless, straight to the backend on 127.0.0.1) lists
them with auto-refresh and tails one of them in the detail screen for ``--seconds``
(the tail window), then goes back to the list for a quarter of that (the list window).
The list sleeps while the detail screen covers it (no refreshes nobody sees), so its
refreshes are measured in the list window, and the tail window checks that the
covered list stays asleep.

An hour of use, compressed: a busy run writes ~50 lines/s into the tailed view, so an
hour is 180,000 lines; the tailed run writes that many in the time given (at
180,000 / seconds lines/s, at least the others' rate). The list refreshes every 5 s
by default, 720 times an hour; here it refreshes every list window / 720 s (not under
0.1 s, so shorter runs do fewer). What was compressed, and how far, is printed.

Prints: the backend's CPU (user+sys seconds per wall second, from /proc, the runs'
own processes separately), the dashboard's CPU, the event lag in the tailed view
(event ``createdAt`` to the frame that shows it, and the line's own write time to that
frame; p50/p95/p99/max), the list refresh latency (refresh due to new rows handed to
the table, in the list window, with the dashboard's CPU there), and the dashboard's RSS
at the start, after the hour-equivalent, and its peak. Stops by itself; every run is
canceled and the backend stopped at the end. Goals: the app never crashes, the tailed
view keeps up (event lag p99 under 1 s), the list refreshes while in view and not while
covered.
Writes its figures to ``bench/out/load.json`` and exits 1 when a goal is missed.

    .venv/bin/python bench/load.py [--quick | --seconds 180] [--runs 50] [--rate 200]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _support import Figures, cpu_seconds, percentiles, quantiles, rss_mb, start_script_run

from crownest_tui.api import CrowNestClient
from crownest_tui.api.models import WorkspaceRun, is_terminal
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import LocalBackendProcess, start_local_backend
from crownest_tui.ui.app import CrowNestApp
from crownest_tui.ui.log import OutputChunk
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.screens.runs import RunsScreen
from crownest_tui.ui.widgets.log_view import LogView

HOUR = 3600.0
REAL_TAIL_RATE = 50  # lines/s a busy run writes, for the hour-equivalent
REAL_REFRESH = 5.0  # the dashboard's default refresh period
MIN_REFRESH = 0.1
#: The tailed view keeps up: an event is on screen within this, 99 times in 100.
GOAL_LAG_P99_MS = 1000.0
WRITER = """
import sys, time
rate, seconds, pad = {rate}, {seconds}, "x" * 40
start = time.time()
n = 0
while True:
    now = time.time()
    if now - start >= seconds:
        break
    due = int((now - start) * rate)
    if due > n:
        sys.stdout.write("".join(f"{{i}} {{now:.6f}} load line {{pad}}\\n" for i in range(n, due)))
        sys.stdout.flush()
        n = due
    time.sleep(0.05)
"""


@dataclass
class Probe:
    """Timestamps taken inside the real screens (wrapped methods, same behaviour)."""

    pending: list[OutputChunk] = field(default_factory=list)
    event_lag: list[float] = field(default_factory=list)
    write_lag: list[float] = field(default_factory=list)
    refresh_due: float | None = None
    refresh_latency: list[float] = field(default_factory=list)
    refreshes: int = 0

    def watch_list(self, screen: RunsScreen) -> None:
        refresh_now, loaded = screen.refresh_now, screen._loaded

        def timed_refresh() -> None:
            if screen.run_list.loaded and self.refresh_due is None:
                self.refresh_due = time.perf_counter()
            refresh_now()

        def timed_loaded(*, changed: bool = True) -> None:
            loaded(changed=changed)
            if self.refresh_due is not None:
                self.refresh_latency.append(time.perf_counter() - self.refresh_due)
                self.refresh_due = None
            self.refreshes += 1

        screen.refresh_now = timed_refresh  # type: ignore[method-assign]
        screen._loaded = timed_loaded  # type: ignore[method-assign]

    def watch_log(self, view: LogView) -> None:
        append, sync = view.append, view.lines.sync

        def stamped_append(chunks: Sequence[OutputChunk]) -> None:
            self.pending.extend(chunks)
            append(chunks)

        def stamped_sync() -> None:
            sync()
            now = time.time()
            for chunk in self.pending:
                if chunk.time is not None:
                    self.event_lag.append(now - chunk.time.timestamp())
                first = chunk.text.split("\n", 1)[0].split(" ", 2)
                if len(first) == 3 and first[2].startswith("load line"):
                    self.write_lag.append(now - float(first[1]))
            self.pending.clear()

        view.append = stamped_append  # type: ignore[method-assign]
        view.lines.sync = stamped_sync  # type: ignore[method-assign]

    def reset(self) -> None:
        self.event_lag.clear()
        self.write_lag.clear()
        self.refresh_latency.clear()
        self.refreshes = 0


def descendants_cpu(root: int) -> float:
    """CPU of every live process under ``root`` but ``root`` itself (runs may wrap
    their command in a shell)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            parents[int(stat.parent.name)] = int(text[text.rindex(")") + 2 :].split()[1])
        except (OSError, ValueError):
            continue
    total, frontier = 0.0, {root}
    while frontier:
        below = {pid for pid, parent in parents.items() if parent in frontier}
        for pid in below:
            try:
                total += cpu_seconds(pid)
            except (OSError, ValueError):
                continue
        frontier = below
    return total


@dataclass
class ListWindow:
    """What the list window did: the list in view, refreshing."""

    wall: float
    refreshes: int
    interval: float
    own_cpu: float
    latency: list[float]


async def watch_list_window(probe: Probe, seconds: float, interval: float) -> ListWindow:
    """The list in view for ``seconds``: its refreshes, their latency, our CPU."""
    probe.reset()
    wall0, own0 = time.perf_counter(), time.process_time()
    await asyncio.sleep(seconds)
    wall, own = time.perf_counter() - wall0, time.process_time() - own0
    return ListWindow(wall, probe.refreshes, interval, own, list(probe.refresh_latency))


def print_list_window(w: ListWindow, figures: Figures) -> None:
    share = w.refreshes / (HOUR / REAL_REFRESH)
    print(
        f"list window: {w.wall:.1f} s with the list in view: {w.refreshes} refreshes every "
        f"{w.interval:.2f} s = {share:.0%} of an hour's at {REAL_REFRESH:g} s; dashboard "
        f"CPU {w.own_cpu / w.wall:.2f} s per wall second"
    )
    print(f"list refresh latency (due -> rows in the table): {percentiles(w.latency)}")
    figures.add("list window", w.wall, "s")
    figures.holds("the list refreshed while in view", w.refreshes > 0)
    figures.add("list refreshes", w.refreshes)
    figures.add("dashboard CPU per wall second, list window", w.own_cpu / w.wall, "s")
    refresh = quantiles(w.latency)
    if refresh:
        figures.add("list refresh latency p99", refresh["p99"], "ms")


@dataclass
class Window:
    """What the tail window did (the list covered by the detail screen)."""

    wall: float
    lines: int
    refreshes: int
    backend_cpu: float
    runs_cpu: float
    own_cpu: float


def print_window(
    w: Window,
    event_lag: list[float],
    write_lag: list[float],
    rss: tuple[float, float, float],
    figures: Figures,
) -> None:
    hour_lines = HOUR * REAL_TAIL_RATE
    share = w.lines / hour_lines
    print(f"tail window: {w.wall:.1f} s with the list under the detail screen")
    print(
        f"hour-equivalent: {w.lines:,} lines into the tailed view = {share:.0%} of an hour at "
        f"{REAL_TAIL_RATE} lines/s (compressed {HOUR * share / w.wall:.0f}x); "
        f"{w.refreshes} refreshes of the covered list (it sleeps)"
    )
    print(
        f"backend CPU: {w.backend_cpu / w.wall:.2f} s per wall second (the server process); "
        f"the runs' own processes: {w.runs_cpu / w.wall:.2f}"
    )
    print(f"dashboard CPU: {w.own_cpu / w.wall:.2f} s per wall second (this process)")
    print(f"event lag (createdAt -> frame showing it): {percentiles(event_lag)}")
    print(f"line lag (written by the run -> frame showing it): {percentiles(write_lag)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"dashboard RSS: {rss[0]:.0f} MB at the start, {rss[1]:.0f} MB after the "
        f"hour-equivalent (peak in the window {rss[2]:.0f} MB, process peak {peak:.0f} MB)"
    )
    figures.add("tail window", w.wall, "s")
    figures.add("lines into the tailed view", w.lines)
    figures.holds("the covered list did not refresh", w.refreshes == 0)
    figures.add("backend CPU per wall second", w.backend_cpu / w.wall, "s")
    figures.add("the runs' own CPU per wall second", w.runs_cpu / w.wall, "s")
    figures.add("dashboard CPU per wall second", w.own_cpu / w.wall, "s")
    lag = quantiles(event_lag)
    if figures.holds("event lag measured", bool(lag)):
        figures.add("event lag p50", lag["p50"], "ms")
        figures.add("event lag p95", lag["p95"], "ms")
        figures.below("event lag p99", lag["p99"], GOAL_LAG_P99_MS, "ms")
    figures.add("dashboard RSS at the start", rss[0], "MB")
    figures.add("dashboard RSS after the window", rss[1], "MB")


async def until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return bool(condition())


async def measure(
    backend: LocalBackendProcess, seconds: float, count: int, rate: int, figures: Figures
) -> int:
    hour_lines = int(HOUR * REAL_TAIL_RATE)
    tail_rate = max(rate, math.ceil(hour_lines / seconds))
    list_seconds = seconds / 4
    interval = max(MIN_REFRESH, list_seconds / (HOUR / REAL_REFRESH))
    tag = uuid.uuid4().hex[:8]
    lifetime = list_seconds + seconds + 30  # the runs outlive both windows (then canceled)
    async with CrowNestClient(backend.token, backend.url) as direct:
        started = time.perf_counter()
        tailed = await start_script_run(
            direct,
            WRITER.format(rate=tail_rate, seconds=lifetime),
            metadata={"load": tag, "role": "tailed"},
        )
        runs: list[WorkspaceRun] = [tailed]
        for _ in range(count - 1):
            script = WRITER.format(rate=rate, seconds=lifetime)
            runs.append(await start_script_run(direct, script, metadata={"load": tag}))
        print(f"{count} runs started in {time.perf_counter() - started:.1f} s")
        print(
            f"rates: {count - 1} runs at {rate} lines/s, the tailed one at {tail_rate:,} "
            f"lines/s; {(count - 1) * rate + tail_rate:,} lines/s in all"
        )
        probe = Probe()
        client = CrowNestClient(backend.token, backend.url)
        filters = RunFilters.build(metadata={"load": tag})
        app = CrowNestApp(client, filters=filters, refresh_interval=interval)
        crashed: Exception | None = None
        try:
            async with app.run_test(size=(160, 45)) as pilot:
                screen = app.runs_screen
                assert screen is not None
                await until(lambda: screen.run_list.loaded, 30)
                probe.watch_list(screen)
                assert screen.select_run(tailed.id)
                await pilot.press("enter")
                await until(lambda: isinstance(app.screen, RunDetailScreen), 10)
                detail = app.screen
                assert isinstance(detail, RunDetailScreen)
                view = detail.query_one("#log-view", LogView)
                probe.watch_log(view)
                await until(lambda: view.lines.view_count > 0, 30)
                await pilot.pause(1.0)  # settle: the back-fill of the first second is in
                probe.reset()
                rss_start, lines_start = rss_mb(), view.lines.view_count
                wall0, own0 = time.perf_counter(), time.process_time()
                backend0, runs0 = cpu_seconds(backend.pid), descendants_cpu(backend.pid)
                rss_peak_window = rss_start
                while time.perf_counter() - wall0 < seconds:
                    await asyncio.sleep(1.0)
                    rss_peak_window = max(rss_peak_window, rss_mb())
                wall = time.perf_counter() - wall0
                backend_cpu = cpu_seconds(backend.pid) - backend0
                runs_cpu = descendants_cpu(backend.pid) - runs0
                own_cpu = time.process_time() - own0
                view.flush()
                lines = view.lines.view_count - lines_start
                rss_end = rss_mb()
                event_lag, write_lag = probe.event_lag, probe.write_lag
                print_window(
                    Window(wall, lines, probe.refreshes, backend_cpu, runs_cpu, own_cpu),
                    event_lag,
                    write_lag,
                    (rss_start, rss_end, rss_peak_window),
                    figures,
                )
                # Back to the list while the run still streams, as a user would: it
                # wakes up and refreshes again; then quit.
                await pilot.press("escape")
                await until(lambda: isinstance(app.screen, RunsScreen), 10)
                listed = await watch_list_window(probe, list_seconds, interval)
                print_list_window(listed, figures)
        except Exception as error:  # the point is to notice any crash
            crashed = error
        await client.aclose()
        await asyncio.gather(*(direct.cancel_run(run.id) for run in runs))
        for _ in range(60):
            states = [await direct.get_run(run.id) for run in runs]
            if all(is_terminal(run.status) for run in states):
                break
            await asyncio.sleep(0.5)
        ended = Counter(str(run.status) for run in states)
    print(f"cleanup: {len(runs)} runs canceled ({dict(ended)}); backend stopped")
    if not figures.holds("the app kept running", crashed is None):
        print(f"THE APP CRASHED (going back to the list while the run streams): {crashed!r}")
    return figures.finish()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--quick", action="store_true", help="a 30 s window")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--rate", type=int, default=200, help="lines/s per run")
    args = parser.parse_args()
    seconds = 30.0 if args.quick else args.seconds
    figures = Figures.of(__file__)
    with (
        tempfile.TemporaryDirectory(prefix="crownest-load-") as state,
        start_local_backend(Path(state)) as backend,
    ):
        return asyncio.run(measure(backend, seconds, args.runs, args.rate, figures))


if __name__ == "__main__":
    sys.exit(main())
