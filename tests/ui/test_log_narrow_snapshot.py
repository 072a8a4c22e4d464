"""Snapshots of find and narrow: filter chips with the hidden count, context, a mark,
the delta time column (slow steps stand out) and JSON lines coloured by level."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from textual.pilot import Pilot

from crownest_tui.ui.log import OutputChunk
from tests.ui.log_helpers import LogApp

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
STEPS = [
    ("stdout", "$ make build", 0.0),
    ("stdout", "compiling core", 0.2),
    ("stdout", "compiling ui", 0.3),
    ("stderr", "warning: slow disk", 2.8),
    ("stdout", "linking", 3.0),
    ("stderr", "error: undefined symbol main", 3.1),
    ("stdout", "cleaning up", 3.2),
    ("stdout", json.dumps({"level": "error", "msg": "build failed", "code": 2}), 3.3),
    ("stdout", json.dumps({"severity": "warning", "msg": "cache cold"}), 3.4),
    ("stdout", "done", 6.0),
]


def feed(pilot: Pilot[None]) -> None:
    assert isinstance(pilot.app, LogApp)
    view = pilot.app.log_view
    view.append(
        [
            OutputChunk(stream, f"{text}\n", seq, START + timedelta(seconds=at))  # type: ignore[arg-type]
            for seq, (stream, text, at) in enumerate(STEPS, start=1)
        ]
    )
    view.flush()


def test_filters_with_context_and_their_chips(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        feed(pilot)
        await pilot.pause()
        await pilot.press("ampersand", *"error", "enter")
        await pilot.press("minus", *"symbol", "enter")
        await pilot.press("C", "1", "enter")
        await pilot.pause(0.2)

    assert snap_compare(LogApp(), terminal_size=(64, 12), run_before=run_before)


def test_delta_times_marks_and_json_levels(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        feed(pilot)
        await pilot.pause()
        await pilot.press("t", "t", "t")  # event time, since the start, delta
        assert isinstance(pilot.app, LogApp)
        pilot.app.log_view.cursor = 5
        await pilot.press("g", "m")
        await pilot.pause()

    assert snap_compare(LogApp(), terminal_size=(64, 12), run_before=run_before)
