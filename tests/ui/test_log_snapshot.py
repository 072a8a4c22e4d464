"""Snapshots of the log view with mixed stdout/stderr/ANSI (and hostile) content."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from crownest_tui.ui.log import OutputChunk
from tests.ui.log_helpers import LogApp

ESC = "\x1b"
CONTENT = [
    OutputChunk("stdout", f"$ make test{ESC}]0;owned title\x07\n", 1),
    OutputChunk("stdout", f"{ESC}[1mcollecting{ESC}[0m 42 items\n", 2),
    OutputChunk("stdout", f"tests/test_a.py {ESC}[32m....{ESC}[0m {ESC}[2J[ 50%]\n", 3),
    OutputChunk("stderr", f"{ESC}[33mwarning:{ESC}[0m deprecated call\n", 4),
    OutputChunk("stdout", f"tests/test_b.py {ESC}[31mF{ESC}[0m\t[100%]\n", 5),
    OutputChunk("stderr", f"error: 1 failed{ESC}]52;c;cm0gLXJm\x07\n", 6),
    OutputChunk("stdout", f"{ESC}[1;38;5;208mdownloading{ESC}[0m 10%\r", 7),
    OutputChunk("stdout", f"{ESC}[1;38;5;208mdownloading{ESC}[0m 100%\n", 8),
    OutputChunk("stdout", "emoji 🚀 wide 漢字 combining e\u0301 end\n", 9),
    OutputChunk("stdout", "partial line still grow", 10),
]


def feed(long_lines: bool = False) -> Any:
    async def run_before(pilot: Pilot[None]) -> None:
        assert isinstance(pilot.app, LogApp)
        view = pilot.app.log_view
        view.append(CONTENT)
        if long_lines:
            view.append([OutputChunk("stderr", "long " + "x" * 120 + " tail\n", 11)])
        view.flush()
        await pilot.pause()

    return run_before


def test_log_view_mixed_output(snap_compare: Any) -> None:
    assert snap_compare(LogApp(), terminal_size=(64, 14), run_before=feed())


def test_log_view_wrapped_search_paused(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await feed(long_lines=True)(pilot)
        await pilot.press("w", "g", "slash", *"fail", "enter")
        assert isinstance(pilot.app, LogApp)
        pilot.app.log_view.flush()
        await pilot.pause()

    assert snap_compare(LogApp(), terminal_size=(64, 16), run_before=run_before)


def test_log_view_search_while_typing(snap_compare: Any) -> None:
    """The query shows in the one-row bar while the input has the focus."""

    async def run_before(pilot: Pilot[None]) -> None:
        await feed()(pilot)
        await pilot.press("slash", *"re:fail|warn")
        await pilot.pause()

    assert snap_compare(LogApp(), terminal_size=(64, 14), run_before=run_before)
