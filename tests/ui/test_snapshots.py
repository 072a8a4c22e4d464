"""Snapshots of the runs list at a frozen time over fixed data (no clock, no random ids)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from crownest_tui.api import CrowNestError
from crownest_tui.core.filters import RunFilters
from crownest_tui.ui.app import CrowNestApp

from .conftest import settle
from .fakes import FROZEN_NOW, FakeClient

SIZE = (150, 32)
SnapCompare = Callable[..., bool]


def _app(client: FakeClient | None = None, **kwargs: Any) -> CrowNestApp:
    return CrowNestApp(
        client or FakeClient(), refresh_interval=0, clock=lambda: FROZEN_NOW, **kwargs
    )


async def _settled(pilot: Pilot[None]) -> None:
    await settle(pilot)


def _then(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


def test_loading(snap_compare: SnapCompare) -> None:
    client = FakeClient()
    client.hold = asyncio.Event()  # never set: the first page never arrives
    assert snap_compare(_app(client), terminal_size=SIZE)


def test_list(snap_compare: SnapCompare) -> None:
    assert snap_compare(_app(), run_before=_settled, terminal_size=SIZE)


def test_list_at_80x24(snap_compare: SnapCompare) -> None:
    """Status, run, command, age and duration fit; ``→`` says more wait on the right."""
    assert snap_compare(_app(), run_before=_settled, terminal_size=(80, 24))


def test_list_at_80x24_shifted_to_the_last_columns(snap_compare: SnapCompare) -> None:
    assert snap_compare(_app(), run_before=_then("ctrl+pagedown"), terminal_size=(80, 24))


def test_list_at_200x50(snap_compare: SnapCompare) -> None:
    """Every column, the spare width in Command."""
    assert snap_compare(_app(), run_before=_settled, terminal_size=(200, 50))


def test_help_at_80x24(snap_compare: SnapCompare) -> None:
    assert snap_compare(_app(), run_before=_then("question_mark"), terminal_size=(80, 24))


def test_empty(snap_compare: SnapCompare) -> None:
    assert snap_compare(_app(FakeClient(runs=[])), run_before=_settled, terminal_size=SIZE)


def test_filtered(snap_compare: SnapCompare) -> None:
    app = _app(filters=RunFilters.build(status="terminal", metadata={"branch": "main"}))
    assert snap_compare(app, run_before=_then("slash", *"build", "enter"), terminal_size=SIZE)


def test_error_banner(snap_compare: SnapCompare) -> None:
    client = FakeClient()

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        client.fail = CrowNestError(
            "Try again later.", code="unavailable", status=503, details={"region": "eu"}
        )
        await pilot.press("r")
        await settle(pilot)

    assert snap_compare(_app(client), run_before=run_before, terminal_size=SIZE)


def test_confirm_cancel(snap_compare: SnapCompare) -> None:
    assert snap_compare(_app(), run_before=_then("down", "c"), terminal_size=SIZE)


def test_help(snap_compare: SnapCompare) -> None:
    assert snap_compare(_app(), run_before=_then("question_mark"), terminal_size=(150, 50))


def test_welcome(snap_compare: SnapCompare) -> None:
    client = FakeClient()
    client.connection = type(client.connection)(base_url="http://127.0.0.1:9", credential=None)
    assert snap_compare(_app(client), terminal_size=SIZE)
