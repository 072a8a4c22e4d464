"""LogView: a run's stdout and stderr, live, at any size.

Feed it with :meth:`LogView.append` (one call per network batch). Text is spooled to
disk and only visible lines are rendered, at most once a frame: the first write after
a quiet spell arms a one-shot frame timer, and every write until it fires joins that
frame. A view with nothing new runs no timer at all. See :mod:`crownest_tui.ui.log`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer

from crownest_tui.ui.log.chunk import OutputChunk, StreamFilter
from crownest_tui.ui.log.lines import LogLines
from crownest_tui.ui.log.save import write_transcript
from crownest_tui.ui.log.search_bar import SearchBar
from crownest_tui.ui.log.search_control import SearchController
from crownest_tui.ui.log.transcript import Transcript

FRAME = 1 / 60
"""Seconds from the first write after a quiet spell to the repaint that shows it."""
NEXT_STREAMS: dict[StreamFilter, StreamFilter] = {
    "all": "stdout",
    "stdout": "stderr",
    "stderr": "all",
}


class LogView(Vertical):
    """The live transcript of a run: follow, search, wrap, times, stream filter, save."""

    DEFAULT_CSS = """
    LogView { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f,end,G", "follow", "Follow", id="log.follow", tooltip="Follow new output"),
        Binding("g,home", "top", "Top", id="log.top", tooltip="Go to the first line"),
        Binding("slash", "search", "Search", id="log.search", tooltip="Search (text or regex)"),
        Binding("n", "next_match", "Next", id="log.next_match", tooltip="Next match"),
        Binding("N", "previous_match", "Prev", id="log.previous_match", tooltip="Previous match"),
        Binding("w", "toggle_wrap", "Wrap", id="log.wrap", tooltip="Wrap long lines on/off"),
        Binding("t", "toggle_times", "Times", id="log.times", tooltip="Show event times"),
        Binding("o", "cycle_streams", "Streams", id="log.streams", tooltip="all/stdout/stderr"),
        Binding("ctrl+s", "save", "Save", id="log.save", tooltip="Save the transcript"),
    ]

    follow: reactive[bool] = reactive(True, init=False)
    """Keep the newest line in sight. Scrolling up turns it off; ``f``/``end``/``G`` on."""
    wrap: reactive[bool] = reactive(False, init=False)
    """Wrap long lines (``w``)."""
    show_times: reactive[bool] = reactive(False, init=False)
    """Show each line's event time (``t``)."""
    stream_filter: reactive[StreamFilter] = reactive[StreamFilter]("all", init=False)
    """Which streams are shown (``o`` cycles ``all`` → ``stdout`` → ``stderr``)."""
    new_lines: reactive[int] = reactive(0, init=False)
    """Lines that arrived while not following (the ``+N new lines`` badge)."""

    class FollowChanged(Message):
        """Follow mode turned on or off (bursts collapse to the latest)."""

        def __init__(self, log_view: LogView, follow: bool) -> None:
            super().__init__()
            self.log_view = log_view
            self.follow = follow

        @property
        def control(self) -> LogView:
            return self.log_view

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LogView.FollowChanged)

    class Saved(Message):
        """The transcript was saved to ``path`` (``lines`` lines)."""

        def __init__(self, log_view: LogView, path: Path, lines: int) -> None:
            super().__init__()
            self.log_view, self.path, self.lines = log_view, path, lines

        @property
        def control(self) -> LogView:
            return self.log_view

    class SaveFailed(Message):
        """Saving to ``path`` failed with ``error``."""

        def __init__(self, log_view: LogView, path: Path, error: str) -> None:
            super().__init__()
            self.log_view, self.path, self.error = log_view, path, error

        @property
        def control(self) -> LogView:
            return self.log_view

    def __init__(
        self,
        *,
        save_directory: Path | None = None,
        save_name: str = "transcript",
        spool_directory: Path | None = None,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 (Textual's name)
        classes: str | None = None,
    ) -> None:
        """``save_directory`` (default: the current directory) receives ``ctrl+s``
        files named ``<save_name>-<local time>.log``; ``spool_directory`` holds the
        temporary spool (default: the system temp dir)."""
        super().__init__(name=name, id=id, classes=classes)
        self.transcript = Transcript(spool_directory)
        self.save_directory = save_directory
        self.save_name = save_name
        self._dirty = True
        self._paused_at = 0
        self._frame: Timer | None = None
        # Held, not queried: a frame may come due while the view is being removed,
        # after its children have gone.
        self._lines = LogLines(self.transcript)

    @property
    def lines(self) -> LogLines:
        """The scrolling body."""
        return self._lines

    @property
    def search_bar(self) -> SearchBar:
        """The search input."""
        return self.query_one(SearchBar)

    def compose(self) -> ComposeResult:
        yield self._lines
        yield SearchBar()

    def on_mount(self) -> None:
        self._search = SearchController(self.transcript, self.lines, self.search_bar)
        self._schedule_frame()  # the first sync

    def on_unmount(self) -> None:
        self.transcript.close()

    def append(self, chunks: Sequence[OutputChunk]) -> None:
        """Add a batch of output; cheap: spooled now, shown at the next frame."""
        self.transcript.append(chunks)
        self._dirty = True
        self._schedule_frame()

    def flush(self) -> None:
        """Show pending output now (normally done at the next frame)."""
        self._dirty = True
        self._tick()

    # -- frames ----------------------------------------------------------------------

    def _schedule_frame(self) -> None:
        """Catch up at the next frame, unless one is already due."""
        if self._frame is None and self.is_mounted:
            self._frame = self.set_timer(FRAME, self._on_frame, name="log-frame")

    def _on_frame(self) -> None:
        self._frame = None
        self._tick()
        if self._search.indexing:  # a little more of the search index each frame
            self._schedule_frame()

    def on_log_lines_widened(self, event: LogLines.Widened) -> None:
        """A wider line was drawn: the horizontal scroll range grows at the next frame."""
        event.stop()
        self._dirty = True
        self._schedule_frame()

    def _tick(self) -> None:
        self._search.on_frame()
        if not self._dirty:
            return
        self._dirty = False
        lines = self.lines
        lines.sync()
        if not self.follow:
            self.new_lines = max(0, lines.view_count - self._paused_at)

    def watch_new_lines(self, count: int) -> None:
        self._update_badge()

    def _update_badge(self) -> None:
        lines = self.lines
        if self.follow:
            lines.badge = ""
        elif self.new_lines:
            lines.badge = f"+{self.new_lines:,} new lines · f to follow"
        else:
            lines.badge = "paused · f to follow"
        lines.refresh()

    # -- follow ----------------------------------------------------------------------

    def watch_follow(self, follow: bool) -> None:
        lines = self.lines
        lines.following = follow
        if follow:
            self.new_lines = 0
            lines.scroll_programmatically(lines.max_scroll_y)
        else:
            self._paused_at = lines.view_count
        self._update_badge()
        self.post_message(self.FollowChanged(self, follow))

    def on_log_lines_user_scrolled(self, event: LogLines.UserScrolled) -> None:
        event.stop()
        self.follow = event.at_end

    def on_log_lines_jump_requested(self, event: LogLines.JumpRequested) -> None:
        event.stop()
        self.action_follow() if event.end else self.action_top()

    def action_follow(self) -> None:
        """Resume following the newest output."""
        self.follow = True
        self.lines.sync()

    def action_top(self) -> None:
        """Pause and go to the first line."""
        self.follow = False
        self.lines.scroll_programmatically(0)

    # -- view options ----------------------------------------------------------------

    def action_toggle_wrap(self) -> None:
        """Wrap long lines on/off."""
        self.wrap = not self.wrap

    def action_toggle_times(self) -> None:
        """Show or hide event times."""
        self.show_times = not self.show_times

    def action_cycle_streams(self) -> None:
        """Show stdout+stderr, then stdout only, then stderr only."""
        self.stream_filter = NEXT_STREAMS[self.stream_filter]

    def _relayout(self, stream_filter: StreamFilter | None = None) -> None:
        lines = self.lines
        top = self._top_line()
        if stream_filter is not None:
            lines.stream_filter = stream_filter
            self._paused_at = self.transcript.count(stream_filter)
        lines.wrap, lines.show_times = self.wrap, self.show_times
        lines.invalidate()
        if not self.follow and top is not None:
            lines.show_position(self.transcript.rank(lines.stream_filter, top))

    def _top_line(self) -> int | None:
        lines = self.lines
        position = lines.top_position()
        if position >= self.transcript.count(lines.stream_filter):
            return None
        return self.transcript.select(lines.stream_filter, position)

    def watch_wrap(self) -> None:
        self._relayout()

    def watch_show_times(self) -> None:
        self._relayout()

    def watch_stream_filter(self, stream_filter: StreamFilter) -> None:
        self._relayout(stream_filter)

    # -- search ----------------------------------------------------------------------

    def action_search(self) -> None:
        """Open the search bar."""
        self.search_bar.open()

    def on_search_bar_changed(self, event: SearchBar.Changed) -> None:
        event.stop()
        self._search.set_query(event.text, event.regex)
        self._schedule_frame()  # indexing goes on frame by frame
        if event.submitted:
            if self._search.matches is not None:
                self.action_next_match()
            self.lines.focus()

    def on_search_bar_closed(self, event: SearchBar.Closed) -> None:
        event.stop()
        self.lines.focus()

    def action_next_match(self) -> None:
        """Go to the next line that matches the search."""
        self._go_to_match(forward=True)

    def action_previous_match(self) -> None:
        """Go to the previous line that matches the search."""
        self._go_to_match(forward=False)

    def _go_to_match(self, forward: bool) -> None:
        if self._search.matches is None:
            self.app.bell()
            return
        found = self._search.go(forward, self._top_line())
        if found is not None:
            self.follow = False
            lines = self.lines
            lines.show_position(self.transcript.rank(lines.stream_filter, found))

    # -- save ------------------------------------------------------------------------

    def action_save(self) -> None:
        """Save the whole transcript, escapes removed, to a new file."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        directory = self.save_directory or Path.cwd()
        path = directory / f"{self.save_name}-{stamp}.log"
        lines, partials = self.transcript.committed, self.transcript.partials()

        def save() -> None:
            try:
                written = write_transcript(self.transcript, path, lines, partials)
            except OSError as error:
                self.app.call_from_thread(self._save_failed, path, str(error))
            else:
                self.app.call_from_thread(self._saved, path, written)

        self.run_worker(save, thread=True, group="log-save", description=f"save {path}")

    def _saved(self, path: Path, lines: int) -> None:
        self.notify(f"{lines:,} lines saved to {path}", title="Log saved")
        self.post_message(self.Saved(self, path, lines))

    def _save_failed(self, path: Path, error: str) -> None:
        self.notify(error, title=f"Could not save {path.name}", severity="error")
        self.post_message(self.SaveFailed(self, path, error))
