"""Throughput, memory and key latency of the log view (LogView), headless.

1. Ingest: realistic batches (256 chunks of 1-8 lines, lines split across chunks, 10%
   stderr, some ANSI) appended to a mounted LogView as fast as possible while the app
   repaints; prints lines/s (wall and per CPU second), the cost of append alone, and
   the CPU share.
2. Rendering: a full 120x40 screen of uncached lines, at random positions.
3. Peak RSS (ru_maxrss) after ``--lines`` lines (default 1,000,000; try 10,000,000).
4. Key latency: in a Pilot-run app, while a task appends 100k lines/s, ``t`` (toggle
   times, which re-renders every visible line) is pressed by sending key events through
   the app's driver as ``Pilot.press`` does, without its idle waits (they allocate a lot
   and would be counted as the view's latency); prints key-to-action and
   key-to-repaint p50/p99.

5. Scans (``--scan-lines``, default 10,000,000 lines spooled into a mounted view): a
   regex search, an include filter and an exclude filter, each over the whole spool
   while the app runs; prints the time to the first results (the slice done at once),
   the time to finish and key-to-action p99 of ``t`` pressed every 20 ms meanwhile.

Goals: ingest >= 200,000 lines/s (wall), peak RSS < 200 MB (also after 10M lines),
key-to-action p99 < 16 ms, each scan of 10M lines < 3 s with keys responsive (p99 <
16 ms). Prints its figures, writes them to ``bench/out/tail.json`` and exits 1 when a
goal is missed.  ``python bench/tail.py [--lines N] [--keys K] [--scan-lines N]``
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import time
from collections.abc import Callable, Iterator

from _support import Figures, quantiles  # bench/ is the script's directory
from textual.app import App, ComposeResult
from textual.events import Key
from textual.strip import Strip

from crownest_tui.ui.log import OutputChunk, Stream
from crownest_tui.ui.log.filters import FilterKind, FilterSet, LineFilter
from crownest_tui.ui.log.lines import LogLines
from crownest_tui.ui.log.search import parse_query
from crownest_tui.ui.widgets.log_view import LogView

SIZE = (120, 40)
CHUNKS_PER_BATCH = 256
GOAL_LINES_PER_S = 200_000
GOAL_RSS_MB = 200.0
GOAL_KEY_P99_MS = 16.0
GOAL_SCAN_S = 3.0


def batches(total: int, seed: int = 7) -> Iterator[tuple[list[OutputChunk], int]]:
    """Batches of chunks and the number of newlines in each, until ``total`` lines."""
    rng = random.Random(seed)
    made = seq = 0
    while made < total:
        batch: list[OutputChunk] = []
        lines_in_batch = 0
        for _ in range(CHUNKS_PER_BATCH):
            count = min(rng.randint(1, 8), total - made - lines_in_batch)
            if count <= 0:
                break
            start = made + lines_in_batch
            text = "".join(
                f"\x1b[32m{n:09d}\x1b[0m compiling src/module_{n % 97:02d}/unit.c ok\n"
                if n % 50 == 0
                else f"{n:09d} compiling src/module_{n % 97:02d}/unit.c ok\n"
                for n in range(start, start + count)
            )
            cut = rng.randint(0, 20)
            if cut:  # split the last line across two chunks
                text, tail = text[:-cut], text[-cut:]
                stream: Stream = "stderr" if rng.random() < 0.1 else "stdout"
                batch.append(OutputChunk(stream, text, seq))
                batch.append(OutputChunk(stream, tail, seq + 1))
                seq += 2
            else:
                batch.append(OutputChunk("stderr" if rng.random() < 0.1 else "stdout", text, seq))
                seq += 1
            lines_in_batch += count
        made += lines_in_batch
        yield batch, lines_in_batch


class BenchApp(App[None]):
    """A LogView filling a 120x40 screen."""

    def compose(self) -> ComposeResult:
        yield LogView()


def pool(lines: int = 100_000) -> list[tuple[list[OutputChunk], int]]:
    """Batches made in advance, so the producer's cost is not measured as the view's."""
    return list(batches(lines))


def replay(
    made: list[tuple[list[OutputChunk], int]], total: int
) -> Iterator[tuple[list[OutputChunk], int]]:
    """Cycle through ``made`` until ``total`` lines (the last batch may be cut short)."""
    sent = 0
    while sent < total:
        for batch, count in made:
            if sent + count > total:
                batch, count = next(batches(total - sent, seed=sent))
            yield batch, count
            sent += count
            if sent >= total:
                return


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def ingest(total: int, figures: Figures) -> None:
    app = BenchApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        append_seconds = 0.0
        wall, cpu = time.perf_counter(), time.process_time()
        made = pool()
        for batch, _count in replay(made, total):
            started = time.perf_counter()
            view.append(batch)
            append_seconds += time.perf_counter() - started
            await asyncio.sleep(0)  # let frames and keys in, as a network reader would
        view.flush()
        await pilot.pause()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        lines = view.lines
        assert lines.view_count == total, (lines.view_count, total)
        print(f"ingest: {total:,} lines in {wall:.2f} s wall, {cpu:.2f} s CPU")
        print(f"  into the view: {total / wall:,.0f} lines/s wall,")
        print(
            f"    {total / cpu:,.0f} lines per CPU second, CPU share {cpu / wall:.0%} of one core"
        )
        print(f"  LogView.append alone: {total / append_seconds:,.0f} lines/s")
        print(f"  spool on disk: {view.transcript.spool.byte_size / 1e6:,.1f} MB")
        figures.at_least("ingest into the view (wall)", total / wall, GOAL_LINES_PER_S, "lines/s")
        figures.add("ingest, CPU share of one core", cpu / wall * 100, "%")
        figures.add("LogView.append alone", total / append_seconds, "lines/s")
        render_screens(lines, total, figures)
        print(f"peak RSS after {total:,} lines: {peak_rss_mb():.1f} MB")
        figures.below(f"peak RSS after {total:,} lines", peak_rss_mb(), GOAL_RSS_MB, "MB")


def render_screens(lines: LogLines, total: int, figures: Figures) -> None:
    rng = random.Random(3)
    samples: list[float] = []
    for _ in range(20):
        lines.following = False
        lines.scroll_programmatically(rng.randrange(max(1, total - SIZE[1])))
        lines.renderer.clear()
        started = time.perf_counter()
        strips: list[Strip] = [lines.render_line(y) for y in range(lines.size.height)]
        samples.append(time.perf_counter() - started)
        assert len(strips) == lines.size.height
    print(
        f"render a full {SIZE[0]}x{lines.size.height} screen, uncached, random place: "
        f"median {statistics.median(samples) * 1000:.2f} ms, max {max(samples) * 1000:.2f} ms"
    )
    figures.add("render a full screen, uncached, median", statistics.median(samples) * 1000, "ms")


class LatencyView(LogView):
    """Records when the toggle-times action runs and when lines repaint after it."""

    action_times: list[float] = []

    def action_toggle_times(self) -> None:
        self.action_times.append(time.perf_counter())
        super().action_toggle_times()


class LatencyApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LatencyView()


async def latency(keys: int, rate: int, figures: Figures) -> None:
    app = LatencyApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LatencyView)
        repaints: list[float] = []
        original = view.lines.render_line

        painted_after_action = asyncio.Event()

        def render_line(y: int) -> Strip:
            if y == 0:
                now = time.perf_counter()
                repaints.append(now)
                if view.action_times and now >= view.action_times[0]:
                    painted_after_action.set()
            return original(y)

        view.lines.render_line = render_line  # type: ignore[method-assign]
        repaints.append(0.0)
        running = True
        ingested = 0

        async def feed() -> None:
            nonlocal ingested
            source = replay(pool(), 10**12)
            start = time.perf_counter()
            pending: list[OutputChunk] = []
            while running:
                due = int((time.perf_counter() - start) * rate)
                while ingested < due:
                    batch, count = next(source)
                    pending += batch
                    ingested += count
                view.append(pending)
                pending = []
                await asyncio.sleep(0.01)

        driver = app._driver
        assert driver is not None
        send = driver.send_message  # what Pilot.press does, without its idle waits
        feeder = asyncio.create_task(feed())
        await pilot.pause(0.5)
        to_action: list[float] = []
        to_repaint: list[float] = []
        started_at = time.perf_counter()
        for _ in range(keys):
            view.action_times.clear()
            sent = time.perf_counter()
            repaint_mark = len(repaints)
            painted_after_action.clear()
            send(Key("t", "t"))
            await painted_after_action.wait()
            acted = view.action_times[0]
            painted = next(t for t in repaints[repaint_mark:] if t >= acted)
            to_action.append(acted - sent)
            to_repaint.append(painted - sent)
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started_at
        running = False
        await feeder
        print(
            f"keys while ingesting {rate:,} lines/s "
            f"(actual {ingested / (elapsed + 0.5):,.0f} lines/s, {keys} presses of 't'):"
        )
        for name, samples in (("key-to-action", to_action), ("key-to-repaint", to_repaint)):
            ms = quantiles(samples)
            print(
                f"  {name}: p50 {ms['p50']:.2f} ms, p99 {ms['p99']:.2f} ms, max {ms['max']:.2f} ms"
            )
        figures.below(
            "key-to-action p99, while ingesting", quantiles(to_action)["p99"], GOAL_KEY_P99_MS, "ms"
        )
        figures.add("key-to-repaint p99, while ingesting", quantiles(to_repaint)["p99"], "ms")


def scan_starters(view: LogView) -> list[tuple[str, Callable[[], None], Callable[[], int]]]:
    """(name, start the scan, lines scanned so far) for the search and each filter."""
    narrow = view._narrow

    def scanned_by_filters() -> int:
        return narrow.index.scanned if narrow.index is not None else 0

    def scanned_by_search() -> int:
        matches = view._search.matches
        return matches.scanned if matches is not None else 0

    def filtering(kind: FilterKind, text: str) -> Callable[[], None]:
        return lambda: narrow.set_filters(FilterSet((LineFilter(kind, parse_query(text)),)))

    return [
        (
            "search re:module_4[0-2]/",
            lambda: view._search.set_query("re:module_4[0-2]/", False),
            scanned_by_search,
        ),
        ("include filter & module_42/", filtering("include", "module_42/"), scanned_by_filters),
        ("exclude filter - module_1", filtering("exclude", "module_1"), scanned_by_filters),
    ]


async def scans(total: int, figures: Figures) -> None:
    app = LatencyApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LatencyView)
        started = time.perf_counter()
        for batch, _count in replay(pool(), total):
            view.transcript.append(batch)
        view.flush()
        await pilot.pause()
        print(f"scans: {total:,} lines spooled in {time.perf_counter() - started:.1f} s")
        driver = app._driver
        assert driver is not None
        for name, start, scanned in scan_starters(view):
            view.action_times.clear()
            began = time.perf_counter()
            start()
            first = time.perf_counter() - began
            sent: list[float] = []
            while scanned() < total:
                sent.append(time.perf_counter())
                driver.send_message(Key("t", "t"))
                await asyncio.sleep(0.02)
            finished = time.perf_counter() - began
            await pilot.pause(0.05)
            delays = [acted - key for key, acted in zip(sent, view.action_times, strict=False)]
            p99 = quantiles(delays)["p99"] if len(delays) > 1 else 0.0
            print(
                f"  {name}: first results after {first * 1000:.0f} ms, "
                f"whole spool in {finished:.2f} s, key-to-action p99 {p99:.1f} ms "
                f"({len(delays)} keys)"
            )
            figures.below(f"scan of {total:,} lines: {name}", finished, GOAL_SCAN_S, "s")
            figures.add(f"first results: {name}", first * 1000, "ms")
            figures.below(f"key-to-action p99 while scanning: {name}", p99, GOAL_KEY_P99_MS, "ms")
            view._search.set_query("", False)
            view._narrow.set_filters(FilterSet())
        print(f"peak RSS after the scans of {total:,} lines: {peak_rss_mb():.1f} MB")
        figures.below(f"peak RSS after scans of {total:,} lines", peak_rss_mb(), GOAL_RSS_MB, "MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--rate", type=int, default=100_000)
    parser.add_argument("--scan-lines", type=int, default=10_000_000)
    args = parser.parse_args()
    figures = Figures.of(__file__)
    asyncio.run(latency(args.keys, args.rate, figures))
    asyncio.run(ingest(args.lines, figures))
    if args.scan_lines:
        asyncio.run(scans(args.scan_lines, figures))
    return figures.finish()


if __name__ == "__main__":
    raise SystemExit(main())
