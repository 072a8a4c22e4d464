"""How long ``=`` takes to compare two 1M-line runs.

Two real runs on the local backend print the same pytest-like log of N lines (default
1,000,000): every line has its own test name, every ninth a timing that differs
between the runs, and the second run fails 20 tests and prints an assertion after
each. Measured, in this process, as the compare screen does it:

* **read**: both logs read through the API (replay pages) into spools, with keys;
* **diff**: the log diff of the two spools (patience on line hashes, timings
  normalised), which must find the 20 failures and nothing else.

Goal: the diff in under 5 s (issue 16: "diff the spools by line hashes"; reading the
logs is the API's speed and is reported beside it). Writes ``bench/out/compare.json``
and exits 1 when a goal is missed.

    .venv/bin/python bench/compare.py [--lines N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from _support import Figures, start_script_run  # bench/ is the script's directory

from crownest_tui.api import CrowNestClient
from crownest_tui.core.compare import diff_logs
from crownest_tui.local.process import start_local_backend
from crownest_tui.ui.compare_log import load_log

GOAL_SECONDS = 5.0
FAILURES = 20

SCRIPT = """
import sys
failing = {failing}
lines, step = {lines}, {lines} // {failures}
write = sys.stdout.write
for i in range(lines):
    verdict = "FAILED" if failing and i % step == step // 2 else "PASSED"
    timing = f" in 0.{{(i * 7 + failing) % 100:02d}}s" if i % 9 == 0 else ""
    write(f"tests/test_module_{{i // 1000}}.py::test_case_{{i}} {{verdict}}{{timing}}\\n")
    if verdict == "FAILED":
        write("E   assert response.status == 200\\n")
"""


async def measure(url: str, token: str, lines: int, figures: Figures) -> None:
    async with CrowNestClient(token, url) as client:
        runs = []
        for failing in (0, 1):
            script = SCRIPT.format(failing=failing, lines=lines, failures=FAILURES)
            runs.append(await start_script_run(client, script, metadata={"bench": "compare"}))
        for index, run in enumerate(runs):
            while not run.is_terminal:
                await asyncio.sleep(0.2)
                run = await client.get_run(run.id)
            runs[index] = run
        started = time.perf_counter()
        base, other = await asyncio.gather(load_log(client, runs[0]), load_log(client, runs[1]))
        read = time.perf_counter() - started
        started = time.perf_counter()
        changes = diff_logs(base.keys, other.keys, base.text, other.text)
        diffed = time.perf_counter() - started
        figures.add("lines per run", len(base))
        figures.add("read both logs through the API", round(read, 2), "s")
        figures.at_most("diff of the two logs", round(diffed, 2), GOAL_SECONDS, "s")
        figures.holds(f"found the {FAILURES} failures, nothing else", len(changes) == FAILURES)
        figures.add("changes found", len(changes))
        base.close()
        other.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    figures = Figures.of(__file__)
    with (
        tempfile.TemporaryDirectory(prefix="crownest-bench-compare-") as folder,
        start_local_backend(Path(folder) / "state") as server,
    ):
        asyncio.run(measure(server.url, server.token, args.lines, figures))
    return figures.finish()


if __name__ == "__main__":
    raise SystemExit(main())
