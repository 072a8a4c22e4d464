"""Snapshots of folded CI sections: output captured from real runs of the local backend,
each line given a fixed time (so durations do not depend on the machine's speed)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from crownest_tui.api.events import StderrEvent, StdoutEvent
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.log import OutputChunk, Stream
from tests.ui.log_helpers import LogApp
from tests.ui.test_detail import client_of, start_run
from tests.ui.test_log_sections import FAILING, SECTIONS

FROZEN = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)
TERMINAL = {"succeeded", "failed", "canceled"}


async def captured(backend: LocalBackendProcess, script: str) -> list[tuple[Stream, str]]:
    """The lines a real run wrote, in the order the backend stored them."""
    async with client_of(backend) as client:
        run_id = await start_run(client, "python3 gen.py", {"gen.py": script})
        for _ in range(1500):
            if (await client.get_run(run_id)).status in TERMINAL:
                break
            await asyncio.sleep(0.02)
        page = await client.replay_events(run_id)
    texts: dict[Stream, str] = {"stdout": "", "stderr": ""}
    lines: list[tuple[Stream, str]] = []
    for event in page.events:
        if isinstance(event, (StdoutEvent, StderrEvent)):
            stream: Stream = event.type
            texts[stream] += event.data
            *done, texts[stream] = texts[stream].split("\n")
            lines += [(stream, line) for line in done]
    return lines


@pytest.fixture(scope="module")
def section_lines(backend: LocalBackendProcess) -> list[tuple[Stream, str]]:
    return asyncio.run(captured(backend, SECTIONS))


@pytest.fixture(scope="module")
def failing_lines(backend: LocalBackendProcess) -> list[tuple[Stream, str]]:
    return asyncio.run(captured(backend, FAILING))


def fed(
    lines: list[tuple[Stream, str]], failed: bool, *keys: str
) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        assert isinstance(pilot.app, LogApp)
        view = pilot.app.log_view
        view.append(
            [
                OutputChunk(stream, text + "\n", n, FROZEN + timedelta(milliseconds=700 * n))
                for n, (stream, text) in enumerate(lines)
            ]
        )
        view.set_run_state(active=False, failed=failed)
        view.flush()
        await pilot.pause()
        await pilot.press(*keys)
        view.flush()
        await pilot.pause()

    return run_before


def test_sections_folded_after_a_run(snap_compare: Any, section_lines: Any) -> None:
    assert snap_compare(LogApp(), terminal_size=(72, 16), run_before=fed(section_lines, False))


def test_sections_all_open(snap_compare: Any, section_lines: Any) -> None:
    run_before = fed(section_lines, False, "Z", "Z", "g")
    assert snap_compare(LogApp(), terminal_size=(72, 24), run_before=run_before)


def test_the_failing_section_is_open(snap_compare: Any, failing_lines: Any) -> None:
    assert snap_compare(LogApp(), terminal_size=(72, 10), run_before=fed(failing_lines, True))


def test_the_section_outline(snap_compare: Any, section_lines: Any) -> None:
    run_before = fed(section_lines, False, "O", *"te")
    assert snap_compare(LogApp(), terminal_size=(72, 20), run_before=run_before)
