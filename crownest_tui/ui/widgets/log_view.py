"""LogView: a run's stdout and stderr, live, at any size.

Feed it with :meth:`LogView.append` (one call per network batch). Text is spooled to
disk and only visible lines are rendered, at most once a frame: the first write after
a quiet spell arms a one-shot frame timer, and every write until it fires joins that
frame. A view with nothing new runs no timer at all. See :mod:`crownest_tui.ui.log`.
The view's settings (follow, wrap, times, stream filter) are its reactives, handed
down to its lines with ``data_bind``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual import events
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer

from crownest_tui.core.chunk import OutputChunk, StreamFilter
from crownest_tui.core.error_lines import ErrorIndex, ErrorMatcher
from crownest_tui.core.save_folder import SaveFolder
from crownest_tui.ui.log.error_nav import ErrorNavigator
from crownest_tui.ui.log.filter_chips import FilterChips
from crownest_tui.ui.log.filter_prompt import FilterPrompt
from crownest_tui.ui.log.lines import LogLines
from crownest_tui.ui.log.marks import Marks
from crownest_tui.ui.log.narrow_control import NarrowController
from crownest_tui.ui.log.narrow_keys import NarrowKeys
from crownest_tui.ui.log.save import SavedLog, save_log
from crownest_tui.ui.log.search_bar import SearchBar
from crownest_tui.ui.log.search_control import SearchController
from crownest_tui.ui.log.sections_control import SECTION_BINDINGS, SectionsControl
from crownest_tui.ui.log.time_column import NEXT_MODE, TimeMode
from crownest_tui.ui.log.transcript import Transcript

from ...text.format import format_count

FRAME = 1 / 60
"""Seconds from the first write after a quiet spell to the repaint that shows it."""
NEXT_STREAMS: dict[StreamFilter, StreamFilter] = {
    "all": "stdout",
    "stdout": "stderr",
    "stderr": "all",
}


class LogView(NarrowKeys, Vertical):
    """The live transcript of a run: follow, search, wrap, times, stream filter, save;
    filters, marks and copying come from :class:`NarrowKeys`."""

    DEFAULT_CSS = """
    LogView { height: 1fr; }
    """
    # The footer shows only follow and search (the detail screen and the split tail
    # must fit theirs, with ? and q, in 80 columns); help (?) and the palette list the
    # rest, with their tooltips.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f,end,G", "follow", "Follow", id="log.follow", tooltip="Follow new output"),
        Binding("g,home", "top", "Top", show=False, id="log.top", tooltip="Go to the first line"),
        # A priority binding: it runs as the key arrives, before the keys typed after it
        # are handed to the focused widget, so a query typed in one burst (a paste, a
        # fast typist, tmux) lands in the search box and not on the log's own keys.
        Binding(
            "slash",
            "search",
            "Search",
            id="log.search",
            tooltip="Search (text or regex)",
            priority=True,
        ),
        Binding("n", "next_match", "Next", show=False, id="log.next_match", tooltip="Next match"),
        Binding(
            "N",
            "previous_match",
            "Prev",
            show=False,
            id="log.previous_match",
            tooltip="Previous match",
        ),
        Binding(
            "w", "toggle_wrap", "Wrap", show=False, id="log.wrap", tooltip="Wrap long lines on/off"
        ),
        Binding(
            "t",
            "toggle_times",
            "Times",
            show=False,
            id="log.times",
            tooltip="Time column: event time, since the start, since the previous line, off",
        ),
        Binding(
            "o",
            "cycle_streams",
            "Streams",
            show=False,
            id="log.streams",
            tooltip="Show all streams, stdout only or stderr only",
        ),
        Binding(
            "e",
            "next_error",
            "Next error",
            show=False,
            id="log.next_error",
            tooltip="Next error line (tracebacks, failed tests, compiler errors…)",
        ),
        Binding(
            "E",
            "previous_error",
            "Prev error",
            show=False,
            id="log.previous_error",
            tooltip="Previous error line",
        ),
        Binding("ctrl+s", "save", "Save", show=False, id="log.save", tooltip="Save the transcript"),
        *SECTION_BINDINGS,
        Binding(
            "l",
            "open_link",
            "Open link",
            show=False,
            id="log.open_link",
            tooltip="Open the link on the current match's line, or the lowest link in view",
        ),
        Binding(
            "escape", "close_search", "Close", id="log.close_search", tooltip="Close the search"
        ),
    ]

    # The view draws nothing itself (its lines, bound to these, repaint what changes):
    # repainting it too would redraw the whole screen behind them at each change.
    follow: reactive[bool] = reactive(True, init=False, repaint=False)
    """Keep the newest line in sight. Scrolling up turns it off; ``f``/``end``/``G`` on."""
    wrap: reactive[bool] = reactive(False, init=False, repaint=False)
    """Wrap long lines (``w``)."""
    show_times: reactive[bool] = reactive(False, init=False, repaint=False)
    """Show the time column (``t`` cycles :attr:`time_mode`; off hides it)."""
    time_mode: reactive[TimeMode] = reactive[TimeMode]("off", init=False, repaint=False)
    """What the time column shows: ``off`` → ``clock`` → ``since`` → ``delta``."""
    stream_filter: reactive[StreamFilter] = reactive[StreamFilter]("all", init=False, repaint=False)
    """Which streams are shown (``o`` cycles ``all`` → ``stdout`` → ``stderr``)."""
    new_lines: reactive[int] = reactive(0, init=False, repaint=False)
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
        """Saving (to ``path``, a file or the folder meant for it) failed with ``error``."""

        def __init__(self, log_view: LogView, path: Path, error: str) -> None:
            super().__init__()
            self.log_view, self.path, self.error = log_view, path, error

        @property
        def control(self) -> LogView:
            return self.log_view

    def __init__(
        self,
        *,
        save_directory: Path | SaveFolder | None = None,
        save_name: str = "transcript",
        spool_directory: Path | None = None,
        run_id: str | None = None,
        error_matcher: ErrorMatcher | None = None,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 (Textual's name)
        classes: str | None = None,
    ) -> None:
        """``save_directory`` (a folder, or the app's rule; default: the downloads
        folder) receives ``ctrl+s`` files named ``<save_name>-<local time>.log``;
        ``spool_directory`` holds the temporary spool (default: the system temp dir);
        ``run_id``: the run whose output this is (for ``Y`` references); with
        ``error_matcher``, error lines are found as they arrive (``e``/``E``)."""
        super().__init__(name=name, id=id, classes=classes)
        self.transcript = Transcript(spool_directory)
        self.save_folder = SaveFolder.of(save_directory)
        self.save_name = save_name
        self._dirty = True
        self._paused_at = 0
        self.run_id = run_id
        self.marks = Marks()
        self.cursor: int | None = None
        self._frame: Timer | None = None
        # Held, not queried: a frame may come due while the view is being removed,
        # after its children have gone.
        self._lines = LogLines(self.transcript)
        self._error_matcher = error_matcher
        self._errors = ErrorNavigator(self.transcript, error_matcher) if error_matcher else None
        self._error_scroll: float | None = None  # where show_error left the view

    @property
    def search_bar(self) -> SearchBar:
        """The search input."""
        return self.query_one(SearchBar)

    def compose(self) -> ComposeResult:
        if self._errors is not None:
            self._errors.attach(self._lines)
        yield FilterChips()
        yield self._lines.data_bind(
            LogView.wrap,
            LogView.show_times,
            LogView.time_mode,
            LogView.stream_filter,
            LogView.new_lines,
            following=LogView.follow,
        )
        yield SearchBar()
        yield FilterPrompt()

    def on_mount(self) -> None:
        self._search = SearchController(
            self.transcript, self.lines, self.search_bar, show_match=self._show_match
        )
        self._narrow = NarrowController(
            self.transcript, self.lines, self.query_one(FilterChips), self
        )
        self.lines.gutter_mark = self.line_mark
        self.sections = SectionsControl(self.transcript, self.lines)
        self._schedule_frame()  # the first sync

    def on_unmount(self) -> None:
        self._search.close()
        self._narrow.close()
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
        if self._search.indexing or self._narrow.scanning:  # a little more each frame
            self._schedule_frame()

    def on_log_lines_widened(self, event: LogLines.Widened) -> None:
        """A wider line was drawn: the horizontal scroll range grows at the next frame."""
        event.stop()
        self._dirty = True
        self._schedule_frame()

    def _tick(self) -> None:
        self._search.on_frame()
        self.narrow_frame()
        if not self._dirty:
            return
        self._dirty = False
        self.sections.before_sync()
        lines = self.lines
        lines.sync()
        self.sections.after_sync()
        if not self.follow:
            self.new_lines = max(0, lines.view_count - self._paused_at)

    # -- follow ----------------------------------------------------------------------

    def watch_follow(self, follow: bool) -> None:
        lines = self.lines
        if follow:
            self.new_lines = 0
            lines.scroll_programmatically(lines.max_scroll_y)
        else:
            self._paused_at = lines.view_count
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
        """Cycle the time column: event time, since the start, since the previous line, off."""
        self.time_mode = NEXT_MODE[self.time_mode]
        self.show_times = self.time_mode != "off"

    def action_cycle_streams(self) -> None:
        """Show stdout+stderr, then stdout only, then stderr only."""
        self.stream_filter = NEXT_STREAMS[self.stream_filter]

    def watch_stream_filter(self, stream_filter: StreamFilter) -> None:
        self._paused_at = self.lines.view_map(stream_filter).count()  # new lines count from here

    # -- search ----------------------------------------------------------------------

    def action_search(self) -> None:
        """Open the search bar (a ``/`` typed into the query, or into a filter, stays
        there: ``& src/`` filters on a path)."""
        if self.search_bar.input.has_focus or self.query_one(FilterPrompt).input.has_focus:
            raise SkipAction()
        self.search_bar.open()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_error", "previous_error"):
            return self._error_matcher is not None  # not in the raw events view
        # escape closes an open search; otherwise it is the screen's (back).
        return action != "close_search" or self.search_bar.is_open

    def action_close_search(self) -> None:
        """Close the search bar and clear the search."""
        self.search_bar.action_close()

    def on_search_bar_changed(self, event: SearchBar.Changed) -> None:
        event.stop()
        self._search.set_query(event.text, event.regex)
        self._schedule_frame()  # indexing goes on frame by frame
        if event.submitted:
            if self._search.matches is not None:
                self._search.restart()  # the first match at or after the view
                self.action_next_match()
            self.lines.focus()

    def on_search_bar_closed(self, event: SearchBar.Closed) -> None:
        event.stop()
        self.lines.focus()
        self.refresh_bindings()  # escape is the screen's again (the focus may not move)

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
        self._search.go(forward, self.lines.top_line())

    def _show_match(self, line: int) -> None:
        self.follow = False
        lines = self.lines
        self.sections.reveal(line)
        lines.show_position(lines.rank(line))

    # -- sections (see ui/log/sections_control.py) -----------------------------------

    def set_run_state(self, active: bool, failed: bool) -> None:
        """Tell the sections how the run stands: the running one (while ``active``) and
        the one it failed in (``failed``) are open."""
        self.sections.set_run(active, failed)
        self.lines.live = active
        # Now, not at the next frame: the folds changed, and a paint before the view
        # has counted its lines again would ask for positions that are no longer there.
        self._dirty = True
        if self.is_mounted:
            self._tick()

    def action_toggle_section(self) -> None:
        """Fold or open the section at the top of the view."""
        number = self.sections.current()
        if number is None:
            self.app.bell()
            return
        self.follow = False
        self.sections.toggle(number)

    def action_toggle_all_sections(self) -> None:
        """Fold every section, or open them all."""
        self.sections.toggle_all() if self.sections.count else self.app.bell()

    def action_section_outline(self) -> None:
        """List the sections; the one picked is opened and shown at the top."""
        if not self.sections.count:
            self.notify("This log has no sections yet.", title="Outline")
            return
        self.app.push_screen(self.sections.outline(), self._jump_to_section)

    def _jump_to_section(self, number: int | None) -> None:
        if number is not None:
            self.follow = False
            self.sections.show_header(number, open_it=True)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self.lines)
        if offset is None or (number := self.sections.header_on_row(offset.y)) is None:
            return
        event.stop()
        self.follow = False
        self.sections.toggle(number)

    # -- links -----------------------------------------------------------------------

    def action_open_link(self) -> None:
        """Open a run's hyperlink (http, https or file) in the browser."""
        target = self.lines.link_to_open()
        if target is None:
            self.notify("No link in view", timeout=3)
            return
        self.app.open_url(target)

    # -- error lines -----------------------------------------------------------------

    @property
    def error_lines(self) -> ErrorIndex | None:
        """The error lines found so far (``None`` when this view does not look)."""
        return None if self._errors is None else self._errors.index

    def action_next_error(self) -> None:
        """Go to the next error line."""
        self._go_to_error(forward=True)

    def action_previous_error(self) -> None:
        """Go to the previous error line."""
        self._go_to_error(forward=False)

    def _go_to_error(self, forward: bool) -> None:
        if self._errors is None:
            return
        self.flush()
        line, wrapped = self._errors.step(forward)
        if line is None:
            self.notify("No error lines in this log (yet).", title="Errors", timeout=3)
            return
        if wrapped:
            where = "first" if forward else "last"
            self.notify(f"Wrapped to the {where} error line.", title="Errors", timeout=3)
        self.show_error(line)

    def show_first_error(self) -> bool:
        """Go to the first error line (a failed run opens there); False if none (or
        not yet: before the view is mounted)."""
        if self._errors is None or not self.is_mounted:
            return False
        self.flush()
        line = self._errors.first()
        if line is not None:
            self.show_error(line)
        return line is not None

    def show_error(self, line: int) -> None:
        """Bring error line ``line`` into view and mark it as the current one."""
        self.lines.current_error = line
        self._show_match(line)
        self.lines.refresh()
        self._error_scroll = self.lines.scroll_y

    def on_resize(self) -> None:
        """The view got shorter (the failure summary expanded): the error line shown
        stays in sight, unless the view was moved since."""
        current, errors = self.lines.current_error, self._errors
        if current is None or errors is None or self.lines.scroll_y != self._error_scroll:
            return
        if not errors.in_view(current):
            self.show_error(current)

    # -- save ------------------------------------------------------------------------

    def action_save(self) -> None:
        """Save the whole transcript, escapes removed, to a new file."""
        lines, partials = self.transcript.committed, self.transcript.partials()
        folder, name = self.save_folder, self.save_name

        def save() -> None:
            try:
                saved = save_log(self.transcript, folder, name, lines, partials)
            except OSError as error:
                failed = Path(error.filename) if error.filename else Path(name)
                self.app.call_from_thread(self._save_failed, failed, str(error))
            else:
                self.app.call_from_thread(self._saved, saved)

        self.run_worker(save, thread=True, group="log-save", description=f"save {name}")

    def _saved(self, saved: SavedLog) -> None:
        where = saved.target.describe(saved.path)
        message = f"{format_count(saved.lines, 'line')} saved to {where}"
        self.notify(message, title="Log saved", markup=False, timeout=10)
        self.post_message(self.Saved(self, saved.path, saved.lines))

    def _save_failed(self, path: Path, error: str) -> None:
        self.notify(error, title=f"Could not save {path.name}", severity="error", markup=False)
        self.post_message(self.SaveFailed(self, path, error))
