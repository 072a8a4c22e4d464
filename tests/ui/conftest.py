"""UI test helpers: clients for the local backend, test hooks, and waiting for the app."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Footer
from textual.widgets._footer import FooterKey
from textual.worker import WorkerState

from crownest_tui.api import CrowNestClient
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.app import CrowNestApp
from crownest_tui.ui.screens.runs import RunsScreen
from crownest_tui.ui.widgets.context_bar import ContextBar


def hook(backend: LocalBackendProcess, path: str, body: dict[str, Any]) -> Any:
    """Call a ``/v1/_test`` hook of the backend (tests only; the UI never does this)."""
    response = httpx.post(
        f"{backend.url}/v1/_test/{path}",
        json=body,
        headers={"Authorization": f"Bearer {backend.token}"},
        timeout=60,
    )
    response.raise_for_status()
    return response.json()


def new_suite() -> str:
    """A unique metadata value that fences one test's runs off from the others."""
    return uuid.uuid4().hex[:12]


def suite_runs(backend: LocalBackendProcess, count: int, status: str = "succeeded") -> RunFilters:
    """Bulk-create ``count`` runs fenced off by a fresh ``suite`` value; the filters
    that show exactly them."""
    suite = new_suite()
    body = {"count": count, "status": status, "metadata": {"suite": suite}}
    hook(backend, "bulk-runs", body)
    return RunFilters.build(metadata={"suite": suite})


def suite_app(
    backend: LocalBackendProcess, count: int, status: str = "succeeded", **options: Any
) -> RecordingApp:
    """An app (manual refresh unless told) over ``count`` fresh runs of its own."""
    filters = suite_runs(backend, count, status)
    return RecordingApp(
        client_for(backend), **{"refresh_interval": 0, **options, "filters": filters}
    )


def client_for(backend: LocalBackendProcess, token: str | None = None) -> CrowNestClient:
    return CrowNestClient(api_key=token or backend.token, base_url=backend.url)


async def settle(pilot: Pilot[None], seconds: float = 20.0) -> None:
    """Wait until no worker of the app is pending or running, then let it repaint."""
    busy = (WorkerState.PENDING, WorkerState.RUNNING)
    for _ in range(int(seconds / 0.01)):
        await pilot.pause()
        if not any(worker.state in busy for worker in pilot.app.workers):
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the app's workers did not finish")
    await pilot.pause()


def runs_screen(app: CrowNestApp) -> RunsScreen:
    screen = app.runs_screen
    assert screen is not None
    return screen


def context_line(app: CrowNestApp) -> str:
    """The where-am-I line of the screen on top (checked to be one row, at the top)."""
    bar = app.screen.query_one(ContextBar)
    assert bar.region.height == 1 and bar.region.y == 0
    return str(bar.whereabouts)


def footer_keys(app: App[Any]) -> dict[str, str]:
    """Footer entries wholly on screen: action -> "key description"."""
    width = app.size.width
    keys = app.screen.query_one(Footer).query(FooterKey)
    return {
        k.action: f"{k.key_display} {k.description}"
        for k in keys
        if k.region.width and k.region.right <= width
    }


def shown_ids(app: CrowNestApp) -> list[str]:
    return list(runs_screen(app).table.shown_ids)


async def api_ids(client: CrowNestClient, **query: Any) -> list[str]:
    """What the API itself returns for a query, all pages."""
    return [run.id async for run in client.iter_runs(**query)]


class RecordingApp(CrowNestApp):
    """The app, remembering every notification it shows (title and message)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notes: list[tuple[str, str]] = []

    def notify(self, message: str, *, title: str = "", **kwargs: Any) -> None:
        self.notes.append((title, message))
        super().notify(message, title=title, **kwargs)

    def said(self, fragment: str) -> bool:
        return any(fragment in f"{title} {message}" for title, message in self.notes)
