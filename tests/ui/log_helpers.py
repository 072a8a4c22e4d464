"""A small app around LogView for the log tests, and helpers to feed and read it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from crownest_tui.ui.log import OutputChunk, Stream
from crownest_tui.ui.widgets.log_view import LogView


class LogApp(App[None]):
    """Just a LogView filling the screen."""

    def __init__(self, save_directory: Path | None = None) -> None:
        super().__init__()
        self.save_directory = save_directory
        self.follow_changes: list[bool] = []
        self.saved: list[LogView.Saved] = []

    def compose(self) -> ComposeResult:
        yield LogView(save_directory=self.save_directory, save_name="run")

    def on_log_view_follow_changed(self, event: LogView.FollowChanged) -> None:
        self.follow_changes.append(event.follow)

    def on_log_view_saved(self, event: LogView.Saved) -> None:
        self.saved.append(event)

    @property
    def log_view(self) -> LogView:
        return self.query_one(LogView)


def chunks(
    stream: Stream, texts: Iterable[str], time: datetime | None = None, seq: int = 0
) -> list[OutputChunk]:
    """One chunk per text, numbered from ``seq``."""
    return [OutputChunk(stream, text, seq + i, time) for i, text in enumerate(texts)]


def numbered(count: int, stream: Stream = "stdout", start: int = 0) -> list[OutputChunk]:
    """``count`` lines ``line <n>`` in one chunk."""
    text = "".join(f"line {n}\n" for n in range(start, start + count))
    return [OutputChunk(stream, text, start)]


def screen_rows(view: LogView) -> list[str]:
    """The text of every row of the log body as rendered now."""
    lines = view.lines
    return [lines.render_line(y).text for y in range(lines.size.height)]


def screen_text(app: App[None]) -> list[str]:
    """Every row of the whole screen as the terminal would show it (borders included)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def wait_until(
    pilot: Pilot[None],
    check: Callable[[], bool],
    within: float = 30,
    explain: Callable[[], str] | None = None,
) -> None:
    """Let the app run until ``check()`` holds (fails after ``within`` seconds, with
    ``explain()`` in the message when given)."""
    for _ in range(int(within / 0.02)):
        if check():
            return
        await pilot.pause(0.02)
    detail = f"; {explain()}" if explain is not None else ""
    raise AssertionError(f"condition not met in time{detail}")
