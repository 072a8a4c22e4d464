"""Throughput, memory and key latency of the log view (LogView), headless.

1. Ingest: realistic batches (256 chunks of 1-8 lines, lines split across chunks, 10%
   stderr, some ANSI) appended to a mounted LogView as fast as possible while the app
   repaints; prints lines/s (wall and per CPU second), the cost of append alone, and
   the CPU share.
2. Rendering: a full 120x40 screen of uncached lines, at random positions.
3. Peak RSS (VmHWM) after ``--lines`` lines (default 1,000,000; try 10,000,000).
4. Key latency: in a Pilot-run app, while a task appends 100k lines/s, ``t`` (toggle
   times, which re-renders every visible line) is pressed by sending key events through
   the app's driver as ``Pilot.press`` does, without its idle waits (they allocate a lot
   and would be counted as the view's latency); prints key-to-action and
   key-to-repaint p50/p99.

5. The same with CI sections on (:func:`section_line`: a Buildkite header every 5,000
   lines, a GitHub group every 500 with 400 lines in it, an ``::error::`` every 997):
   key latency while ingesting them, then ingest, sections found and peak RSS in a
   process of its own (so its memory is its own).
6. Ingest, rendering and peak RSS again for a colourful log (``--colour-lines``,
   default 1,000,000): colours that hold across lines (semicolon and colon forms),
   lines redrawn with ``\\r`` and erase-in-line, OSC 8 links; so the pen checkpoints
   of every spool block and terminal emulation are in the figures.
7. Scans (``--scan-lines``, default 10,000,000 lines spooled into a mounted view): a
   regex search, an include filter and an exclude filter, each over the whole spool
   while the app runs; prints the time to the first results (the slice done at once),
   the time to finish and key-to-action p99 of ``t`` pressed every 20 ms meanwhile;
   and the CPU seconds of the app's event loop thread and of the scan worker process
   meanwhile (the wall figures need a quiet machine; these do not).

Goals: ingest >= 200,000 lines/s (wall), peak RSS < 200 MB (also after 10M lines),
key-to-action p99 < 16 ms, with and without sections, each scan of 10M lines < 3 s
with keys responsive (p99 < 16 ms). Prints its figures, writes them to
``bench/out/tail.json`` and exits 1 when a goal is missed.
``python bench/tail.py [--lines N] [--keys K] [--no-sections] [--scan-lines N]
[--scans-only]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

from _support import Figure, Figures, quantiles  # bench/ is the script's directory
from textual.app import App, ComposeResult
from textual.events import Key
from textual.strip import Strip

from crownest_tui.core.memory import FrozenHeap
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


SECTIONS = False
"""Whether the lines carry CI section markers (set once, by ``--sections-only`` or for
the sections latency pass)."""


def section_line(n: int) -> str | None:
    """The marker line ``n`` is when sections are on (None: an ordinary line)."""
    if n % 5000 == 0:
        return f"--- :hammer: stage {n // 5000}"
    if n % 500 == 1:
        return f"::group::step {n // 500}"
    if n % 500 == 401:
        return "::endgroup::"
    if n % 997 == 0:
        return f"::error file=src/module_{n % 97:02d}/unit.c,line={n % 300}::failed {n}"
    return None


def plain_line(n: int) -> str:
    """Mostly plain lines; every 50th has a colour, reset on the same line (and the CI
    section markers among them when SECTIONS is on)."""
    if SECTIONS and (marker := section_line(n)) is not None:
        return marker + "\n"
    if n % 50 == 0:
        return f"\x1b[32m{n:09d}\x1b[0m compiling src/module_{n % 97:02d}/unit.c ok\n"
    return f"{n:09d} compiling src/module_{n % 97:02d}/unit.c ok\n"


def colour_line(n: int) -> str:
    """A colourful log: every 5th line sets a colour (colon and semicolon forms) that
    holds over the next lines until a reset every 17th; some lines redraw (\\r, EL)."""
    if n % 17 == 0:
        return f"\x1b[0m{n:09d} reset, then plain\n"
    if n % 5 == 0:
        colour = f"38:2::{n % 256}:{n // 256 % 8}:9" if n % 2 else f"1;38;5;{n % 256}"
        return f"\x1b[{colour}m{n:09d} compiling src/module_{n % 97:02d}/unit.c ok\n"
    if n % 23 == 0:
        return f"{n:09d} 10%\r\x1b[K{n:09d} 100% \x1b]8;;https://ci.example/{n}\x1b\\log\x1b]8;;\x1b\\\n"
    return f"{n:09d} compiling src/module_{n % 97:02d}/unit.c ok\n"


def batches(
    total: int, seed: int = 7, line: Callable[[int], str] = plain_line
) -> Iterator[tuple[list[OutputChunk], int]]:
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
            text = "".join(line(n) for n in range(start, start + count))
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


def pool(
    lines: int = 100_000, line: Callable[[int], str] = plain_line
) -> list[tuple[list[OutputChunk], int]]:
    """Batches made in advance, so the producer's cost is not measured as the view's."""
    return list(batches(lines, line=line))


def replay(
    made: list[tuple[list[OutputChunk], int]], total: int, line: Callable[[int], str] = plain_line
) -> Iterator[tuple[list[OutputChunk], int]]:
    """Cycle through ``made`` until ``total`` lines (the last batch may be cut short)."""
    sent = 0
    while sent < total:
        for batch, count in made:
            if sent + count > total:
                batch, count = next(batches(total - sent, seed=sent, line=line))
            yield batch, count
            sent += count
            if sent >= total:
                return


def peak_rss_mb() -> float:
    """This process's peak RSS: ``VmHWM`` (``ru_maxrss`` of a child carries its
    parent's peak over the fork), or ``ru_maxrss`` where there is no /proc."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else 0.0


async def ingest(total: int, figures: Figures, label: str = "", colour: bool = False) -> None:
    """``colour``: the colourful log (:func:`colour_line`), figures named so."""
    line = colour_line if colour else plain_line
    label += " (colourful log, colour state on)" if colour else ""
    app = BenchApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        append_seconds = 0.0
        index_seconds = [0.0]
        section_index = view.sections.index
        scan = section_index.scan

        def timed_scan(data: str, first: int, count: int) -> None:
            started = time.perf_counter()
            scan(data, first, count)
            index_seconds[0] += time.perf_counter() - started

        section_index.scan = timed_scan  # type: ignore[method-assign]
        fold_seconds: list[float] = []
        folds = view.sections.folds
        update = folds.update

        def timed_update() -> bool:
            started = time.thread_time()  # CPU time: the machine may be busy
            changed = update()
            fold_seconds.append(time.thread_time() - started)
            return changed

        folds.update = timed_update  # type: ignore[method-assign]
        wall, cpu = time.perf_counter(), time.process_time()
        made = pool(line=line)
        for batch, _count in replay(made, total, line):
            started = time.perf_counter()
            view.append(batch)
            append_seconds += time.perf_counter() - started
            await asyncio.sleep(0)  # let frames and keys in, as a network reader would
        view.flush()
        await pilot.pause()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        lines = view.lines
        assert view.transcript.committed == total, (view.transcript.committed, total)
        assert SECTIONS or lines.view_count == total, (lines.view_count, total)
        print(f"ingest: {total:,} lines in {wall:.2f} s wall, {cpu:.2f} s CPU")
        print(f"  into the view: {total / wall:,.0f} lines/s wall,")
        print(
            f"    {total / cpu:,.0f} lines per CPU second, CPU share {cpu / wall:.0%} of one core"
        )
        print(f"  LogView.append alone: {total / append_seconds:,.0f} lines/s")
        if not SECTIONS:
            print(f"    of which finding sections: {total / index_seconds[0]:,.0f} lines/s")
            figures.add("section index alone (no markers)", total / index_seconds[0], "lines/s")
        print(f"  spool on disk: {view.transcript.spool.byte_size / 1e6:,.1f} MB")
        rate = total / wall
        figures.at_least(f"ingest into the view (wall){label}", rate, GOAL_LINES_PER_S, "lines/s")
        figures.add(f"ingest, CPU share of one core{label}", cpu / wall * 100, "%")
        figures.add(f"LogView.append alone{label}", total / append_seconds, "lines/s")
        if SECTIONS:
            found = view.sections.index
            expected = len(range(0, total, 5000)) + len(range(1, total, 500))
            print(f"  sections found: {len(found.sections):,} (expected {expected:,}),")
            print(f"    annotations: {len(found.annotation_lines):,}")
            print(f"  finding them alone: {total / index_seconds[0]:,.0f} lines/s")
            figures.add("section index alone (sections)", total / index_seconds[0], "lines/s")
            fold_ms = quantiles(fold_seconds)
            print(
                f"  fold layer once a frame ({len(fold_seconds):,} frames), CPU: "
                f"p50 {fold_ms['p50']:.3f} ms, p99 {fold_ms['p99']:.3f} ms"
            )
            figures.add("fold layer per frame, CPU p99 (sections)", fold_ms["p99"], "ms")
            figures.holds("every section found", len(found.sections) == expected)
            figures.add("sections found", len(found.sections))
        render_screens(lines, total, figures, label)
        print(f"peak RSS after {total:,} lines: {peak_rss_mb():.1f} MB")
        figures.below(f"peak RSS after {total:,} lines{label}", peak_rss_mb(), GOAL_RSS_MB, "MB")


def render_screens(lines: LogLines, total: int, figures: Figures, label: str = "") -> None:
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
    median = statistics.median(samples) * 1000
    figures.add(f"render a full screen, uncached, median{label}", median, "ms")


class LatencyView(LogView):
    """Records when the toggle-times action runs and when lines repaint after it."""

    action_times: list[float] = []

    def action_toggle_times(self) -> None:
        self.action_times.append(time.perf_counter())
        super().action_toggle_times()


class LatencyApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LatencyView()


async def latency(keys: int, rate: int, figures: Figures, label: str = "") -> None:
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
            f"keys while ingesting {rate:,} lines/s{label} "
            f"(actual {ingested / (elapsed + 0.5):,.0f} lines/s, {keys} presses of 't'):"
        )
        for name, samples in (("key-to-action", to_action), ("key-to-repaint", to_repaint)):
            ms = quantiles(samples)
            print(
                f"  {name}: p50 {ms['p50']:.2f} ms, p99 {ms['p99']:.2f} ms, max {ms['max']:.2f} ms"
            )
        figures.below(
            f"key-to-action p99, while ingesting{label}",
            quantiles(to_action)["p99"],
            GOAL_KEY_P99_MS,
            "ms",
        )
        p99 = quantiles(to_repaint)["p99"]
        figures.add(f"key-to-repaint p99, while ingesting{label}", p99, "ms")


def ingest_with_sections(lines: int, figures: Figures) -> None:
    """Run the sections ingest in a child process (its peak RSS is its own)."""
    with tempfile.TemporaryDirectory(prefix="crownest-bench-") as folder:
        out = Path(folder) / "figures.json"
        command = [sys.executable, __file__, "--lines", str(lines), "--sections-only", str(out)]
        subprocess.run(command, check=False)
        if not out.exists():
            figures.holds("sections ingest finished", False)
            return
        for figure in json.loads(out.read_text()):
            if figure["goal"]:
                figures.figures.append(Figure(**figure))
            else:
                figures.add(figure["name"], figure["value"], figure["unit"])


def scan_starters(view: LogView) -> list[tuple[str, Callable[[], None], Callable[[], int]]]:
    """(name, start the scan, lines scanned so far) for the search and each filter."""
    narrow = view._narrow

    def scanned_by_filters() -> int:
        return narrow.index.scanned if narrow.index is not None else 0

    def search(text: str) -> None:
        view._search.set_query(text, False)  # typed,
        view._search.set_query(text, False)  # then enter

    def scanned_by_search() -> int:
        matches = view._search.matches
        return matches.scanned if matches is not None else 0

    def filtering(kind: FilterKind, text: str) -> Callable[[], None]:
        return lambda: narrow.set_filters(FilterSet((LineFilter(kind, parse_query(text)),)))

    return [
        (
            "search re:module_4[0-2]/",
            lambda: search("re:module_4[0-2]/"),
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
        # The dashboard collects and freezes its long-lived heap (Textual's own objects,
        # the widgets) after its first load (CrowNestApp.on_runs_seen): so does this app,
        # through the same policy, or full collections of that heap (55-97 ms each here)
        # would stall keys that the dashboard does not stall.
        FrozenHeap().after_load(["bench"])
        print(f"scans: {total:,} lines spooled in {time.perf_counter() - started:.1f} s")
        driver = app._driver
        assert driver is not None
        for name, start, scanned in scan_starters(view):
            view.action_times.clear()
            loop_cpu, worker_cpu = time.thread_time(), children_cpu()
            began = time.perf_counter()
            start()
            first = time.perf_counter() - began
            sent: list[float] = []
            while scanned() < total:
                sent.append(time.perf_counter())
                driver.send_message(Key("t", "t"))
                await asyncio.sleep(0.02)
            finished = time.perf_counter() - began
            loop_cpu = time.thread_time() - loop_cpu
            await pilot.pause(0.1)  # the worker exits and is reaped
            worker_cpu = children_cpu() - worker_cpu
            delays = [acted - key for key, acted in zip(sent, view.action_times, strict=False)]
            p99 = quantiles(delays)["p99"] if len(delays) > 1 else 0.0
            print(
                f"  {name}: first results after {first * 1000:.0f} ms, "
                f"whole spool in {finished:.2f} s, key-to-action p99 {p99:.1f} ms "
                f"({len(delays)} keys); CPU: event loop {loop_cpu:.2f} s, "
                f"worker {worker_cpu:.2f} s"
            )
            figures.add(f"event loop CPU during the scan: {name}", loop_cpu, "s")
            figures.add(f"worker CPU for the scan: {name}", worker_cpu, "s")
            figures.below(f"scan of {total:,} lines: {name}", finished, GOAL_SCAN_S, "s")
            figures.add(f"first results: {name}", first * 1000, "ms")
            figures.below(f"key-to-action p99 while scanning: {name}", p99, GOAL_KEY_P99_MS, "ms")
            view._search.set_query("", False)
            view._narrow.set_filters(FilterSet())
        print(f"peak RSS after the scans of {total:,} lines: {peak_rss_mb():.1f} MB")
        figures.below(f"peak RSS after scans of {total:,} lines", peak_rss_mb(), GOAL_RSS_MB, "MB")


def children_cpu() -> float:
    """CPU seconds of this process's ended (reaped) children: the scan workers."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    global SECTIONS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--rate", type=int, default=100_000)
    parser.add_argument("--no-sections", action="store_true", help="skip the sections passes")
    parser.add_argument("--sections-only", metavar="OUT", help=argparse.SUPPRESS)
    parser.add_argument("--colour-lines", type=int, default=1_000_000)
    parser.add_argument("--scan-lines", type=int, default=10_000_000)
    parser.add_argument("--scans-only", action="store_true", help="only the scans (7.)")
    args = parser.parse_args()
    figures = Figures.of(__file__)
    if args.scans_only:
        asyncio.run(scans(args.scan_lines, figures))
        return figures.finish()
    if args.sections_only:  # the child of ingest_with_sections
        SECTIONS = True
        asyncio.run(ingest(args.lines, figures, " (sections)"))
        Path(args.sections_only).write_text(json.dumps([asdict(f) for f in figures.figures]))
        return 0
    asyncio.run(latency(args.keys, args.rate, figures))
    if not args.no_sections:
        SECTIONS = True
        asyncio.run(latency(args.keys, args.rate, figures, " (sections)"))
        SECTIONS = False
    asyncio.run(ingest(args.lines, figures))
    if not args.no_sections:
        ingest_with_sections(args.lines, figures)
    asyncio.run(ingest(args.colour_lines, figures, colour=True))
    if args.scan_lines:
        asyncio.run(scans(args.scan_lines, figures))
    return figures.finish()


if __name__ == "__main__":
    raise SystemExit(main())
