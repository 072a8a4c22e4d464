"""From opening a failed 1M-line run to its first error line on screen, headless.

1. A real run on a local backend prints ``--lines`` lines (default 1,000,000) of a
   build, with a FAILED line every 1,000 lines in its last 5%, then a Python
   traceback on stderr, and exits 1. Once it has ended, its detail screen (120x40) is
   opened and timed: until the log is on screen, until every line is in (the replay),
   and until the first error line is shown (marked ``➤`` and in view). The error
   index fills as output arrives, so the jump needs no scan once the log is in (it
   happens as soon as the first error line arrives). Goal: the first error shown
   < 300 ms after the whole log is on screen.
2. ``e`` / ``E`` on the 1M-line log: key to the error line painted, p50/p99 (a binary
   search of the index, whatever the length, then a repaint), beside ``n`` / ``N``
   over a search for the same lines. Goal: e / E p50 at most 1.25 times n / N's.
3. The cost of finding error lines while ingesting: LogView.append with the matcher
   against without, on bench/tail.py's batches. Goal: at most 1.5 times.

Prints its figures, writes ``bench/out/first_error.json`` and exits 1 when a goal is
missed.  ``python bench/first_error.py [--lines N]``
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _support import Figures, percentiles, quantiles, start_script_run
from chaos import Host  # the detail screen over a client, alone
from tail import pool, replay
from textual.app import App, ComposeResult
from textual.events import Key
from textual.strip import Strip

from crownest_tui.api import CrowNestClient
from crownest_tui.core.error_lines import ErrorMatcher
from crownest_tui.local.process import start_local_backend
from crownest_tui.ui.log.render import ERROR_MARKS
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.widgets.log_view import LogView

SIZE = (120, 40)
GOAL_AFTER_LOG_MS = 300.0
GOAL_KEY_RATIO = 1.25
GOAL_INGEST_RATIO = 1.5
CURRENT = ERROR_MARKS[2]
SCRIPT = """
import sys
write = sys.stdout.write
first_error = {lines} * 95 // 100
for n in range({lines}):
    if n >= first_error and n % 1000 == 0:
        write(f"FAILED tests/test_{{n}}.py::test_build - AssertionError: unit {{n}}\\n")
    else:
        write(f"[{{n:07d}}] compiling src/module_{{n % 97:02d}}/unit_{{n % 13}}.c ... ok\\n")
sys.stdout.flush()
def load(path):
    raise FileNotFoundError(f"config not found: {{path}}")
load("settings.toml")
"""


class Paints:
    """When ``view``'s lines were last drawn, and last drew the current error line's
    ``➤`` (a render hook, so watching costs the app nothing)."""

    def __init__(self) -> None:
        self.shown_at: float | None = None
        self.painted = asyncio.Event()
        self.painted_at = 0.0

    def watch(self, view: LogView) -> None:
        lines = view.lines
        original = lines.render_line

        def render_line(y: int) -> Strip:
            strip = original(y)
            now = time.perf_counter()
            if lines.current_error is not None and CURRENT in strip.text[:3]:
                self.shown_at = now
            if y == lines.size.height - 1:  # the whole view is drawn
                self.painted_at = now
                self.painted.set()
            return strip

        lines.render_line = render_line  # type: ignore[method-assign]

    async def key_to_paint(self, app: App[None], key: str, changed: Callable[[], bool]) -> float:
        """Seconds from sending ``key`` to the first full paint after ``changed()``."""
        driver = app._driver
        assert driver is not None
        sent = time.perf_counter()
        self.painted.clear()
        driver.send_message(Key(key, key))  # as Pilot.press does, without its idle waits
        for _ in range(10_000):
            await asyncio.wait_for(self.painted.wait(), timeout=10)
            self.painted.clear()
            if changed():
                return self.painted_at - sent
        raise AssertionError(f"{key} changed nothing")


async def open_failed_run(
    client: CrowNestClient, run_id: str, total: int, figures: Figures
) -> None:
    app = Host(client, run_id)
    async with app.run_test(size=SIZE) as pilot:
        opened = time.perf_counter()
        paints = Paints()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunDetailScreen)
        view = screen.query_one("#log-view", LogView)
        paints.watch(view)
        on_screen = all_in = None
        while paints.shown_at is None or all_in is None:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            if on_screen is None and view.lines.view_count:
                on_screen = now
            run = screen.state.run
            ended = run is not None and run.is_terminal and screen.stream_status.is_over
            if all_in is None and ended and view.transcript.committed >= total:
                all_in = now
            if now - opened > 600:
                raise AssertionError("the run never got on screen")
        shown = paints.shown_at
        assert on_screen is not None
        index = view.error_lines
        assert index is not None and len(index) >= 2, "no error lines found"
        first = view.transcript.line(index.lines(1)[0]).raw
        # The traceback (stderr) may overtake the end of stdout: either comes first.
        assert first.startswith(("FAILED tests/", "Traceback")), first
        after_log = max(0.0, shown - all_in) * 1000
        print(f"opened a failed run of {view.transcript.committed:,} lines ({len(index)} errors):")
        print(f"  log on screen after {(on_screen - opened) * 1000:,.0f} ms")
        print(f"  every line in after {(all_in - opened) * 1000:,.0f} ms (the replay)")
        print(f"  first error shown after {(shown - opened) * 1000:,.0f} ms,")
        print(f"    {after_log:,.0f} ms after the whole log was on screen")
        figures.add("open to log on screen", (on_screen - opened) * 1000, "ms")
        figures.add("open to every line in (replay)", (all_in - opened) * 1000, "ms")
        figures.add("open to first error shown", (shown - opened) * 1000, "ms")
        figures.below(
            "first error shown after the log is on screen", after_log, GOAL_AFTER_LOG_MS, "ms"
        )
        await pilot.pause()
        await jump_keys(app, view, paints, len(index), figures)


async def jump_keys(
    app: App[None], view: LogView, paints: Paints, errors: int, figures: Figures
) -> None:
    """From the first error line, ``e`` to the last one and ``E`` back (no wrapping);
    then the walk over a search for the FAILED lines with ``n`` / ``N`` (the peer:
    jumps as long, through the search's index)."""
    walks: dict[str, list[float]] = {"e / E": [], "n / N": []}
    for key in ["e"] * (errors - 1) + ["E"] * (errors - 1):
        before = view.lines.current_error
        moved = lambda before=before: view.lines.current_error != before  # noqa: E731
        walks["e / E"].append(await paints.key_to_paint(app, key, moved))
    view.action_top()
    view.action_search()
    view.search_bar.input.value = "FAILED tests/"
    await view.search_bar.input.action_submit()  # goes to the first match
    for _ in range(6000):  # until the search has indexed the whole log
        matches = view.lines.matches
        if matches is not None and matches.scanned >= view.transcript.committed:
            break
        await asyncio.sleep(0.01)
    found = len(view.lines.matches.lines) if view.lines.matches is not None else 0
    await asyncio.sleep(0.2)
    for key in ["n"] * (found - 1) + ["N"] * (found - 1):
        before = view.lines.current_match
        moved = lambda before=before: view.lines.current_match != before  # noqa: E731
        walks["n / N"].append(await paints.key_to_paint(app, key, moved))
    for name, samples in walks.items():
        print(f"{name} on the whole log, key to the line shown: {percentiles(samples)}")
    errors_p50 = quantiles(walks["e / E"])["p50"]
    search_p50 = quantiles(walks["n / N"])["p50"]
    figures.add("e / E key to error shown, p99", quantiles(walks["e / E"])["p99"], "ms")
    figures.add("n / N key to match shown, p99", quantiles(walks["n / N"])["p99"], "ms")
    figures.at_most("e / E against n / N, p50", errors_p50 / search_p50, GOAL_KEY_RATIO, "x")


class Bare(App[None]):
    def __init__(self, matcher: ErrorMatcher | None) -> None:
        super().__init__()
        self.matcher = matcher

    def compose(self) -> ComposeResult:
        yield LogView(error_matcher=self.matcher)


async def ingest_cost(lines: int, figures: Figures, rounds: int = 3) -> None:
    """Best of ``rounds`` of each, alternating (the machine is shared)."""
    made = pool()
    best: dict[str, float] = {}
    for _ in range(rounds):
        for label, matcher in (("without", None), ("with", ErrorMatcher())):
            app = Bare(matcher)
            async with app.run_test(size=SIZE):
                view = app.query_one(LogView)
                spent = 0.0
                for batch, _count in replay(made, lines):
                    started = time.perf_counter()
                    view.append(batch)
                    spent += time.perf_counter() - started
            best[label] = min(spent, best.get(label, spent))
    ratio = best["with"] / best["without"]
    per_line = (best["with"] - best["without"]) / lines * 1e9
    print(
        f"LogView.append of {lines:,} lines (best of {rounds}): "
        f"{lines / best['without']:,.0f} lines/s without the error matcher, "
        f"{lines / best['with']:,.0f} with ({ratio:.2f}x, {per_line:,.0f} ns a line more)"
    )
    figures.add("append with the matcher", lines / best["with"], "lines/s")
    figures.at_most("append with / without the matcher", ratio, GOAL_INGEST_RATIO, "x")


async def main(lines: int) -> int:
    figures = Figures.of(__file__)
    with tempfile.TemporaryDirectory(prefix="crownest-bench-") as state:
        server = start_local_backend(Path(state), extra_args=["--no-sandbox"])
        with server:
            async with CrowNestClient(server.token, server.url) as client:
                run = await start_script_run(client, SCRIPT.format(lines=lines))
                started = time.perf_counter()
                for _ in range(3000):
                    ended = await client.get_run(run.id)
                    if ended.is_terminal:
                        break
                    await asyncio.sleep(0.2)
                print(
                    f"the run {ended.status} (exit {ended.exit_code}) after "
                    f"{time.perf_counter() - started:.1f} s"
                )
                assert ended.status == "failed", ended.status
                await open_failed_run(client, run.id, lines, figures)
    await ingest_cost(min(lines, 200_000), figures)
    return figures.finish()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.lines)))
