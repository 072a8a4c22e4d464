"""10,000 runs in the local backend: time to load them all in the runs list, and the
quick filter's latency per keystroke over them (goal: each repaint under 50 ms).

Prints its figures, writes them to ``bench/out/list_scale.json`` and exits 1 when the
goal is missed. Run with ``python bench/list_scale.py`` (``make bench`` runs every
script here).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _support import Figures  # bench/ is the script's directory
from textual.widgets import Input

from crownest_tui.api import CrowNestClient
from crownest_tui.local.process import LocalBackendProcess, start_local_backend
from crownest_tui.ui.app import CrowNestApp
from crownest_tui.ui.screens.runs import RunsScreen

RUNS = 10_000
QUERY = "bulk 99"
GOAL_MS = 50.0


def fill(backend: LocalBackendProcess) -> float:
    started = time.perf_counter()
    response = httpx.post(
        f"{backend.url}/v1/_test/bulk-runs",
        json={"count": RUNS, "metadata": {"team": "bench"}},
        headers={"Authorization": f"Bearer {backend.token}"},
        timeout=300,
    )
    response.raise_for_status()
    return time.perf_counter() - started


async def idle(app: CrowNestApp) -> None:
    """Until no worker is pending or running."""
    for _ in range(60_000):
        if all(worker.is_finished for worker in app.workers):
            return
        await asyncio.sleep(0.005)


async def keystroke(screen: RunsScreen, quick: Input, text: str) -> float:
    """Milliseconds from the input changing to the repainted frame.

    The value is set as a keypress would set it; the app handles the change, then
    the screen paints the frame it would paint on its next refresh tick (headless,
    so the cost of writing to a real terminal is not included).
    """
    begin = time.perf_counter()
    quick.value = text
    for _ in range(100_000):
        if screen.quick == text:
            break
        await asyncio.sleep(0)
    screen._on_timer_update()  # the frame a refresh tick would paint
    return (time.perf_counter() - begin) * 1000


async def measure(backend: LocalBackendProcess, figures: Figures) -> None:
    worst = 0.0
    client = CrowNestClient(api_key=backend.token, base_url=backend.url)
    app = CrowNestApp(client, refresh_interval=0, page_size=500)
    async with app.run_test(size=(160, 45)) as pilot:
        started = time.perf_counter()
        await idle(app)
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        first = time.perf_counter() - started
        while screen.run_list.has_more:
            await pilot.press("end")
            await idle(app)
        await pilot.pause()
        total = time.perf_counter() - started
        loaded = len(screen.run_list.runs)
        print(f"first page (500) on screen: {first * 1000:8.1f} ms")
        print(f"all {loaded} runs loaded:      {total * 1000:8.1f} ms (pages of 500)")
        figures.add("first page (500) on screen", first * 1000, "ms")
        figures.add(f"all {loaded:,} runs loaded", total * 1000, "ms")

        await pilot.press("slash")
        quick = screen.query_one("#quick", Input)
        typing = [QUERY[: i + 1] for i in range(len(QUERY))]
        erasing = [QUERY[:i] for i in reversed(range(len(QUERY)))]
        for label, texts in (("typing", typing), ("erasing", erasing)):
            latencies = []
            for text in texts:
                latencies.append(await keystroke(screen, quick, text))
                print(f"  {text!r:12} {latencies[-1]:6.1f} ms, {screen.table.row_count:5d} rows")
            print(
                f"quick filter {label}: median {statistics.median(latencies):.1f} ms, "
                f"worst {max(latencies):.1f} ms per keystroke (input to painted frame)"
            )
            figures.add(f"quick filter {label}, median", statistics.median(latencies), "ms")
            worst = max(worst, max(latencies))
        met = figures.below("quick filter, worst keystroke", worst, GOAL_MS, "ms")
        print(f"goal < {GOAL_MS:.0f} ms per keystroke: {'met' if met else 'NOT met'}")
    await client.aclose()


def main() -> int:
    figures = Figures.of(__file__)
    with (
        tempfile.TemporaryDirectory(prefix="crownest-bench-") as state,
        start_local_backend(Path(state), extra_args=["--test-hooks"]) as backend,
    ):
        filled = fill(backend)
        print(f"inserted {RUNS} runs in {filled:.2f} s")
        figures.add(f"{RUNS:,} runs inserted (test hook)", filled, "s")
        asyncio.run(measure(backend, figures))
    return figures.finish()


if __name__ == "__main__":
    sys.exit(main())
