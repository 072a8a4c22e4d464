"""The Insights tests' backend: a fresh local backend holding the known week
(``tests/insights_week.py``), and an app over it at the week's frozen time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from textual.pilot import Pilot

from crownest_tui.api import Connection, CrowNestClient, Secret
from crownest_tui.core.defaults import LOCAL_SOURCE
from crownest_tui.local.process import LocalBackendProcess, start_local_backend
from crownest_tui.ui.screens.insights import InsightsScreen
from tests.conftest import FAST
from tests.insights_week import WEEK_NOW, SeededWeek, seed_week

from .conftest import RecordingApp, settle


@pytest.fixture(scope="module")
def week(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LocalBackendProcess, SeededWeek]]:
    """One backend per test module, seeded once (tests only read it)."""
    with start_local_backend(tmp_path_factory.mktemp("week"), extra_args=FAST) as backend:
        yield backend, seed_week(backend)


def local_client(backend: LocalBackendProcess) -> CrowNestClient:
    """A client the context line calls "local" (not the backend's random port)."""
    connection = Connection(
        base_url=backend.url, credential=Secret(backend.token), base_url_source=LOCAL_SOURCE
    )
    return CrowNestClient(connection=connection)


def week_app(backend: LocalBackendProcess, **options: Any) -> RecordingApp:
    """The dashboard at the week's frozen time, opening on Insights (24 h)."""
    return RecordingApp(
        local_client(backend),
        refresh_interval=0,
        clock=lambda: WEEK_NOW,
        concurrency=25,
        **{"insights": "24h", **options},
    )


def insights_screen(pilot: Pilot[None]) -> InsightsScreen:
    screen = pilot.app.screen
    assert isinstance(screen, InsightsScreen), screen
    return screen


@asynccontextmanager
async def insights_open(
    backend: LocalBackendProcess, size: tuple[int, int] = (80, 24), **options: Any
) -> AsyncIterator[tuple[Pilot[None], InsightsScreen]]:
    """The app opened on Insights over the week, every page in and the charts drawn."""
    async with week_app(backend, **options).run_test(size=size) as pilot:
        await settle(pilot)
        yield pilot, insights_screen(pilot)
