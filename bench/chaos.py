"""Chaos: tail a live noisy run in the real detail screen through a stormy network.

A fault proxy between the dashboard and the local backend cuts connections
mid-event, stalls them, answers 429 (Retry-After), 503, HTML 502 pages, truncated
JSON and garbage. The screen runs headless (Textual's test driver) until the run
ends; then its log is compared with what the backend stored, line by line.

Prints: faults injected by kind, reconnects, duplicates dropped, events
back-filled, events lost, lines lost or doubled (all must be 0), and whether the app
kept running. ``--seconds`` sets how long the run writes (default 20); ``--soak
SECONDS`` is the same, for long runs (a 5-minute soak: ``--soak 300``). Writes its
figures to ``bench/out/chaos.json`` and exits 1 when a line was lost or doubled or the
app crashed.

    .venv/bin/python bench/chaos.py [--seconds 20 | --soak 300] [--seed N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

from _support import (  # bench/ is the script's directory
    Figures,
    fault_line,
    rss_mb,
    start_script_run,
)
from textual.app import App

from crownest_tui.api import Backoff, CrowNestClient, StreamOptions, StreamState
from crownest_tui.local.process import start_local_backend
from crownest_tui.text.sanitize import plain_text
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.widgets.log_view import LogView
from tests.faultproxy import FaultPlan, FaultProxy

NOISY = """
import sys, time
end = time.time() + {seconds}
i = 0
while time.time() < end:
    out = sys.stderr if i % 9 == 0 else sys.stdout
    out.write(f"{{i}} \\x1b[3{{i % 7}}mcolour\\x1b[0m ünï ✓ " + "x" * (i % 120) + "\\n")
    if i % 50 == 0:
        out.flush()
        time.sleep(0.01)
    i += 1
"""


class Host(App[None]):
    def __init__(self, client: CrowNestClient, run_id: str) -> None:
        super().__init__()
        self.client, self.run_id = client, run_id

    def on_mount(self) -> None:
        self.push_screen(RunDetailScreen(self.client, self.run_id))


def transcript(view: LogView, stream: str) -> list[str]:
    t = view.transcript
    lines = [t.line(i) for i in range(t.committed)] + t.partials()
    return [plain_text(line.raw) for line in lines if line.stream == stream]


async def truth_of(client: CrowNestClient, run_id: str) -> dict[str, list[str]]:
    parts: dict[str, list[str]] = {"stdout": [], "stderr": []}
    async for event in client.stream_events(run_id):
        if event.type in parts:
            parts[event.type].append(event.data)  # type: ignore[union-attr]
    result = {}
    for stream, pieces in parts.items():  # joined once: += would be quadratic on a soak
        lines = [plain_text(line) for line in "".join(pieces).split("\n")]
        result[stream] = lines[:-1] if lines and lines[-1] == "" else lines
    return result


def lost_and_doubled(want: list[str], got: list[str]) -> tuple[int, int]:
    missing = Counter(want) - Counter(got)
    extra = Counter(got) - Counter(want)
    return sum(missing.values()), sum(extra.values())


async def main(seconds: float, seed: int) -> int:
    options = StreamOptions(stall_timeout=1.0, backoff=Backoff(base=0.05, cap=0.5, first=0.0))
    with tempfile.TemporaryDirectory() as state, start_local_backend(Path(state)) as backend:
        port = int(backend.url.rsplit(":", 1)[1])
        async with CrowNestClient(backend.token, backend.url) as direct:
            run = await start_script_run(direct, NOISY.format(seconds=seconds), name="noisy.py")
            plan = FaultPlan.stormy()
            async with (
                FaultProxy(port, plan, seed=seed) as proxy,
                CrowNestClient(
                    backend.token, proxy.url, stream_options=options, max_attempts=20
                ) as client,
            ):
                app = Host(client, run.id)
                started = time.monotonic()
                storm = asyncio.create_task(proxy.drop_now_and_then(random.Random(seed)))
                crashed = None
                try:
                    async with app.run_test(size=(120, 40)) as pilot:
                        screen = app.screen
                        while time.monotonic() - started < seconds + 120:
                            await pilot.pause(0.1)
                            screen = app.screen
                            if not isinstance(screen, RunDetailScreen):
                                continue
                            if screen.stream_status.state is StreamState.ENDED:
                                break  # shown, so the log holds every batch
                        assert isinstance(screen, RunDetailScreen) and screen.stream is not None
                        status = screen.stream.status
                        log = screen.query_one("#log-view", LogView)
                        log.flush()
                        rss = rss_mb()  # before the check's own copies of the lines
                        got = {s: transcript(log, s) for s in ("stdout", "stderr")}
                except Exception as error:  # the point is to notice any crash
                    crashed = error
                storm.cancel()
                faults, fault_count = fault_line(proxy), sum(proxy.fault_counts().values())
            truth = await truth_of(direct, run.id)
    figures = Figures.of(__file__)
    figures.add("faults injected", fault_count)
    if not figures.holds("the app kept running", crashed is None):
        print(f"THE APP CRASHED: {crashed!r}")
        return figures.finish()
    lines = sum(len(v) for v in truth.values())
    lost = doubled = 0
    for name in truth:
        missing, extra = lost_and_doubled(truth[name], got[name])
        lost, doubled = lost + missing, doubled + extra
    exact = all(truth[s] == got[s] for s in truth)
    print(f"run wrote {lines:,} lines in {seconds:g}s; stream ended: {status.state.value}")
    print(f"faults injected:      {faults}")
    print(f"reconnects:           {status.reconnects} (stalls detected {status.stalls})")
    print(f"duplicates dropped:   {status.duplicates_dropped:,}")
    print(f"events back-filled:   {status.gaps_filled:,}")
    print(f"events lost:          {status.events_lost}")
    print(f"lines lost / doubled: {lost} / {doubled}; transcript exact: {exact}")
    print(f"dashboard RSS at the end: {rss:.0f} MB")
    figures.add("lines the run wrote", lines)
    figures.add("reconnects", status.reconnects)
    figures.add("duplicates dropped", status.duplicates_dropped)
    figures.add("events back-filled", status.gaps_filled)
    figures.add("events lost (stream status)", status.events_lost)
    figures.at_most("lines lost", lost, 0)
    figures.at_most("lines doubled", doubled, 0)
    figures.holds("transcript exact", exact)
    figures.add("dashboard RSS at the end", rss, "MB")
    return figures.finish()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--soak", type=float, metavar="SECONDS", help="same as --seconds")
    parser.add_argument("--seed", type=int, default=random.randrange(10_000))
    args = parser.parse_args()
    print(f"seed {args.seed}")
    raise SystemExit(asyncio.run(main(args.soak or args.seconds, args.seed)))
