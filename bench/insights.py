"""20,000 runs in a week of the local backend: time until the Insights screen is
ready (every page fetched, figures drawn), the cost of a refresh, and the dashboard's
memory. Goals: ready in under 5 s, under 100 MB RSS (issue 17).

The runs are seeded through the backend's test hook (``seed-runs``: times, results,
durations, reasons) before the clock starts; the dashboard runs headless in this
process of its own, three times (each process's peak resident set size is measured;
another child seeds), and the median time counts. Prints its figures,
writes them to ``bench/out/insights.json`` and exits 1 when a goal is missed. Run with
``python bench/insights.py`` (``make bench`` runs every script here).
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from _support import Figures, rss_mb  # bench/ is the script's directory

from crownest_tui.api import CrowNestClient
from crownest_tui.core.insights import Window
from crownest_tui.local.process import start_local_backend
from crownest_tui.ui.app import CrowNestApp
from crownest_tui.ui.screens.insights import InsightsScreen

RUNS = 20_000
BATCH = 5_000
READY_GOAL_S = 5.0
RSS_GOAL_MB = 100.0
TRIALS = 3
REASONS = ("command_exit", "timeout", "sandbox_unavailable")


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _run(rng: random.Random, n: int, now: datetime) -> dict[str, Any]:
    """Run ``n`` of ``RUNS``, all of them inside the 7-day window ending at ``now``."""
    start = datetime.fromtimestamp(Window.WEEK.span(now.timestamp())[0], UTC)
    span = (now - start).total_seconds() - 60
    created = start + timedelta(seconds=(n + 1) * span / (RUNS + 1))
    failed = rng.random() < 0.1
    run: dict[str, Any] = {
        "status": "failed" if failed else "succeeded",
        "createdAt": _iso(created),
        "startedAt": _iso(created + timedelta(seconds=1)),
        "durationMs": int(rng.lognormvariate(11, 1)),
        "command": f"sh ci.sh shard-{n % 50}",
        "template": ("python-node", "python", "base")[n % 3],
        "metadata": {"branch": ("main", "release/1.4")[n % 2]},
    }
    if failed:
        run.update(failureReason=REASONS[n % 3], exitCode=(1, 2, 137)[n % 3])
    return run


def seed(url: str, token: str) -> float:
    """Seed the runs through the test hook, in batches; the seconds it took."""
    now = datetime.now(UTC)
    started = time.perf_counter()
    rng = random.Random(7)
    headers = {"Authorization": f"Bearer {token}"}
    for first in range(0, RUNS, BATCH):
        runs = [_run(rng, n, now) for n in range(first, min(RUNS, first + BATCH))]
        response = httpx.post(
            f"{url}/v1/_test/seed-runs", json={"runs": runs}, headers=headers, timeout=300
        )
        response.raise_for_status()
    return time.perf_counter() - started


def peak_rss_mb() -> float:
    """The peak resident set size of this process (``VmHWM``) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return rss_mb()


async def until(test: Callable[[], bool], within: float = 120.0) -> None:
    deadline = time.monotonic() + within
    while not test():
        if time.monotonic() > deadline:
            raise TimeoutError("the Insights screen did not get ready")
        await asyncio.sleep(0.005)


@dataclass
class Trial:
    opened_to_ready: float
    start_to_ready: float
    based_on: int
    fetched: int
    refresh: float
    fetched_again: int
    peak_rss: float


async def trial(url: str, token: str) -> Trial:
    """One dashboard started on Insights (7 d): until it is ready, then a refresh."""
    client = CrowNestClient(api_key=token, base_url=url)
    app = CrowNestApp(client, refresh_interval=0, insights="7d", concurrency=25)
    started = time.perf_counter()
    async with app.run_test(size=(120, 34)) as pilot:

        def screen() -> InsightsScreen | None:
            top = app.screen
            return top if isinstance(top, InsightsScreen) else None

        await until(lambda: screen() is not None)
        opened = time.perf_counter()
        await until(lambda: (s := screen()) is not None and s.updated is not None)
        ready = time.perf_counter()
        insights = screen()
        assert insights is not None and insights.insights is not None
        await pilot.pause()
        fetched = insights.cache.fetched
        insights.updated = None
        begin = time.perf_counter()
        await pilot.press("r")
        await until(lambda: insights.updated is not None)
        refreshed = time.perf_counter() - begin
        result = Trial(
            opened_to_ready=ready - opened,
            start_to_ready=ready - started,
            based_on=insights.insights.runs,
            fetched=fetched,
            refresh=refreshed,
            fetched_again=insights.cache.fetched - fetched,
            peak_rss=peak_rss_mb(),
        )
    await client.aclose()
    return result


def run_trial(url: str, token: str) -> Trial:
    """A trial in a fresh process (a dashboard of its own, measured alone)."""
    done = subprocess.run(
        [sys.executable, __file__, "--trial", url, token],
        check=True,
        timeout=600,
        capture_output=True,
        text=True,
    )
    return Trial(**json.loads(done.stdout.strip().splitlines()[-1]))


def measure(url: str, token: str, figures: Figures) -> None:
    trials = [run_trial(url, token) for _ in range(TRIALS)]
    for n, t in enumerate(trials, 1):
        print(
            f"trial {n}: ready {t.opened_to_ready:.2f} s after the screen opened "
            f"({t.start_to_ready:.2f} s after start) on {t.based_on:,} runs "
            f"({t.fetched:,} fetched); refresh {t.refresh * 1000:.0f} ms "
            f"({t.fetched_again} fetched again); peak RSS {t.peak_rss:.0f} MB"
        )
    ready = statistics.median(t.opened_to_ready for t in trials)
    peak = max(t.peak_rss for t in trials)
    figures.holds(f"based on all {RUNS:,} runs", all(t.based_on == RUNS for t in trials))
    met = figures.below(f"ready with {RUNS:,} runs (7 d), median", ready, READY_GOAL_S, "s")
    figures.add("ready, best trial", min(t.opened_to_ready for t in trials), "s")
    after_start = statistics.median(t.start_to_ready for t in trials)
    figures.add("ready after the app started, median", after_start, "s")
    refresh = statistics.median(t.refresh for t in trials)
    figures.add("refresh (new and changed runs only), median", refresh * 1000, "ms")
    figures.add("runs fetched again by a refresh", max(t.fetched_again for t in trials))
    met = figures.below("dashboard peak RSS, worst trial", peak, RSS_GOAL_MB, "MB") and met
    print(f"goals < {READY_GOAL_S:g} s and < {RSS_GOAL_MB:g} MB: {'met' if met else 'NOT met'}")


def main() -> int:
    if sys.argv[1:2] == ["--seed"]:  # the child that seeds (its memory is not measured)
        print(f"seeded {RUNS:,} runs over 7 days in {seed(sys.argv[2], sys.argv[3]):.1f} s")
        return 0
    if sys.argv[1:2] == ["--trial"]:  # one dashboard, measured alone
        print(json.dumps(asdict(asyncio.run(trial(sys.argv[2], sys.argv[3])))))
        return 0
    figures = Figures.of(__file__)
    with (
        tempfile.TemporaryDirectory(prefix="crownest-bench-") as state,
        start_local_backend(Path(state), extra_args=["--test-hooks"]) as backend,
    ):
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--seed", backend.url, backend.token],
            check=True,
            timeout=600,
        )
        figures.add(f"{RUNS:,} runs seeded (test hook)", time.perf_counter() - began, "s")
        measure(backend.url, backend.token, figures)
    return figures.finish()


if __name__ == "__main__":
    raise SystemExit(main())
