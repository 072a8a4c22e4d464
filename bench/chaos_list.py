"""Chaos for the runs list: the real dashboard through a stormy network, then a check.

The local backend holds 300 runs (made with the test hooks) plus live runs that come
and go (they start, run, succeed, fail, or get canceled) during the weather. The
dashboard (headless) lists them through :class:`FaultProxy` with auto-refresh every
0.5 s and a client that gives up after 2 attempts and a 2 s timeout (so the
weather reaches the screen); meanwhile a scripted user pages to the end, types a quick
filter, erases it, refreshes by hand, clears the filters (a reload from the first
page) and starts again. The weather alternates between a storm
(every kind of fault, open connections dropped every 0.2-1.5 s) and a full outage
(nothing gets through), then calms down.

Checked all along (sampled every 50 ms): the app never crashes; while a load has
failed the banner is shown and says why, and it is gone once a load works (no stuck
banner); rows are never doubled, always newest first, never a run the backend does
not hold; the quick filter's rows all match it. Every outage must show the banner.
After the calm: the list recovers by itself within ``--recover-within`` refreshes and
ends equal to what the backend holds (ids, order and statuses, all pages).

Prints faults injected by kind, refreshes and page loads that worked, failed or were
superseded, the outages and how fast the banner said so, and the recovery time; writes
them to ``bench/out/chaos_list.json`` and exits 1 when a check fails.

    .venv/bin/python bench/chaos_list.py [--seconds 30 | --soak 300] [--seed N]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _support import Figures, fault_line, rss_mb, start_script_run
from textual.pilot import Pilot
from textual.worker import Worker, WorkerState

from crownest_tui.api import CrowNestClient
from crownest_tui.api.models import WorkspaceRun, is_terminal
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import LocalBackendProcess, start_local_backend
from crownest_tui.ui.app import CrowNestApp
from crownest_tui.ui.screens.runs import RunsScreen
from crownest_tui.ui.widgets.error_banner import ErrorBanner
from crownest_tui.ui.widgets.runs_table import NEAR_END_ROWS
from tests.faultproxy import FaultPlan, FaultProxy

BULK = 300
PAGE = 50
REFRESH = 0.5
QUICK = "bulk 2"
STORM_SECONDS = 4.0
OUTAGE_SECONDS = 2.5
LIVE = """
import sys, time
time.sleep({sleep})
print("done after {sleep} s")
sys.exit({code})
"""


@dataclass
class Outage:
    start: float
    end: float = 0.0
    banner_at: float | None = None  # first sample showing the banner while failing


@dataclass
class Seen:
    """What the sampler saw on screen."""

    samples: int = 0
    failing: int = 0
    failing_with_banner: int = 0
    stuck_banner: int = 0  # banner still shown a sample after the failure cleared
    titles: Counter[str] = field(default_factory=Counter)
    row_problems: Counter[str] = field(default_factory=Counter)
    quick_samples: int = 0
    unknown_ids: set[str] = field(default_factory=set)
    paging_stalls: int = 0  # episodes of > 1.5 s at the end, more to load, nothing loading
    stall_notes: list[str] = field(default_factory=list)
    banner_last_shown: float = 0.0
    outages: list[Outage] = field(default_factory=list)


class Recorder:
    """Wraps the screen's refresh and page jobs to keep their workers (and when a
    refresh got merged), without changing what they do."""

    def __init__(self, screen: RunsScreen) -> None:
        self.refreshes: list[tuple[float, Worker[None]]] = []
        self.pages: list[Worker[None]] = []
        self.merged: list[float] = []
        self._wrap(screen, "refresh_runs", self.refreshes, stamp=True)
        self._wrap(screen, "load_more", self.pages, stamp=False)
        merge = screen.run_list.merge_refresh
        merged = self.merged

        def merge_refresh(page: Any) -> None:
            merge(page)
            merged.append(time.monotonic())

        screen.run_list.merge_refresh = merge_refresh  # type: ignore[method-assign]

    @staticmethod
    def _wrap(screen: RunsScreen, name: str, into: list[Any], *, stamp: bool) -> None:
        original: Callable[[int], Worker[None]] = getattr(screen, name)

        def wrapped(generation: int) -> Worker[None]:
            worker = original(generation)
            into.append((time.monotonic(), worker) if stamp else worker)
            return worker

        setattr(screen, name, wrapped)

    @staticmethod
    def outcome(workers: list[Worker[None]]) -> Counter[str]:
        names = {WorkerState.SUCCESS: "worked", WorkerState.ERROR: "failed"}
        return Counter(names.get(w.state, "superseded/unfinished") for w in workers)


def check_rows(screen: RunsScreen, known: set[str], seen: Seen) -> None:
    runs = [run for run in screen.table._rows]
    ids = [run.id for run in runs]
    if len(set(ids)) != len(ids):
        seen.row_problems["doubled row"] += 1
    seen.unknown_ids.update(run_id for run_id in ids if run_id not in known)
    if any(a.created_at < b.created_at for a, b in itertools.pairwise(runs)):
        seen.row_problems["out of order"] += 1
    if screen.quick == QUICK:  # only bulk runs' commands say "bulk 2"; ids never do
        seen.quick_samples += 1
        if any(QUICK not in run.command for run in runs):
            seen.row_problems["row not matching the quick filter"] += 1


async def sample(screen: RunsScreen, known: set[str], seen: Seen) -> None:
    """Every 50 ms: is the banner telling the truth, and are the rows sane?"""
    banner = screen.query_one(ErrorBanner)
    cleared_once = False
    waiting_since: float | None = None
    while True:
        await asyncio.sleep(0.05)
        seen.samples += 1
        shown = banner.has_class("-shown") and bool(str(banner.render()).strip())
        now = time.monotonic()
        if shown:
            seen.banner_last_shown = now
        if screen.failure is not None:
            seen.failing += 1
            seen.titles[screen.failure.title] += 1
            if shown:
                seen.failing_with_banner += 1
                outage = seen.outages[-1] if seen.outages else None
                if outage and not outage.end and outage.banner_at is None:
                    outage.banner_at = now
            cleared_once = False
        elif shown:
            if cleared_once:  # one sample of grace for the repaint
                seen.stuck_banner += 1
            cleared_once = True
        check_rows(screen, known, seen)
        table = screen.table
        # (The quick filter works on what is loaded: narrowed rows ask for nothing more.)
        at_end = table.row_count > 0 and table.cursor_row >= table.row_count - NEAR_END_ROWS
        at_end = at_end and not screen.quick
        idle = screen.failure is None and not screen.busy("load")
        if at_end and idle and screen.run_list.has_more:
            waiting_since = waiting_since or now
            if now - waiting_since > 1.5:
                seen.paging_stalls += 1
                waiting_since = float("inf")  # one count per episode
                seen.stall_notes.append(
                    f"row {table.cursor_row}/{table.row_count}, "
                    f"{len(screen.run_list.runs)} loaded, wanted {screen._page_wanted}"
                )
        else:
            waiting_since = None


async def weather(proxy: FaultProxy, seconds: float, seen: Seen, rng: random.Random) -> None:
    """Storm and outage in turn for ``seconds``; the caller calms it afterwards."""
    end = time.monotonic() + seconds
    dropping = asyncio.create_task(proxy.drop_now_and_then(rng))
    try:
        while time.monotonic() < end:
            proxy.plan = FaultPlan.stormy()
            await asyncio.sleep(min(STORM_SECONDS, max(0.0, end - time.monotonic())))
            if end - time.monotonic() < OUTAGE_SECONDS:
                break
            proxy.plan = FaultPlan.outage()
            proxy.drop_connections()  # kept-alive connections meet the outage too
            seen.outages.append(Outage(time.monotonic()))
            await asyncio.sleep(OUTAGE_SECONDS)
            seen.outages[-1].end = time.monotonic()
    finally:
        dropping.cancel()
        proxy.plan = FaultPlan.calm()


async def live_runs(
    direct: CrowNestClient,
    suite: str,
    seconds: float,
    known: set[str],
    started: list[WorkspaceRun],
    rng: random.Random,
) -> None:
    """A new live run every 3 s (it sleeps, then succeeds or fails; every third one is
    canceled after a moment), so statuses change and new runs appear on top."""
    end = time.monotonic() + seconds
    count = 0
    while time.monotonic() < end - 2:
        count += 1
        cancel = count % 3 == 0
        sleep = 60 if cancel else round(rng.uniform(1, 6), 1)
        code = rng.choice((0, 0, 1))
        script = LIVE.format(sleep=sleep, code=code)
        run = await start_script_run(direct, script, name="live.py", metadata={"suite": suite})
        known.add(run.id)
        started.append(run)
        if cancel:
            await asyncio.sleep(1.5)
            await direct.cancel_run(run.id)
        await asyncio.sleep(3)


async def user(
    pilot: Pilot[None], screen: RunsScreen, suite: RunFilters, stop: asyncio.Event
) -> Counter[str]:
    """Pages to the end, types the quick filter, erases it, refreshes; then clears the
    filters (a reload from the first page) and does it all again."""
    keys: Counter[str] = Counter()

    async def press(*pressed: str, pause: float = 0.15) -> None:
        for key in pressed:
            await pilot.press(key)
            keys[key] += 1
            await asyncio.sleep(pause)

    rounds = 0
    while not stop.is_set():
        # Start again from the first page: clear the filters (the backend holds only
        # this suite's runs) or put the suite filter back, as the palette does.
        if rounds % 2:
            await press("x")
        elif rounds:
            screen.set_filters(suite)
            keys["filter (palette)"] += 1
        rounds += 1
        for _ in range(12):  # page down to the end (the next page loads near the end)
            if not screen.run_list.has_more or stop.is_set():
                break
            await press("end", pause=0.4)
        await press("slash", *QUICK, pause=0.1)
        await asyncio.sleep(0.8)
        await press("escape", "home", "pagedown", "pagedown", "r")
        await asyncio.sleep(0.5)
    return keys


async def backend_truth(direct: CrowNestClient, suite: str) -> list[tuple[str, str]]:
    return [
        (run.id, str(run.status))
        async for run in direct.iter_runs(metadata={"suite": suite}, page_size=500)
    ]


def shown_truth(screen: RunsScreen) -> list[tuple[str, str]]:
    return [(run.id, str(run.status)) for run in screen.table._rows]


async def until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


@dataclass
class Result:
    """The lines to print, and the figures (each check is a goal named ``name``)."""

    lines: list[str] = field(default_factory=list)
    figures: Figures = field(default_factory=lambda: Figures.of(__file__))

    def say(self, text: str) -> None:
        self.lines.append(text)

    def require(self, name: str, good: bool, text: str) -> None:
        self.say(f"{'ok  ' if good else 'FAIL'} {text}")
        self.figures.holds(name, good)


async def chaos(
    backend: LocalBackendProcess, seconds: float, seed: int, recover_within: int
) -> Result:
    rng = random.Random(seed)
    suite = f"chaos{seed}"
    result = Result()
    port = int(backend.url.rsplit(":", 1)[1])
    seen = Seen()
    started: list[WorkspaceRun] = []
    async with (
        CrowNestClient(backend.token, backend.url) as direct,
        FaultProxy(port, FaultPlan.calm(), seed=seed) as proxy,
        CrowNestClient(backend.token, proxy.url, max_attempts=2, timeout=2.0) as client,
    ):
        bulk = {"count": BULK, "metadata": {"suite": suite}}
        (await direct.http.post("/v1/_test/bulk-runs", json=bulk, timeout=60)).raise_for_status()
        known = {run_id for run_id, _ in await backend_truth(direct, suite)}
        filters = RunFilters.build(metadata={"suite": suite})
        app = CrowNestApp(client, filters=filters, refresh_interval=REFRESH, page_size=PAGE)
        crashed: BaseException | None = None
        try:
            async with app.run_test(size=(160, 45)) as pilot:
                screen = app.runs_screen
                assert screen is not None
                recorder = Recorder(screen)
                await until(lambda: screen.run_list.loaded, 10)
                sampler = asyncio.create_task(sample(screen, known, seen))
                stop = asyncio.Event()
                acting = asyncio.create_task(user(pilot, screen, filters, stop))
                lives = asyncio.create_task(live_runs(direct, suite, seconds, known, started, rng))
                await weather(proxy, seconds, seen, rng)
                calm_at = time.monotonic()
                stop.set()
                keys = await acting
                await lives
                recovered = await until(
                    lambda: any(t > calm_at for t in recorder.merged) and screen.failure is None,
                    90,
                )
                recovery = min((t for t in recorder.merged if t > calm_at), default=None)
                after_calm = [w for t, w in recorder.refreshes if t >= calm_at]
                tries = next(
                    (i + 1 for i, w in enumerate(after_calm) if w.state is WorkerState.SUCCESS),
                    0 if recovered else None,  # 0: the refresh under way at the calm did it
                )
                # Let the live runs finish, then one more refresh, then every page.
                deadline = time.monotonic() + 90
                while time.monotonic() < deadline:
                    runs = [await direct.get_run(run.id) for run in started]
                    if all(is_terminal(run.status) for run in runs):
                        break
                    await asyncio.sleep(0.5)
                settled_at = time.monotonic()
                await until(lambda: any(t > settled_at for t in recorder.merged), 30)
                while screen.run_list.has_more:
                    await pilot.press("end")
                    await pilot.pause(0.3)
                await pilot.pause(0.3)
                truth = await backend_truth(direct, suite)
                shown = shown_truth(screen)
                sampler.cancel()
        except Exception as error:  # the point is to notice any crash
            crashed = error
        faults, fault_count = fault_line(proxy), sum(proxy.fault_counts().values())
    if crashed is not None:
        result.require(
            "the app kept running", False, f"the app kept running (it crashed: {crashed!r})"
        )
        return result
    refreshes = Recorder.outcome([w for _, w in recorder.refreshes])
    pages = Recorder.outcome(recorder.pages)
    statuses = Counter(status for _, status in truth)
    result.say(f"runs: {BULK} bulk + {len(started)} live ({dict(statuses)}); pages of {PAGE}")
    result.say(f"weather: {seconds:g} s of storm ({STORM_SECONDS:g} s) / outage")
    result.say(f"  ({OUTAGE_SECONDS:g} s) in turn, then calm; auto-refresh every {REFRESH:g} s")
    result.say(f"faults injected: {faults}")
    result.say(f"refreshes: {dict(refreshes)}; page loads: {dict(pages)}")
    result.say(f"user keys: {sum(keys.values())} {dict(keys)}")
    result.say(
        f"screen samples: {seen.samples:,}; failing: {seen.failing:,} "
        f"(banner shown in {seen.failing_with_banner:,}); titles: {dict(seen.titles)}"
    )
    rss = rss_mb()
    result.say(f"dashboard RSS at the end: {rss:.0f} MB")
    figures = result.figures
    figures.add("faults injected", fault_count)
    figures.add("refreshes that worked", refreshes["worked"])
    figures.add("refreshes that failed", refreshes["failed"])
    figures.add("page loads that worked", pages["worked"])
    figures.add("page loads that failed", pages["failed"])
    figures.add("screen samples", seen.samples)
    figures.add("samples while a load had failed", seen.failing)
    figures.add("outages", len(seen.outages))
    figures.add("dashboard RSS at the end", rss, "MB")
    result.require("the app kept running", True, "the app never crashed")
    unexpected = seen.titles.get("Unexpected error", 0)
    result.require(
        "no unexpected error", unexpected == 0, f"no failure was an unexpected error ({unexpected})"
    )
    result.require(
        "banner whenever a load had failed",
        seen.failing_with_banner == seen.failing,
        f"the banner showed whenever a load had failed ({seen.failing_with_banner}"
        f"/{seen.failing} samples)",
    )
    result.require(
        "no stuck banner", seen.stuck_banner == 0, f"no stuck banner ({seen.stuck_banner} samples)"
    )
    delays = [o.banner_at - o.start for o in seen.outages if o.banner_at is not None]
    figures.add("banner after an outage began, worst", max(delays, default=0), "s")
    result.require(
        "every outage showed the banner",
        len(delays) == len(seen.outages) > 0,
        f"every outage showed the banner ({len(delays)}/{len(seen.outages)}; "
        f"after {min(delays, default=0):.1f}-{max(delays, default=0):.1f} s)",
    )
    result.require(
        "rows never doubled, out of order or off the filter",
        not seen.row_problems,
        f"rows never doubled, out of order or off the quick filter "
        f"({dict(seen.row_problems) or 'none'}; quick filter checked in "
        f"{seen.quick_samples} samples)",
    )
    result.require(
        "paging never stalled",
        seen.paging_stalls == 0,
        f"paging never stalled at the end of the list ({seen.paging_stalls} times"
        f"{': ' if seen.stall_notes else ''}{'; '.join(seen.stall_notes)})",
    )
    strangers = seen.unknown_ids - {run_id for run_id, _ in truth}
    result.require(
        "every row a run the backend holds",
        not strangers,
        f"every row shown was a run the backend holds ({len(strangers)} not)",
    )
    if recovery is not None:
        figures.add("recovery after the calm", recovery - calm_at, "s")
    result.require(
        "recovered by itself after the calm",
        bool(recovered and tries is not None and tries <= recover_within),
        f"recovered by itself after the calm: {tries} refresh(es) "
        f"(≤ {recover_within}), {(recovery or 0) - calm_at:.2f} s",
    )
    result.require(
        "final list equals the backend's",
        shown == truth,
        f"final list equals the backend's ({len(shown)} shown, {len(truth)} held; "
        f"ids, order and statuses)",
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--soak", type=float, metavar="SECONDS", help="same as --seconds")
    parser.add_argument("--seed", type=int, default=random.randrange(10_000))
    parser.add_argument("--recover-within", type=int, default=3, metavar="N")
    args = parser.parse_args()
    seconds = args.soak or args.seconds
    print(f"seed {args.seed}")
    with (
        tempfile.TemporaryDirectory(prefix="crownest-chaos-") as state,
        start_local_backend(
            Path(state), extra_args=["--test-hooks", "--cancel-grace", "1"]
        ) as backend,
    ):
        result = asyncio.run(chaos(backend, seconds, args.seed, args.recover_within))
    print("\n".join(result.lines))
    return result.figures.finish()


if __name__ == "__main__":
    sys.exit(main())
