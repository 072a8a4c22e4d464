"""What the sandbox costs a run at its start (and end), against the unsandboxed paths.

1. The process a run's command becomes, through the backend's own code (its launch
   line, ``RunningCommand``, and the sandbox's ``settle``): ``true`` started, waited
   for and collected, ``--rounds`` times each as a bare ``/bin/sh -c``, under the
   reaper (runs without a sandbox) and in the bubblewrap sandbox. The sandbox's cost
   per run is its median minus the bare shell's (goal: < 50 ms).
2. Whole runs of ``true`` on two real backends, sandboxed and ``--no-sandbox``:
   the median ``durationMs`` (started to finished, extraction and collection
   included), for the record.

Prints its figures, writes them to ``bench/out/sandbox_start.json`` and exits 1 when
a goal is missed (or when bwrap cannot run here).  ``python bench/sandbox_start.py
[--rounds N] [--runs N]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _support import Figures, percentiles  # bench/ is the script's directory

from crownest_tui.local.process import start_local_backend
from crownest_tui.local.run_process import RunningCommand
from crownest_tui.local.runtime import Runtime
from crownest_tui.local.sandbox import RunDirs
from tests.local.support import run_to_end

GOAL_MS = 50.0


async def one_start(runtime: Runtime, bare: bool, root: Path, index: int) -> float:
    """Seconds from spawn to collected exit of ``true`` through ``runtime`` (or bare)."""
    base = root / f"r{index}"
    dirs = RunDirs(base / "ws", base / "home", base / "tmp", base / "info.json")
    dirs.make()
    env = runtime.environment("wsr_b", "base", dirs)
    line = "true" if bare else runtime.launch_line("true", "base", dirs, 1.0)
    command = RunningCommand("wsr_b")
    started = time.perf_counter()
    await command.start(line, dirs.workspace, env, lambda stream, data: None)
    await command.wait(None)
    await runtime.settle(dirs)
    code = await command.finish()
    elapsed = time.perf_counter() - started
    assert code == 0, f"true exited {code}"
    return elapsed


async def starts(runtime: Runtime, bare: bool, root: Path, rounds: int) -> list[float]:
    await one_start(runtime, bare, root, -1)  # warm the caches once
    return [await one_start(runtime, bare, root, i) for i in range(rounds)]


async def run_durations(url: str, token: str, runs: int) -> list[float]:
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:
        durations = []
        for _ in range(runs + 1):
            final = await run_to_end(http, "true", template="base")
            assert final["status"] == "succeeded", final
            durations.append(final["durationMs"] / 1000)
        return durations[1:]  # the first one warmed up


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=40, help="process starts per kind")
    parser.add_argument("--runs", type=int, default=20, help="whole runs per backend")
    args = parser.parse_args()
    figures = Figures.of(__file__)
    with tempfile.TemporaryDirectory(prefix="crownest-bench-") as temp:
        root = Path(temp)
        sandboxed = Runtime(root / "sandboxed")
        if not figures.holds("bwrap runs here", sandboxed.sandboxed):
            print(sandboxed.headline())
            return figures.finish()
        plain = Runtime(root / "plain", sandbox=False)
        kinds = {
            "bare /bin/sh": (plain, True),
            "reaper (unsandboxed)": (plain, False),
            "sandbox": (sandboxed, False),
        }
        medians: dict[str, float] = {}
        for label, (runtime, bare) in kinds.items():
            samples = asyncio.run(starts(runtime, bare, root / label.split()[0], args.rounds))
            medians[label] = statistics.median(samples) * 1000
            figures.add(f"start of `true`, {label} (median)", round(medians[label], 1), "ms")
            print(f"{label + ':':<24} {percentiles(samples)}", flush=True)
        cost = medians["sandbox"] - medians["bare /bin/sh"]
        met = figures.below("the sandbox's cost per run start", round(cost, 1), GOAL_MS, "ms")
        versus = medians["sandbox"] - medians["reaper (unsandboxed)"]
        figures.add("sandbox minus reaper per run start", round(versus, 1), "ms")
        verdict = "ok" if met else "MISSED"
        print(f"sandbox cost per start: {cost:.1f} ms (goal < {GOAL_MS:g}: {verdict})")
        print(f"sandbox vs reaper:      {versus:+.1f} ms")
        for label, extra in (("sandboxed", []), ("unsandboxed", ["--no-sandbox"])):
            with start_local_backend(root / f"state-{label}", extra_args=extra) as server:
                durations = asyncio.run(run_durations(server.url, server.token, args.runs))
            median = statistics.median(durations) * 1000
            figures.add(f"run of `true`, {label}: durationMs (median)", round(median, 1), "ms")
            print(f"whole run, {label + ':':<13} {percentiles(durations)}", flush=True)
    return figures.finish()


if __name__ == "__main__":
    sys.exit(main())
