"""Order of a run's output: do stdout and stderr lines arrive in the order they were written?

Real runs of the local backend (a child process), read back through the event stream.
Every line a writer prints carries its global write index ``k``; a line that arrives at
position ``p`` of the merged stdout+stderr sequence is displaced by ``|p - k|`` lines.

1. ``alternating``: lines alternate stdout/stderr, each flushed at once, at full speed
   (3,000 lines) and paced at 1,000 lines/s (goals, pipes: p99 <= 1 line at full
   speed, max 0 at 1,000 lines/s).
2. ``1 MB line``: a 1 MB stdout line, then 2,000 stderr lines (goal: none of them
   overtakes it).
3. ``python print``: 6,000 ``print`` lines, every 10th to stderr, the way most scripts
   write, with and without ``PYTHONUNBUFFERED=1`` (figures: without it the run's own
   stdout buffer reorders them before we see a byte). Every case says which it is
   (the python templates set it).
4. ``sustained``: 100,000 alternating flushed lines at full speed, and 200,000 lines
   with every 1,000th on stderr: the floods the relay reads in bulk (figures: their
   displacement, and the writer's own time against the same writer with its output to
   /dev/null).

Each case runs with pipes (the default) and in terminal mode (``crownest.tty=1``: each
stream its own pseudo-terminal). The machine is shared: read the times as such. Prints
its figures, writes them to ``bench/out/output_order.json`` and exits 1 when a goal is
missed.

    .venv/bin/python bench/output_order.py [--lines N] [--rate LINES_PER_S]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from _support import Figures, start_script_run  # bench/ is the script's directory

from crownest_tui.api import CrowNestClient
from crownest_tui.api.events import StderrEvent, StdoutEvent, TerminalEvent
from crownest_tui.local.process import start_local_backend
from crownest_tui.local.runtime import Runtime
from crownest_tui.local.sandbox import RunDirs
from tests.local.support import arrival_order

#: Writes line ``k`` to stderr when ``k % every == every - 1`` (``every`` = 2:
#: alternating), flushed after each line when ``flush`` is 1, paced at ``rate``
#: lines/s (0: as fast as it can); ``big`` > 0 makes line 0 that many bytes long and
#: the only one on stdout. Its own time goes to the file $TIMING, else it is the last
#: line (``end N SECONDS``, index N) on stdout.
WRITER = """
import os, sys, time
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
sys.stdout.flush()
elapsed = time.perf_counter() - start
if "TIMING" in os.environ:
    with open(os.environ["TIMING"], "w") as timing:
        timing.write(str(elapsed))
else:
    print(f"end {n} {elapsed:.6f}", flush=True)
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
    costed: bool = False  # also timed against the writer alone, to /dev/null

    def args(self) -> list[str]:
        return [str(n) for n in (self.lines, self.every, self.rate, int(self.flush), self.big)]

    def command(self) -> str:
        # The python templates set PYTHONUNBUFFERED=1: say each time whether it is.
        env = "PYTHONUNBUFFERED=1" if self.unbuffered else "-u PYTHONUNBUFFERED"
        return f"env {env} python3 writer.py {' '.join(self.args())}"


@dataclass(frozen=True)
class Outcome:
    p99: int
    max: int
    lines: int  # distinct write indexes that arrived (the "end" line included)
    worst_line: int  # the write index of the most displaced line
    seconds: float  # the writer's own time
    status: str


def outcome(received: Sequence[int], seconds: float, status: str) -> Outcome:
    """How far each write index ``k`` landed from position ``k``."""
    if not received:
        return Outcome(0, 0, 0, 0, seconds, status)
    moved = sorted(abs(position - k) for position, k in enumerate(received))
    worst = max(range(len(received)), key=lambda p: abs(p - received[p]))
    p99 = moved[min(len(moved) - 1, int(len(moved) * 0.99))]
    return Outcome(p99, moved[-1], len(set(received)), received[worst], seconds, status)


async def run_case(client: CrowNestClient, case: Case, tty: bool) -> Outcome:
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
    stdout = "".join(data for stream, data in chunks if stream == "stdout")
    last = stdout.rstrip("\n").rsplit("\n", 1)[-1].split()
    seconds = float(last[2]) if last[:1] == ["end"] else float("nan")
    return outcome(arrival_order(chunks), seconds, status)


def alone(case: Case, folder: Path) -> float:
    """The writer's own time with its output to /dev/null (a run's environment)."""
    (folder / "writer.py").write_text(WRITER)
    timing = folder / "timing"
    dirs = RunDirs(folder, folder, folder, folder / "info.json")
    env = Runtime(folder, sandbox=False).environment("wsr_alone", "python-node", dirs)
    env["TIMING"] = str(timing)
    env.pop("PYTHONUNBUFFERED", None)
    if case.unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    subprocess.run(
        ["python3", "writer.py", *case.args()],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return float(timing.read_text())


def cases(lines: int, rate: int) -> list[Case]:
    return [
        Case("alternating, full speed", lines, costed=True),
        Case(f"alternating, {rate:,} lines/s", min(lines, 2 * rate), rate=rate),
        Case("1 MB stdout line, then 2,000 stderr lines", 2001, big=1 << 20),
        Case("python print, every 10th to stderr", 6000, every=10, flush=False),
        Case("python print + PYTHONUNBUFFERED=1", 6000, every=10, flush=False, unbuffered=True),
        Case("sustained: 100,000 alternating at full speed", 100_000, costed=True),
        Case("sustained: 200,000, every 1,000th to stderr", 200_000, every=1000, costed=True),
    ]


async def measure(url: str, token: str, lines: int, rate: int, figures: Figures) -> None:
    async with CrowNestClient(token, url) as client:
        for tty in (False, True):
            mode = "tty" if tty else "pipes"
            for case in cases(lines, rate):
                got = await run_case(client, case, tty)
                name = f"{mode}: {case.label}"
                cost = ""
                if case.costed:
                    with tempfile.TemporaryDirectory(prefix="crownest-bench-") as folder:
                        base = alone(case, Path(folder))
                    figures.add(f"{name}: writer's time vs /dev/null", got.seconds / base, "x")
                    cost = f", {got.seconds:.3f} s vs {base:.3f} s alone"
                print(
                    f"{name + ':':<56} p99 {got.p99:>5}, max {got.max:>6} lines "
                    f"(worst: line {got.worst_line}; {got.status}{cost})",
                    flush=True,
                )
                complete = got.lines == case.lines + 1 and got.status == "succeeded"
                figures.holds(f"{name}: every line arrived, run succeeded", complete)
                judge(figures, name, got, case, tty)


def judge(figures: Figures, name: str, got: Outcome, case: Case, tty: bool) -> None:
    """The goals (pipes, flushed writes of the short cases); the rest are figures."""
    p99, worst = f"{name}: displacement p99", f"{name}: displacement max"
    goals = not tty and case.flush and case.lines <= 10_000
    if goals and (case.rate or case.big):
        figures.add(p99, got.p99, "lines")
        figures.at_most(worst, got.max, 0, "lines")
    elif goals:
        figures.at_most(p99, got.p99, 1, "lines")
        figures.add(worst, got.max, "lines")
    else:
        figures.add(p99, got.p99, "lines")
        figures.add(worst, got.max, "lines")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=3000, help="alternating lines, short cases")
    parser.add_argument("--rate", type=int, default=1000, help="paced case, lines/s")
    args = parser.parse_args()
    figures = Figures.of(__file__)
    with (
        tempfile.TemporaryDirectory(prefix="crownest-bench-") as state,
        start_local_backend(Path(state)) as server,
    ):
        asyncio.run(measure(server.url, server.token, args.lines, args.rate, figures))
    print(f"(load average while it ran: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return figures.finish()


if __name__ == "__main__":
    raise SystemExit(main())
