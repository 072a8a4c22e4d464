"""Throughput of the embedded local backend: capture of a noisy run, and replay.

1. A command printing 1,000,000 lines runs once with stdout to /dev/null and once as a
   run of the local backend (a real child process). The command times itself, so the
   ratio says how much the backend held it back (goal: at most 1.20).
2. The finished run is replayed to an SSE client (frames decoded), and so is a run of
   1,000,000 one-line events stored through the test hook (goal: >= 200k events/s).

Prints its figures, writes them to ``bench/out/backend_throughput.json`` and exits 1
when a goal is missed.  ``python bench/backend_throughput.py [--lines N] [--events N]``
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import httpx
from _support import Figures  # bench/ is the script's directory

from crownest_tui.api.sse import SSEDecoder
from crownest_tui.local.process import LocalBackendProcess, start_local_backend
from crownest_tui.local.runtime import Runtime
from crownest_tui.local.sandbox import RunDirs

TERMINAL = ("succeeded", "failed", "canceled")

PROGRAM = """
import sys, time
n = int(sys.argv[1])
start = time.perf_counter()
write = sys.stdout.write
for i in range(n):
    write(f"line {i:07d} compiling src/module_{i % 97:02d}/unit.c ok\\n")
sys.stdout.flush()
print(f"ELAPSED {time.perf_counter() - start:.6f}", file=sys.stderr)
"""


def archive() -> bytes:
    data = PROGRAM.encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("emit.py")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def baseline(lines: int, workdir: Path) -> float:
    """The command's own time with stdout to /dev/null (same shell, python and env)."""
    (workdir / "emit.py").write_text(PROGRAM)
    dirs = RunDirs(workdir, workdir, workdir, workdir / "info.json")
    env = Runtime(workdir, sandbox=False).environment("wsr_baseline", "python-node", dirs)
    done = subprocess.run(
        ["/bin/sh", "-c", f"python3 emit.py {lines}"],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    return float(done.stderr.split()[-1])


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


async def captured_run(
    http: httpx.AsyncClient, lines: int, *, follow: bool
) -> tuple[float, dict[str, object]]:
    """Run the command in the backend; (its own time, final run with ``_lines``).

    With ``follow`` a client reads the live stream while the run goes on (and shares
    the machine's cores with it); without, the run is only polled.
    """
    data = archive()
    created = await http.post("/v1/workspace-runs", json={"command": f"python3 emit.py {lines}"})
    run_id = created.json()["workspaceRun"]["id"]
    headers = {
        "x-crownest-archive-sha256": hashlib.sha256(data).hexdigest(),
        "x-crownest-archive-size": str(len(data)),
    }
    url = f"/v1/workspace-runs/{run_id}"
    (await http.put(f"{url}/archive", content=data, headers=headers)).raise_for_status()
    (await http.post(f"{url}/start")).raise_for_status()
    for _ in range(36_000 if not follow else 0):
        if (await http.get(url)).json()["workspaceRun"]["status"] in TERMINAL:
            break
        await asyncio.sleep(0.1)
    decoder = SSEDecoder()
    stdout_lines = 0
    elapsed = -1.0
    final: dict[str, object] = {}
    async with http.stream("GET", f"{url}/events", params={"stream": "true"}) as resp:
        async for chunk in resp.aiter_raw():
            for payload in decoder.feed(chunk):
                event = json.loads(payload)
                if event["type"] == "stdout":
                    stdout_lines += event["data"].count("\n")
                elif event["type"] == "stderr" and "ELAPSED" in event["data"]:
                    elapsed = float(event["data"].split()[-1])
                elif event["type"] == "terminal":
                    final = event["workspaceRun"]
    final["_lines"] = stdout_lines
    return elapsed, final


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
        # alternate the two, best of each: this machine is shared, and noisy
        devnull = through = float("inf")
        for _ in range(rounds):
            devnull = min(devnull, await asyncio.to_thread(baseline, lines, workdir))
            elapsed, final = await captured_run(http, lines, follow=False)
            through = min(through, elapsed)
        ratio = through / devnull
        duration = int(str(final.get("durationMs", 0))) / 1000
        captured = int(str(final["_lines"]))
        report(f"best of {rounds} each way", "")
        report(
            "command alone, stdout to /dev/null",
            f"{devnull:.3f} s ({lines / devnull:,.0f} lines/s)",
        )
        report("command as a backend run", f"{through:.3f} s (its run took {duration:.3f} s)")
        met = figures.at_most("slowdown as a backend run (vs /dev/null)", ratio, 1.2, "x")
        report("slowdown ratio", f"{ratio:.3f} (goal <= 1.20: {verdict(met)})")
        figures.add("command alone, stdout to /dev/null", lines / devnull, "lines/s")
        figures.add("lines captured into events", captured / through, "lines/s")
        report(
            "lines captured into events",
            f"{captured:,} of {lines:,} ({captured / through:,.0f} lines/s), {final.get('status')}",
        )
        followed, _ = await captured_run(http, lines, follow=True)
        report(
            "same, a client following live", f"{followed:.3f} s (ratio {followed / devnull:.3f})"
        )
        figures.add("slowdown, a client following live", followed / devnull, "x")
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
    print(f"{label + ':':<36} {value}".rstrip(), flush=True)


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
