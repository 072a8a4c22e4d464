"""Order of a run's output: do stdout and stderr lines arrive in the order they were written?

Real runs of the local backend (a child process), read back through the event stream.
Every line a writer prints carries its global write index ``k``; a line that arrives at
position ``p`` of the merged stdout+stderr sequence is displaced by ``|p - k|`` lines.

1. ``alternating``: lines alternate stdout/stderr, each flushed at once, at full speed
   and paced at 1,000 lines/s (goals, pipes: p99 <= 1 line at full speed, max 0 at
   1,000 lines/s).
2. ``big line``: a 1 MB stdout line, then 2,000 stderr lines (goal: none of them
   overtakes it).
3. ``python, no flush``: 6,000 ``print`` lines, every 10th to stderr, the way most
   scripts write, with and without ``PYTHONUNBUFFERED=1`` (figures only: without it the
   run's own stdout buffer reorders them before we ever see a byte).

Each case runs with pipes (the default) and in terminal mode (``crownest.tty=1``: each
stream its own pseudo-terminal). Prints its figures, writes them to
``bench/out/output_order.json`` and exits 1 when a goal is missed.

    .venv/bin/python bench/output_order.py [--lines N] [--rate LINES_PER_S]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from _support import Figures, start_script_run  # bench/ is the script's directory

from crownest_tui.api import CrowNestClient
from crownest_tui.api.events import StderrEvent, StdoutEvent, TerminalEvent
from crownest_tui.local.process import start_local_backend
from tests.local.support import arrival_order

#: Writes line ``k`` to stderr when ``k % every == every - 1`` (``every`` = 2:
#: alternating), flushed after each line when ``flush`` is 1, paced at ``rate``
#: lines/s (0: as fast as it can); ``big`` > 0 makes line 0 that many bytes long and
#: the only one on stdout.
WRITER = """
import sys, time
n, every, rate, flush, big = (int(a) for a in sys.argv[1:6])
start = time.perf_counter()
for k in range(n):
    if rate:
        delay = start + k / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    to_err = k > 0 if big else k % every == every - 1
    stream = sys.stderr if to_err else sys.stdout
    name = "err" if stream is sys.stderr else "out"
    pad = "x" * big if k == 0 and big else ""
    print(f"{name} {k} {pad}", file=stream, flush=bool(flush))
"""

TTY = {"crownest.tty": "1"}


@dataclass(frozen=True)
class Case:
    label: str
    lines: int
    every: int = 2
    rate: int = 0
    flush: bool = True
    big: int = 0
    unbuffered: bool = False

    def command(self) -> str:
        env = "PYTHONUNBUFFERED=1 " if self.unbuffered else ""
        args = f"{self.lines} {self.every} {self.rate} {int(self.flush)} {self.big}"
        return f"{env}python3 writer.py {args}"


@dataclass(frozen=True)
class Displacement:
    p99: int
    max: int
    lines: int  # how many write indexes arrived (each exactly once when complete)
    worst_line: int  # the write index of the most displaced line


def displacement(received: Sequence[int]) -> Displacement:
    """How far each write index ``k`` landed from position ``k``."""
    moved = sorted(abs(position - k) for position, k in enumerate(received))
    worst = max(range(len(received)), key=lambda p: abs(p - received[p]), default=0)
    if not moved:
        return Displacement(0, 0, 0, 0)
    p99 = moved[min(len(moved) - 1, int(len(moved) * 0.99))]
    return Displacement(p99, moved[-1], len(set(received)), received[worst] if received else 0)


async def run_case(client: CrowNestClient, case: Case, tty: bool) -> tuple[Displacement, str]:
    run = await start_script_run(
        client, WRITER, name="writer.py", command=case.command(), metadata=TTY if tty else None
    )
    chunks: list[tuple[str, str]] = []
    status = "?"
    async for batch in client.stream_events(run.id, after_seq=0).batches():
        for event in batch:
            if isinstance(event, StdoutEvent | StderrEvent):
                chunks.append((event.type, event.data))
            elif isinstance(event, TerminalEvent):
                status = str(event.workspace_run.status)
    return displacement(arrival_order(chunks)), status


async def measure(url: str, token: str, lines: int, rate: int, figures: Figures) -> None:
    cases = [
        Case("alternating, full speed", lines),
        Case(f"alternating, {rate:,} lines/s", min(lines, 2 * rate), rate=rate),
        Case("1 MB stdout line, then 2,000 stderr lines", 2001, big=1 << 20),
        Case("python print, every 10th to stderr", 6000, every=10, flush=False),
        Case("python print + PYTHONUNBUFFERED=1", 6000, every=10, flush=False, unbuffered=True),
    ]
    async with CrowNestClient(token, url) as client:
        for tty in (False, True):
            mode = "tty" if tty else "pipes"
            for case in cases:
                moved, status = await run_case(client, case, tty)
                name = f"{mode}: {case.label}"
                complete = moved.lines == case.lines and status == "succeeded"
                print(
                    f"{name + ':':<58} p99 {moved.p99:>4}, max {moved.max:>5} lines "
                    f"(worst: line {moved.worst_line}; {moved.lines:,}/{case.lines:,} lines, "
                    f"{status})",
                    flush=True,
                )
                figures.holds(f"{name}: every line arrived, run succeeded", complete)
                judge(figures, name, moved, case, tty)


def judge(figures: Figures, name: str, moved: Displacement, case: Case, tty: bool) -> None:
    """The goals (pipes, flushed writes); everything else is a figure."""
    p99, worst = f"{name}: displacement p99", f"{name}: displacement max"
    if tty or not case.flush:
        figures.add(p99, moved.p99, "lines")
        figures.add(worst, moved.max, "lines")
    elif case.rate or case.big:
        figures.add(p99, moved.p99, "lines")
        figures.at_most(worst, moved.max, 0, "lines")
    else:
        figures.at_most(p99, moved.p99, 1, "lines")
        figures.add(worst, moved.max, "lines")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=3000, help="alternating lines per case")
    parser.add_argument("--rate", type=int, default=1000, help="paced case, lines/s")
    args = parser.parse_args()
    figures = Figures.of(__file__)
    with (
        tempfile.TemporaryDirectory(prefix="crownest-bench-") as state,
        start_local_backend(Path(state)) as server,
    ):
        asyncio.run(measure(server.url, server.token, args.lines, args.rate, figures))
    return figures.finish()


if __name__ == "__main__":
    raise SystemExit(main())
