"""Snapshot of the colour corpus: what a run's terminal would show, in the log view."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from crownest_tui.ui.log import OutputChunk, Stream
from tests.ui.colour_corpus import PARTS, SHOWN
from tests.ui.log_helpers import LogApp


async def feed_corpus(pilot: Pilot[None]) -> None:
    assert isinstance(pilot.app, LogApp)
    view = pilot.app.log_view
    for seq, (stream, text) in enumerate(PARTS):
        kind: Stream = "stderr" if stream == "stderr" else "stdout"
        view.append([OutputChunk(kind, text, seq)])
    view.flush()
    await pilot.pause()


def test_log_view_colour_corpus(snap_compare: Any) -> None:
    assert snap_compare(LogApp(), terminal_size=(60, len(SHOWN) + 2), run_before=feed_corpus)
