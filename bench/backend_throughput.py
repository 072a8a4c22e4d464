"""Throughput of the embedded local backend: capture of a noisy run, and replay.

1. **The goal** (issue 14): a command printing 1,000,000 lines, run by the local
   backend with the sandbox on, takes at most 1.20 x the same command writing to
   /dev/null (same shell, python and environment as a run's). The command writes in
   8 KiB blocks, as python does on a pipe without ``PYTHONUNBUFFERED`` and as most
   programs do (C stdio, Go, Rust), and as the issue's own figure was measured; it
   times itself, so the ratio says how much the backend held it back. This ratio,
   best of ``--rounds`` each (the two alternating: the machine is shared), is the
   capture goal that gates the exit status; a backend that cannot sandbox misses it.
   Beside it, as figures only: the command's CPU time, the backend's CPU seconds during
   the run (all its threads: the capture, the store's writer) and those of the relay
   and sandbox processes it reaped.
2. Figures only: the same command writing **one write a line**, as the python
   templates' ``PYTHONUNBUFFERED=1`` makes it: a million ``write`` calls, each of which
   costs the kernel more into any pipe than into /dev/null, whatever reads it; so it
   also runs into *a plain pipe read in bulk* (1 MiB every 10 ms, the cheapest
   capture there is), and its ratios to both are printed. Then the buffered command
   again while a client follows the run live.
3. The finished run is replayed to an SSE client (frames decoded), and so is a run of
   1,000,000 one-line events stored through the test hook (goal: >= 200k events/s).

Prints its figures, writes them to ``bench/out/backend_throughput.json`` and exits 1
when a goal is missed.  ``python bench/backend_throughput.py [--lines N] [--events N]``
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from _support import Figures, children_cpu_seconds, cpu_seconds  # bench/: the script's

from crownest_tui.api.sse import SSEDecoder
from crownest_tui.local.process import LocalBackendProcess, start_local_backend
from crownest_tui.local.runtime import Runtime
from crownest_tui.local.sandbox import RunDirs

TERMINAL = ("succeeded", "failed", "canceled")
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)

PROGRAM = """
import sys, time
n, how = int(sys.argv[1]), sys.argv[2]
if how == "buffered":  # what python does on a pipe without PYTHONUNBUFFERED
    out = open(sys.stdout.fileno(), "w", buffering=8192, closefd=False)
else:  # PYTHONUNBUFFERED=1 (the templates'): a write a line
    out = sys.stdout
start, cpu = time.perf_counter(), time.process_time()
write = out.write
for i in range(n):
    write(f"line {i:07d} compiling src/module_{i % 97:02d}/unit.c ok\\n")
out.flush()
print(f"ELAPSED {time.perf_counter() - start:.6f} {time.process_time() - cpu:.6f}", file=sys.stderr)
"""
WAYS = {"buffered": "buffered", "one write a line": "lines"}
#: The goal that gates the exit status (issue 14).
GOAL = "1M-line run (8 KiB blocks, sandbox on) vs stdout to /dev/null"
GOAL_RATIO = 1.2
#: The plain pipe's reader: what it takes at a time, and how long it waits between.
PIPE_READ_BYTES = 1 << 20
PIPE_PAUSE = 0.01


@dataclass(frozen=True)
class Timing:
    """The command's own wall and CPU seconds."""

    wall: float
    cpu: float

    @classmethod
    def of(cls, line: str) -> Timing:
        wall, cpu = line.split()[-2:]
        return cls(float(wall), float(cpu))

    def __str__(self) -> str:
        return f"{self.wall:.3f} s (CPU {self.cpu:.3f} s)"


def archive() -> bytes:
    data = PROGRAM.encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("emit.py")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def baseline(lines: int, how: str, workdir: Path, *, pipe: bool = False) -> Timing:
    """The command's own time with stdout to /dev/null, or (``pipe``) into a plain pipe
    read in bulk (same shell, python and environment as a run's)."""
    (workdir / "emit.py").write_text(PROGRAM)
    dirs = RunDirs(workdir, workdir, workdir, workdir / "info.json")
    env = Runtime(workdir, sandbox=False).environment("wsr_baseline", "python-node", dirs)
    proc = subprocess.Popen(
        ["/bin/sh", "-c", f"python3 emit.py {lines} {how}"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE if pipe else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if proc.stdout is not None:
        fcntl.fcntl(proc.stdout.fileno(), F_SETPIPE_SZ, PIPE_READ_BYTES)
        while os.read(proc.stdout.fileno(), PIPE_READ_BYTES):
            time.sleep(PIPE_PAUSE)
    _, err = proc.communicate()
    assert proc.returncode == 0, err
    return Timing.of(err)


async def replay(http: httpx.AsyncClient, run_id: str) -> tuple[int, int, float]:
    """(events, bytes, seconds) of one full SSE replay of a finished run."""
    decoder = SSEDecoder()
    events = size = 0
    started = time.perf_counter()
    params = {"stream": "true", "afterSeq": "0"}
    async with http.stream("GET", f"/v1/workspace-runs/{run_id}/events", params=params) as resp:
        async for chunk in resp.aiter_raw():
            size += len(chunk)
            events += len(decoder.feed(chunk))
    return events, size, time.perf_counter() - started


@dataclass(frozen=True)
class Captured:
    """One run of the command in the backend."""

    timing: Timing  # the command's own
    backend_cpu: float  # the backend's CPU seconds from the start to the end (all threads)
    helpers_cpu: float  # those of the processes it reaped meanwhile: relay, shell, bwrap
    final: dict[str, object]  # the terminal run, with ``_lines`` (stdout lines captured)


async def captured_run(
    http: httpx.AsyncClient, pid: int, lines: int, how: str, *, follow: bool
) -> Captured:
    """Run the command in the backend (process ``pid``).

    With ``follow`` a client reads the live stream while the run goes on (and shares
    the machine's cores with it, and its CPU seconds count that); without, the run is
    only polled, and read back once it is over.
    """
    data = archive()
    command = f"python3 emit.py {lines} {how}"
    created = await http.post("/v1/workspace-runs", json={"command": command})
    run_id = created.json()["workspaceRun"]["id"]
    headers = {
        "x-crownest-archive-sha256": hashlib.sha256(data).hexdigest(),
        "x-crownest-archive-size": str(len(data)),
    }
    url = f"/v1/workspace-runs/{run_id}"
    (await http.put(f"{url}/archive", content=data, headers=headers)).raise_for_status()
    cpu = cpu_seconds(pid), children_cpu_seconds(pid)
    (await http.post(f"{url}/start")).raise_for_status()
    for _ in range(36_000 if not follow else 0):
        if (await http.get(url)).json()["workspaceRun"]["status"] in TERMINAL:
            break
        await asyncio.sleep(0.1)
    decoder = SSEDecoder()
    stdout_lines = 0
    elapsed = Timing(-1.0, -1.0)
    final: dict[str, object] = {}
    used = cpu_seconds(pid) - cpu[0], children_cpu_seconds(pid) - cpu[1]
    async with http.stream("GET", f"{url}/events", params={"stream": "true"}) as resp:
        async for chunk in resp.aiter_raw():
            for payload in decoder.feed(chunk):
                event = json.loads(payload)
                if event["type"] == "stdout":
                    stdout_lines += event["data"].count("\n")
                elif event["type"] == "stderr" and "ELAPSED" in event["data"]:
                    elapsed = Timing.of(event["data"])
                elif event["type"] == "terminal":
                    final = event["workspaceRun"]
    if follow:
        used = cpu_seconds(pid) - cpu[0], children_cpu_seconds(pid) - cpu[1]
    final["_lines"] = stdout_lines
    return Captured(elapsed, *used, final)


async def capture(
    http: httpx.AsyncClient,
    pid: int,
    lines: int,
    how: str,
    way: str,
    rounds: int,
    workdir: Path,
    figures: Figures,
    *,
    sandboxed: bool,
) -> dict[str, object]:
    """Figures (and for ``buffered`` the goal) of one way of writing (see the module's
    docstring); the fastest run, with ``_lines``."""
    piped = how == "lines"
    best: dict[str, Timing] = {}
    fastest: Captured | None = None
    for _ in range(rounds):  # alternating, best of each: this machine is shared, and noisy
        kinds = {"/dev/null": asyncio.to_thread(baseline, lines, how, workdir)}
        if piped:
            kinds["plain pipe"] = asyncio.to_thread(baseline, lines, how, workdir, pipe=True)
        for kind, job in kinds.items():
            best[kind] = min(best.get(kind, Timing(1e9, 1e9)), await job, key=_wall)
        captured = await captured_run(http, pid, lines, how, follow=False)
        if fastest is None or captured.timing.wall < fastest.timing.wall:
            fastest = captured
    assert fastest is not None
    run, devnull, final = fastest.timing, best["/dev/null"], fastest.final
    duration = int(str(final.get("durationMs", 0))) / 1000
    report(f"{way}, stdout to /dev/null", f"{devnull} ({lines / devnull.wall:,.0f} lines/s)")
    if piped:
        report(f"{way}, into a plain pipe", f"{best['plain pipe']}")
    report(f"{way}, as a backend run", f"{run} (its run took {duration:.3f} s)")
    captured_lines = int(str(final["_lines"]))
    report(
        f"{way}, lines captured",
        f"{captured_lines:,} of {lines:,} ({captured_lines / run.wall:,.0f} lines/s), "
        f"{final.get('status')}",
    )
    report(
        f"{way}, CPU seconds of that run",
        f"backend {fastest.backend_cpu:.2f} s, relay and sandbox {fastest.helpers_cpu:.2f} s, "
        f"the command {run.cpu:.2f} s",
    )
    figures.add(f"{way}: the backend's CPU during the run", fastest.backend_cpu, "s")
    figures.add(f"{way}: the relay's and sandbox's CPU", fastest.helpers_cpu, "s")
    ratio = run.wall / devnull.wall
    if not piped:
        if sandboxed:
            met = figures.at_most(GOAL, ratio, GOAL_RATIO, "x")
        else:  # the figure is with the sandbox on
            met = figures.holds(f"{GOAL}: bwrap runs here", False)
        report(
            "THE GOAL: run vs /dev/null",
            f"{ratio:.3f} x (sandbox {'on' if sandboxed else 'OFF'}; "
            f"goal <= {GOAL_RATIO:.2f}: {verdict(met)})",
        )
        return final
    pipe = best["plain pipe"]
    figures.add(f"{way}: a run vs /dev/null", ratio, "x")
    figures.add(f"{way}: a run vs a plain pipe", run.wall / pipe.wall, "x")
    figures.add(f"{way}: a plain pipe vs /dev/null", pipe.wall / devnull.wall, "x")
    report(
        f"{way}, slowdown (no goal)",
        f"{ratio:.3f} x /dev/null, {run.wall / pipe.wall:.3f} x a plain pipe "
        f"(a plain pipe: {pipe.wall / devnull.wall:.3f} x /dev/null)",
    )
    return final


def _wall(timing: Timing) -> float:
    return timing.wall


async def measure(
    server: LocalBackendProcess,
    lines: int,
    events: int,
    rounds: int,
    workdir: Path,
    figures: Figures,
) -> None:
    headers = {"Authorization": f"Bearer {server.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=None) as http:
        info = server.info
        sandboxed = info is not None and info.runs is not None and info.runs.sandboxed
        headline = info.runs.headline() if info is not None and info.runs is not None else "?"
        report(f"best of {rounds} each way, {lines:,} lines", headline)
        for way, how in WAYS.items():
            final = await capture(
                http, server.pid, lines, how, way, rounds, workdir, figures, sandboxed=sandboxed
            )
        followed = await captured_run(http, server.pid, lines, "buffered", follow=True)
        devnull = await asyncio.to_thread(baseline, lines, "buffered", workdir)
        live = followed.timing.wall / devnull.wall
        report(
            "buffered, a client following live",
            f"{followed.timing} (ratio {live:.3f}; backend CPU {followed.backend_cpu:.2f} s)",
        )
        figures.add("buffered, a client following live: a run vs /dev/null", live, "x")
        count, size, seconds = await replay(http, str(final["id"]))
        report(
            "replay of that run",
            f"{count:,} events, {size / 1e6:.1f} MB in {seconds:.3f} s "
            f"({count / seconds:,.0f} events/s, {size / 1e6 / seconds:.0f} MB/s)",
        )
        figures.add("replay of that run", count / seconds, "events/s")
        created = await http.post("/v1/workspace-runs", json={"command": "true"})
        run_id = created.json()["workspaceRun"]["id"]
        started = time.perf_counter()
        body = {"runId": run_id, "count": events, "line": "test_case PASSED "}
        (await http.post("/v1/_test/bulk-events", json=body)).raise_for_status()
        report(
            "one-line events stored (hook)", f"{events:,} in {time.perf_counter() - started:.2f} s"
        )
        count, size, seconds = await replay(http, run_id)
        rate = count / seconds
        met = figures.at_least("replay of one-line events", rate, 200_000, "events/s")
        report(
            "replay of one-line events",
            f"{count:,} events, {size / 1e6:.1f} MB in {seconds:.3f} s "
            f"({rate:,.0f} events/s; goal >= 200,000: {verdict(met)})",
        )


def report(label: str, value: str) -> None:
    print(f"{label + ':':<40} {value}".rstrip(), flush=True)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    figures = Figures.of(__file__)
    with tempfile.TemporaryDirectory(prefix="crownest-bench-") as temp:
        root = Path(temp)
        (root / "base").mkdir()
        with start_local_backend(root / "state", extra_args=["--test-hooks"]) as server:
            work = measure(server, args.lines, args.events, args.rounds, root / "base", figures)
            asyncio.run(work)
    return figures.finish()


if __name__ == "__main__":
    sys.exit(main())
