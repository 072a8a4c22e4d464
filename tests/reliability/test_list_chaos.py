"""The runs list through a stormy network (issue 6): it keeps working, says it is
failing while it is, and once the weather calms it recovers by itself to exactly
what the backend holds. ``bench/chaos_list.py`` is the long version with figures.
"""

from __future__ import annotations

import asyncio
import gc
import random
import time
import weakref
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from crownest_tui.api import CrowNestClient
from crownest_tui.core import memory
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.screens.runs import RunsScreen
from crownest_tui.ui.widgets.error_banner import ErrorBanner
from crownest_tui.ui.widgets.runs_table import AFTER_PAINT_DELAY
from tests.faultproxy import FaultPlan, FaultProxy
from tests.local.support import client_for as http_for
from tests.local.support import start_run, wait_for
from tests.ui.conftest import (
    RecordingApp,
    api_ids,
    client_for,
    hook,
    runs_screen,
    settle,
    suite_runs,
)

SEED = 20_261_128


def proxied(backend: LocalBackendProcess, proxy: FaultProxy) -> CrowNestClient:
    """A client that gives up soon, so the weather reaches the screen."""
    return CrowNestClient(api_key=backend.token, base_url=proxy.url, max_attempts=2, timeout=1.0)


def banner_says(screen: RunsScreen) -> str:
    banner = screen.query_one(ErrorBanner)
    return str(banner.render()).strip() if banner.has_class("-shown") else ""


async def until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


def table_truth(screen: RunsScreen) -> list[tuple[str, str]]:
    return [(run.id, str(run.status)) for run in screen.table._rows]


async def test_list_survives_a_storm_and_recovers_to_the_backend_list(
    backend: LocalBackendProcess,
) -> None:
    filters = suite_runs(backend, 120)
    suite = filters.metadata_dict
    port = urlsplit(backend.url).port
    assert port is not None
    async with (
        http_for(backend) as http,
        FaultProxy(port, FaultPlan.calm(), seed=SEED) as proxy,
        proxied(backend, proxy) as client,
        CrowNestClient(api_key=backend.token, base_url=backend.url) as direct,
    ):
        app = RecordingApp(client, filters=filters, refresh_interval=0.2, page_size=30)
        async with app.run_test(size=(160, 40)) as pilot:
            screen = runs_screen(app)
            assert await until(lambda: screen.run_list.loaded, 10)
            # Loads that succeeded: a refresh that brings the page merged last merges
            # nothing (the idle list, issue 13), so this counts successes, not merges; the
            # table is checked against the backend's own list at the end.
            merged: list[float] = []
            loaded = screen._loaded

            def note_success(*, changed: bool = True) -> None:
                loaded(changed=changed)
                merged.append(time.monotonic())

            screen._loaded = note_success  # type: ignore[method-assign]
            lies: list[str] = []

            async def watch() -> None:  # the banner must tell the truth all along
                late = False
                while True:
                    await asyncio.sleep(0.05)
                    failing, said = screen.failure is not None, banner_says(screen)
                    if failing and not said:
                        lies.append("failing without a banner")
                    if said and not failing:
                        if late:
                            lies.append("a banner with nothing failing")
                        late = True  # one sample of grace for the repaint
                    else:
                        late = False
                    ids = screen.table.shown_ids
                    if len(set(ids)) != len(ids):
                        lies.append("a doubled row")

            watcher = asyncio.create_task(watch())
            live = [
                await start_run(http, "sleep 1", metadata=suite),
                await start_run(http, "sleep 2; exit 3", metadata=suite),
            ]
            dropping = asyncio.create_task(proxy.drop_now_and_then(random.Random(SEED)))
            proxy.plan = FaultPlan.stormy()
            for _ in range(4):  # page on through the storm
                await pilot.press("end")
                await asyncio.sleep(0.4)
            await pilot.press("slash", *"bulk 1")
            await asyncio.sleep(0.5)
            assert all("bulk 1" in run.command for run in screen.table._rows)
            await pilot.press("escape")

            proxy.plan = FaultPlan.outage()
            proxy.drop_connections()
            assert await until(lambda: bool(banner_says(screen)), 3), "the outage went unseen"
            assert screen.table.row_count > 0  # the last good data stays on screen
            proxy.plan = FaultPlan.stormy()
            await asyncio.sleep(1.5)

            dropping.cancel()
            proxy.plan = FaultPlan.calm()
            calm_at = time.monotonic()
            assert await until(
                lambda: screen.failure is None and any(t > calm_at for t in merged), 10
            ), "the list did not recover by itself"
            for run in live:
                await wait_for(http, run["id"])
            settled_at = time.monotonic()
            assert await until(lambda: any(t > settled_at for t in merged), 10)
            for _ in range(10):
                if not screen.run_list.has_more:
                    break
                await pilot.press("end")
                await until(lambda: not screen.busy("load"), 5)
            await asyncio.sleep(0.3)
            watcher.cancel()

            truth = [(run.id, str(run.status)) async for run in direct.iter_runs(metadata=suite)]
            assert len(truth) == 122 and {"succeeded", "failed"} <= {s for _, s in truth}
            assert table_truth(screen) == truth
            assert not banner_says(screen)
            assert lies == []
            faults = proxy.fault_counts()
            assert faults["dropped live"] > 0 and sum(faults.values()) >= 5
    await client.aclose()


async def test_a_page_that_failed_loads_once_the_api_is_back(
    backend: LocalBackendProcess,
) -> None:
    """The cursor waits at the end of the list while the next page fails to load;
    when the API answers again the page arrives without another key press."""
    filters = suite_runs(backend, 60)
    port = urlsplit(backend.url).port
    assert port is not None
    async with FaultProxy(port, FaultPlan.calm(), seed=SEED) as proxy:
        client = proxied(backend, proxy)
        app = RecordingApp(client, filters=filters, refresh_interval=0.2, page_size=25)
        async with app.run_test(size=(160, 40)) as pilot:
            screen = runs_screen(app)
            assert await until(lambda: screen.table.row_count == 25, 10)
            proxy.plan = FaultPlan.outage()
            proxy.drop_connections()
            await pilot.press("end")
            assert await until(lambda: bool(banner_says(screen)), 5)
            assert screen.table.row_count == 25 and screen.run_list.has_more

            proxy.plan = FaultPlan.calm()
            assert await until(lambda: screen.table.row_count >= 50, 10), (
                "the next page never loaded"
            )
            assert screen.table.cursor_row == 24  # the user did not move
            assert await until(lambda: screen.failure is None, 5)
            async with client_for(backend) as direct:
                expected = await api_ids(direct, metadata=filters.metadata_dict)
            assert screen.table.shown_ids == expected[: screen.table.row_count]
        await client.aclose()


class _Cycle:
    """An object that only the cycle collector can free."""

    def __init__(self) -> None:
        self.me = self


async def test_refreshes_do_not_keep_garbage_for_ever(
    backend: LocalBackendProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each load that brings new runs freezes the objects alive (fast collections at
    10,000 runs); one that turns into cyclic garbage later must still be freed, or
    every refresh leaks."""
    monkeypatch.setattr(memory, "FULL_COLLECTION_GROWTH", 0.0)  # every load
    filters = suite_runs(backend, 3)
    one_more = {"count": 1, "status": "succeeded", "metadata": dict(filters.metadata)}
    app = RecordingApp(client_for(backend), filters=filters, refresh_interval=0)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            cycle = _Cycle()
            alive = weakref.ref(cycle)
            hook(backend, "bulk-runs", one_more)
            await pilot.press("r")  # a load: the cycle is alive, so it gets frozen
            await settle(pilot)
            assert gc.get_freeze_count() > 0
            del cycle  # now garbage, but frozen
            hook(backend, "bulk-runs", one_more)
            await pilot.press("r")
            await settle(pilot)
            assert alive() is None, "a frozen cycle outlived the next full collection"
    finally:
        gc.unfreeze()
        await app.client.aclose()


async def test_a_refresh_that_brings_nothing_new_freezes_nothing(
    backend: LocalBackendProcess,
) -> None:
    """An idle list does not grow the frozen set (what it freezes is never collected
    while frozen) every few seconds."""
    app = RecordingApp(client_for(backend), filters=suite_runs(backend, 3), refresh_interval=0)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            await pilot.pause(AFTER_PAINT_DELAY * 2)  # the first page's rows are out
            frozen = gc.get_freeze_count()
            assert frozen > 0  # the first page froze what was alive
            for _ in range(3):
                await pilot.press("r")
                await settle(pilot)
            assert gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
        await app.client.aclose()
