"""The scrolling body of the log view: renders only the visible lines (Line API).

Rows map to lines one to one when not wrapping. When wrapping, the vertical scroll
position counts *lines* (the row height of ten million lines is never computed): the
view shows lines from ``scroll_y`` downwards, and at the very end it is anchored to
the bottom so the last line is always in sight while following.

Its settings (wrap, times, stream filter, following, the count of new lines) are
reactives its :class:`~crownest_tui.ui.widgets.log_view.LogView` binds down with
``data_bind``; laying lines out again keeps the top line in sight.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from crownest_tui.core.chunk import StreamFilter
from crownest_tui.core.error_lines import ErrorIndex
from crownest_tui.ui.log.badge import log_badge
from crownest_tui.ui.log.filters import FilteredLines, FilterIndex
from crownest_tui.ui.log.folds import FoldedLines
from crownest_tui.ui.log.line_map import LineMap, StreamLines
from crownest_tui.ui.log.links import first_link, link_of
from crownest_tui.ui.log.render import GUTTER_WIDTH, TIME_WIDTH, LineRenderer, LineStyles
from crownest_tui.ui.log.search import MatchIndex
from crownest_tui.ui.log.section_rows import RowDecorator
from crownest_tui.ui.log.time_column import TimeMode, line_stamp
from crownest_tui.ui.log.transcript import Line, Transcript

BADGE_MARGIN = 1


class LogLines(ScrollView, can_focus=True):
    """Visible lines of a :class:`~crownest_tui.ui.log.transcript.Transcript`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-lines--stderr",
        "log-lines--stderr-mark",
        "log-lines--time",
        "log-lines--match",
        "log-lines--current-match",
        "log-lines--marker",
        "log-lines--badge",
        "log-lines--warn",
        "log-lines--debug",
        "log-lines--json-key",
    }
    DEFAULT_CSS = """
    LogLines {
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .log-lines--stderr { color: $text-error; }
        & > .log-lines--stderr-mark { color: $error; text-style: bold; }
        & > .log-lines--time { color: $text-muted; }
        & > .log-lines--match { background: $warning 40%; }
        & > .log-lines--current-match { background: $accent; color: $text; text-style: bold; }
        & > .log-lines--marker { color: $text-warning; text-style: italic; }
        & > .log-lines--badge { background: $warning; color: $text; text-style: bold; }
        & > .log-lines--warn { color: $text-warning; }
        & > .log-lines--debug { color: $text-muted; }
        & > .log-lines--json-key { color: $text-primary; }
    }
    """

    wrap: reactive[bool] = reactive(False, init=False)
    """Wrap long lines to the width."""
    show_times: reactive[bool] = reactive(False, init=False)
    """Show each line's event time before it."""
    time_mode: reactive[TimeMode] = reactive[TimeMode]("off", init=False)
    """What the time column shows (when ``show_times``): event time, since the start,
    or since the previous line."""
    stream_filter: reactive[StreamFilter] = reactive[StreamFilter]("all", init=False)
    """Which streams are shown."""
    following: reactive[bool] = reactive(True, init=False)
    """Keep the newest line in sight."""
    new_lines: reactive[int] = reactive(0, init=False)
    """Lines that arrived while not following (shown in the badge)."""

    class UserScrolled(Message):
        """The user scrolled: up (``at_end`` False) or down to the very end."""

        def __init__(self, at_end: bool) -> None:
            super().__init__()
            self.at_end = at_end

    class Widened(Message):
        """A line wider than any before was drawn (the owner syncs the scroll width)."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LogLines.Widened)

    class JumpRequested(Message):
        """``home``/``end`` pressed on the lines: go to the top, or resume following."""

        def __init__(self, end: bool) -> None:
            super().__init__()
            self.end = end

    def __init__(self, transcript: Transcript) -> None:
        super().__init__()
        self.transcript = transcript
        self.renderer = LineRenderer()
        self.matches: MatchIndex | None = None
        self.current_match: int | None = None
        self._count = 0
        self._committed = 0
        self._synced_filter: StreamFilter = "all"  # the filter the counts below are for
        self._partials: list[Line] = []
        self._widest = 0
        self._layout: list[tuple[int, int]] | None = None
        self._programmatic = False
        self._line_styles: LineStyles | None = None
        self.narrowing: FilterIndex | None = None
        """The filters' index of the lines they keep (None: no filter)."""
        self.gutter_mark: Callable[[int], str] | None = None
        """A one-cell mark for a complete line after its stream mark (marks, cursor)."""
        self.time_origin_ms: int | None = None
        """When the run started, for the time column (default: the first line's time)."""
        self._row_index: int | None = None  # the line of the rows _rows gave last
        self.folds: FoldedLines | None = None
        """Folded sections, stacked on the filters and stream filter (None: nothing folds)."""
        self.decorate: RowDecorator | None = None
        """Rows of its own for some lines (section headers, annotations)."""

        self.live = True
        """Whether more output may come (False once the run has ended: the badge says so)."""
        self.errors: ErrorIndex | None = None
        """Error lines to mark in the gutter (set by the view's error navigator)."""
        self.current_error: int | None = None
        """The error line jumped to last (``e``/``E``), marked apart."""

    def view_map(self, streams: StreamFilter | None = None) -> LineMap:
        """The map from view positions to transcript lines (under ``streams``, or the
        filter last synced): the stream filter, the filters on it, the folds on top."""
        streams = streams or self._synced_filter
        lower: LineMap
        if self.narrowing is None:
            lower = StreamLines(self.transcript, streams)
        else:
            lower = FilteredLines(self.narrowing, streams)
        return lower if self.folds is None else self.folds.over(lower)

    def partials_shown(self, streams: StreamFilter) -> list[Line]:
        """The partial lines shown after the complete ones (the filters' choice)."""
        if self.narrowing is None:
            return list(self.transcript.partials_shown(streams))
        return self.narrowing.partials_shown(streams)

    def passes(self, index: int, streams: StreamFilter) -> bool:
        """Whether complete line ``index`` passes ``streams`` and the filters (folds
        aside: a folded line is revealed, not skipped)."""
        if self.narrowing is not None:
            return self.narrowing.shows(streams, index)
        return streams == "all" or self.transcript.stream_of(index) == streams

    def rank(self, index: int) -> int:
        """The view position of complete line ``index`` (of its fold, when folded)."""
        return self.view_map(self.stream_filter).rank(index)

    def line_at_row(self, y: int) -> int | None:
        """The complete line shown on screen row ``y`` (None: a partial line, or none)."""
        if self.wrap:
            layout = self._wrap_layout()
            position = layout[y][0] if 0 <= y < len(layout) else -1
        else:
            position = round(self.scroll_y) + y
        if 0 <= position < self._committed:
            return self.view_map().select(position)
        return None

    # -- settings from the LogView ----------------------------------------------------

    def watch_wrap(self, was_wrapped: bool) -> None:
        self._relayout(self._top_line(was_wrapped))

    def watch_show_times(self) -> None:
        # Rows keep their bodies (the time column is a prefix of its own): unwrapped,
        # they do not change; wrapped, the renderer drops them as the width changes.
        self._relayout(self._top_line(self.wrap), rows=False)

    def watch_time_mode(self) -> None:
        self.refresh()  # only the prefixes change

    def watch_stream_filter(self) -> None:
        self._relayout(self._top_line(self.wrap))
        self.refresh()  # the badge names the filter

    def watch_following(self) -> None:
        self.refresh()  # the badge

    def watch_new_lines(self) -> None:
        self.refresh()  # the badge

    @property
    def badge(self) -> str:
        """What the bottom-right badge says (nothing while following everything)."""
        return log_badge(self.following, self.new_lines, self.stream_filter, self.live)

    def _relayout(self, top: int | None, rows: bool = True) -> None:
        """Lay lines out again; when not following, keep line ``top`` in sight.
        ``rows``: the rendered rows may have changed too (else they are kept)."""
        if rows:
            self.invalidate()
        else:
            self.lay_out_again()
        if not self.following and top is not None:
            self.show_position(self.rank(top))

    def top_line(self) -> int | None:
        """The transcript line at the top of the view (``None`` when empty)."""
        return self._top_line(self.wrap)

    def _top_line(self, wrapped: bool) -> int | None:
        """The line at the top as last laid out (``wrapped``: in wrapping mode)."""
        layout = self._wrap_layout() if wrapped else None
        position = layout[0][0] if layout else round(self.scroll_y)
        view = self.view_map()
        if position >= view.count():
            return None
        return view.select(position)

    @property
    def view_count(self) -> int:
        """Lines shown under the current stream filter (partial lines included)."""
        return self._count

    @property
    def prefix_width(self) -> int:
        """Cells used by the gutter and the time column."""
        return GUTTER_WIDTH + (TIME_WIDTH if self.show_times else 0)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_styles = None
        self.renderer.clear()
        self._layout = None

    def invalidate(self) -> None:
        """Forget rendered rows (after a change of wrap, times, filter or search)."""
        self.renderer.clear()
        self._widest = 0
        self.lay_out_again()

    def lay_out_again(self) -> None:
        """Lay the lines out again, keeping their rendered rows (the time column came
        or went: a prefix of its own)."""
        self._layout = None
        self.sync()

    def sync(self) -> None:
        """Catch up with the transcript: sizes, follow position, repaint. Once a frame."""
        streams = self.stream_filter
        self._synced_filter = streams
        self._committed = self.view_map(streams).count()
        self._partials = self.partials_shown(streams)
        self._count = self._committed + len(self._partials)
        self._layout = None
        width = self.size.width
        overflow = "hidden" if self.wrap else "auto"
        if self.styles.overflow_x != overflow:
            self.styles.overflow_x = overflow
        if self.wrap:
            size = Size(width, self._count + max(0, self.size.height - 1))
        else:
            size = Size(self._widest + self.prefix_width, self._count)
        if size != self.virtual_size:
            self._set_virtual_size(size)
        if self.following:
            self.scroll_programmatically(self.max_scroll_y)
        self.refresh()

    def _set_virtual_size(self, size: Size) -> None:
        """Set the scrollable size without a layout of the whole screen: what a layout
        would do for this widget (Textual's own ``_size_updated(layout=False)``: the
        scrollbars and scroll offsets updated), and no more. The lines' region does not
        change with what they hold; a scrollbar that appears or goes asks for a layout
        itself. Each key or progress step of a filter scan that changes the count would
        otherwise arrange every widget on the screen and repaint it all."""
        if not self.container_size:  # not laid out yet: the first layout is to come
            self.virtual_size = size
            return
        self.set_reactive(LogLines.virtual_size, size)
        self._programmatic = True  # offsets clamped to a smaller size: not the user
        try:
            self._scroll_update(size)
        finally:
            self._programmatic = False

    def scroll_programmatically(self, y: float) -> None:
        """Scroll without it counting as the user scrolling."""
        self._programmatic = True
        try:
            target = self.validate_scroll_y(y)
            self.scroll_target_y = target
            self.scroll_y = target
        finally:
            self._programmatic = False

    def show_position(self, position: int) -> None:
        """Scroll so that the line at view ``position`` is in sight (near the middle)."""
        if self.wrap:
            self.scroll_programmatically(min(position, max(0, self.max_scroll_y - 1)))
        else:
            self.scroll_programmatically(max(0, position - self.size.height // 2))

    # -- scrolling by the user -------------------------------------------------------

    def on_resize(self) -> None:
        self._stay_at_end()

    def watch_show_horizontal_scrollbar(self) -> None:
        # The scrollbar takes a row from the view once the layout is done.
        self.call_after_refresh(self._stay_at_end)

    def _stay_at_end(self) -> None:
        """While following, the last line stays in sight when the view shrinks."""
        if self.following and self.scroll_y < self.max_scroll_y:
            self.scroll_programmatically(self.max_scroll_y)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._layout = None
        if self._programmatic or round(old_value) == round(new_value):
            return
        at_end = new_value >= self.max_scroll_y
        if new_value < old_value or at_end:
            self.post_message(self.UserScrolled(at_end))

    def action_scroll_home(self) -> None:
        self.post_message(self.JumpRequested(end=False))

    def action_scroll_end(self) -> None:
        self.post_message(self.JumpRequested(end=True))

    # -- links -----------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        target = link_of(event.style)
        if target is not None:
            event.stop()
            self.app.open_url(target)

    def link_to_open(self) -> str | None:
        """The link a key opens: on the current match's line, else the lowest in view."""
        index = self.current_match
        if index is not None:
            target = first_link(self._line_rows(index, self.transcript.line(index)))
            if target is not None:
                return target
        rows = (self.render_line(y) for y in reversed(range(self.size.height)))
        return first_link(rows)

    # -- rendering -------------------------------------------------------------------

    def _styles(self) -> LineStyles:
        if self._line_styles is not None:
            return self._line_styles
        style = self.get_component_rich_style
        self._line_styles = LineStyles(
            self.rich_style,
            style("log-lines--stderr"),
            style("log-lines--stderr-mark"),
            style("log-lines--time"),
            style("log-lines--match"),
            style("log-lines--current-match"),
            style("log-lines--marker"),
            style("log-lines--badge"),
            warn=style("log-lines--warn"),
            debug=style("log-lines--debug"),
            json_key=style("log-lines--json-key"),
        )
        return self._line_styles

    def _line(self, position: int) -> tuple[int | None, Line]:
        if position < self._committed:
            index = self.view_map().select(position)
            return index, self.transcript.line(index)
        return None, self._partials[position - self._committed]

    def _rows(self, position: int) -> tuple[Line, list[Strip]]:
        index, line = self._line(position)
        self._row_index = index
        if index is not None and self.decorate is not None:
            own = self.decorate(index, line, self._styles(), self.app.console)
            if own is not None:
                return line, list(own)
        return line, self._line_rows(index, line)

    def _line_rows(self, index: int | None, line: Line) -> list[Strip]:
        current = index is not None and index == self.current_match
        pen = self.transcript.start_pen(index, line.stream)
        return list(self.renderer.rows(index, line, self.app.console, current, pen))

    def _wrap_layout(self) -> list[tuple[int, int]]:
        """(view position, row within line) for each screen row when wrapping."""
        if self._layout is not None:
            return self._layout
        height, count = self.size.height, self._count
        layout: list[tuple[int, int]] = []
        if count and self.scroll_y >= self.max_scroll_y:
            position = count - 1
            while position >= 0 and len(layout) < height:
                _line, rows = self._rows(position)
                layout[:0] = [(position, row) for row in range(len(rows))]
                position -= 1
            layout = layout[-height:]
        else:
            position = round(self.scroll_y)
            while position < count and len(layout) < height:
                _line, rows = self._rows(position)
                layout += [(position, row) for row in range(len(rows))]
                position += 1
            layout = layout[:height]
        self._layout = layout
        return layout

    def render_line(self, y: int) -> Strip:
        size = self.size
        width = size.width
        styles = self._styles()
        body_width = max(1, width - self.prefix_width)
        self.renderer.configure(
            styles,
            self.matches.query.pattern if self.matches else None,
            body_width if self.wrap else 0,
        )
        base = styles.base
        if self.wrap:
            layout = self._wrap_layout()
            position, row = layout[y] if y < len(layout) else (-1, 0)
        else:
            position, row = round(self.scroll_y) + y, 0
        if position < 0 or position >= self._count:
            strip = Strip.blank(width, base)
        else:
            line, rows = self._rows(position)
            body = rows[row]
            if body.cell_length > self._widest:
                self._widest = body.cell_length
                self.post_message(self.Widened())  # the scroll width grows at the next sync
            scroll_x = 0 if self.wrap else round(self.scroll_x)
            index = self._row_index
            mark = self.gutter_mark(index) if self.gutter_mark and index is not None else " "
            stamp = None
            if self.show_times and row == 0:
                origin = self.time_origin_ms
                stamp = line_stamp(self.transcript, self.time_mode, index, line, origin)
            error = self._error_mark(position) if row == 0 else 0
            prefix = self.renderer.prefix(line, row == 0, self.show_times, stamp, mark, error)
            strip = self._row_strip(prefix, body, scroll_x, body_width, base)
            if strip.cell_length > width:
                strip = strip.crop(0, width)
        if y == size.height - 1 and (badge := self.badge):
            strip = self._with_badge(strip, width, badge)
        return strip

    def _row_strip(
        self, prefix: Sequence[Segment], body: Strip, scroll_x: int, body_width: int, base: Style
    ) -> Strip:
        """One screen row: the prefix, then the body cut or padded to ``body_width``.

        Built afresh, never cached: the row is Textual's to cache until the next repaint.
        (``body.crop_extend`` would keep the result in the body's own cache, for as long
        as the renderer keeps the body: long-lived objects every full collection walks.)
        """
        if scroll_x or body.cell_length > body_width:  # (a copy: its crop not kept)
            body = Strip(body, body.cell_length).crop(scroll_x, scroll_x + body_width)
        segments = [*prefix, *body]
        if (pad := body_width - body.cell_length) > 0:
            segments.append(Segment(" " * pad, base))
        return Strip(segments, self.prefix_width + body_width)

    def _error_mark(self, position: int) -> int:
        """0: not an error line, 1: an error line, 2: the error line jumped to."""
        errors = self.errors
        if errors is None or not len(errors) or position >= self._committed:
            return 0
        index = self.view_map().select(position)  # through folds (and filters)
        if index == self.current_error:
            return 2
        return 1 if index in errors else 0

    def _with_badge(self, strip: Strip, width: int, badge: str) -> Strip:
        label = f" {badge} "
        style: Style = self._styles().badge
        shown = Strip([Segment(label, style)], cell_len(label))
        left = max(0, width - shown.cell_length - BADGE_MARGIN)
        return Strip.join(
            [strip.crop(0, left), shown, strip.crop(left + shown.cell_length, width)]
        ).crop(0, width)
