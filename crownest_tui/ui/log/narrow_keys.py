"""The log view's keys to narrow and pick lines: filters, context, marks, copy.

A base class of :class:`~crownest_tui.ui.widgets.log_view.LogView` (Textual merges
the bindings of every class in the chain), so these keys live here with their
actions while the view keeps its own. The footer shows none of them (it must fit 80
columns); help and the palette list them all.

The *current line* (what ``m`` marks and ``y`` copies) is the current search match,
else the line last jumped to (a mark, ``--at-seq``) while it is in sight, else the
newest line while following, else the top line.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widget import Widget

from crownest_tui.ui.log.filter_prompt import FilterPrompt
from crownest_tui.ui.log.filters import FilterSet, LineFilter
from crownest_tui.ui.log.json_line_screen import JsonLineScreen
from crownest_tui.ui.log.json_lines import pretty
from crownest_tui.ui.log.lines import LogLines
from crownest_tui.ui.log.marks import Marks, copy_text, first_line_at_seq, reference
from crownest_tui.ui.log.narrow_control import NarrowController
from crownest_tui.ui.log.search import SearchError, parse_query
from crownest_tui.ui.log.transcript import Transcript

from ...text.format import format_count
from ...text.sanitize import plain_text

MARK = "•"
CURSOR = "\u203a"  # single right-pointing angle quotation mark


class NarrowKeys(Widget):
    """Filters (``&``, ``-``, ``C``, ``x``, ``X``), marks (``m``, ``'``, ``"``),
    copying (``y``, ``Y``) and JSON lines pretty-printed (``p``) for a log view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ampersand",
            "filter('include')",
            "Only",
            show=False,
            id="log.filter_include",
            tooltip="Show only lines matching (filters stack)",
        ),
        Binding(
            "minus",
            "filter('exclude')",
            "Hide",
            show=False,
            id="log.filter_exclude",
            tooltip="Hide lines matching (filters stack)",
        ),
        Binding(
            "C",
            "filter('context')",
            "Context",
            show=False,
            id="log.filter_context",
            tooltip="Lines of context around filter matches",
        ),
        Binding(
            "x",
            "drop_filter",
            "Drop filter",
            show=False,
            id="log.filter_drop",
            tooltip="Remove the last filter",
        ),
        Binding(
            "X",
            "clear_filters",
            "Clear filters",
            show=False,
            id="log.filter_clear",
            tooltip="Remove every filter",
        ),
        Binding("m", "mark", "Mark", show=False, id="log.mark", tooltip="Mark or unmark the line"),
        Binding(
            "apostrophe",
            "jump_mark(True)",
            "Next mark",
            show=False,
            id="log.next_mark",
            tooltip="Go to the next marked line",
        ),
        Binding(
            "quotation_mark",
            "jump_mark(False)",
            "Previous mark",
            show=False,
            id="log.previous_mark",
            tooltip="Go to the previous marked line",
        ),
        Binding(
            "y",
            "copy_lines",
            "Copy",
            show=False,
            id="log.copy",
            tooltip="Copy the line, or the marked range, to the clipboard",
        ),
        Binding(
            "Y",
            "copy_reference",
            "Copy reference",
            show=False,
            id="log.copy_reference",
            tooltip="Copy a reference to the line (crownest-tui open RUN --at-seq N)",
        ),
        Binding(
            "p",
            "pretty_json",
            "JSON",
            show=False,
            id="log.pretty_json",
            tooltip="Show the line's JSON pretty-printed",
        ),
    ]

    transcript: Transcript
    run_id: str | None
    """The run whose output this is (``Y`` needs it; None: no references)."""
    marks: Marks
    cursor: int | None
    _narrow: NarrowController
    _pending_seq: int | None = None  # go_to_seq's event, until its line arrives

    _lines: LogLines  # held, not queried: a frame may come while the view is removed

    @property
    def lines(self) -> LogLines:
        """The scrolling body."""
        return self._lines

    @property
    def filter_prompt(self) -> FilterPrompt:
        return self.query_one(FilterPrompt)

    # -- filters -----------------------------------------------------------------------

    def action_filter(self, kind: str) -> None:
        """Ask for a filter (``include``/``exclude``) or the context size."""
        if kind == "context":
            self.filter_prompt.open("context", str(self._narrow.filters.context or ""))
        elif kind in ("include", "exclude"):
            self.filter_prompt.open("include" if kind == "include" else "exclude")

    def on_filter_prompt_submitted(self, event: FilterPrompt.Submitted) -> None:
        event.stop()
        filters = self._narrow.filters
        if event.kind == "context":
            try:
                size = int(event.text or "0")
            except ValueError:
                self.filter_prompt.show_error("a number of lines")
                return
            filters = filters.with_context(size)
        elif event.text:
            try:
                query = parse_query(event.text, event.regex)
            except SearchError as error:
                self.filter_prompt.show_error(str(error))
                return
            filters = filters.adding(LineFilter(event.kind, query))
        self.filter_prompt.action_close()
        self._set_filters(filters)

    def _set_filters(self, filters: FilterSet) -> None:
        self._narrow.set_filters(filters)
        self._schedule_frame()  # the scan goes on frame by frame

    def _schedule_frame(self) -> None:
        """Catch up at the next frame (the log view's own way)."""
        raise NotImplementedError

    def on_filter_prompt_closed(self, event: FilterPrompt.Closed) -> None:
        event.stop()
        self.lines.focus()

    def action_drop_filter(self) -> None:
        """Remove the filter added last."""
        if not self._narrow.filters.active:
            self.app.bell()
            return
        self._set_filters(self._narrow.filters.without(-1))

    def action_clear_filters(self) -> None:
        """Remove every filter (the context size stays for the next ones)."""
        filters = self._narrow.filters
        if not filters.active:
            self.app.bell()
            return
        self._set_filters(type(filters)(context=filters.context))

    # -- the current line, marks -------------------------------------------------------

    def current_line(self) -> int | None:
        """The complete line ``m`` marks and ``y`` copies (see the module's docstring)."""
        lines = self.lines
        if lines.current_match is not None:
            return lines.current_match
        top = lines.top_line()
        if self.cursor is not None and top is not None:
            bottom = lines.rank(top) + lines.size.height
            if top <= self.cursor and lines.rank(self.cursor) < bottom:
                return self.cursor
        view = lines.view_map(lines.stream_filter)
        shown = view.count()
        if lines.following and shown:
            return view.select(shown - 1)
        return top

    def go_to_seq(self, seq: int) -> None:
        """Go to the first line of event ``seq`` or later, now or once it arrives."""
        self._pending_seq = seq
        self.narrow_frame()

    def narrow_frame(self) -> None:
        """Once a frame: scan for the filters, go to a line awaited by ``go_to_seq``."""
        self._narrow.on_frame()
        seq = self._pending_seq
        if seq is not None and (line := first_line_at_seq(self.transcript, seq)) is not None:
            self._pending_seq = None
            self.go_to_line(line)

    def go_to_line(self, line: int) -> None:
        """Make ``line`` current and bring it into view (following stops)."""
        self.cursor = line
        self.lines.current_match = None
        self.lines.invalidate()
        self._show_match(line)

    def _show_match(self, line: int) -> None:
        """Stop following and bring ``line`` into view (the log view's own way)."""
        raise NotImplementedError

    def line_mark(self, line: int) -> str:
        """The mark shown after a line's stream mark."""
        if line in self.marks:
            return MARK
        return CURSOR if line == self.cursor else " "

    def action_mark(self) -> None:
        """Mark the current line, or unmark it."""
        line = self.current_line()
        if line is None:
            self.app.bell()
            return
        self.marks.toggle(line)
        self.cursor = line
        self.lines.invalidate()

    def action_jump_mark(self, forward: bool) -> None:
        """Go to the next (or previous) marked line, wrapping around."""
        here = self.current_line()
        found = self.marks.after(here) if forward else self.marks.before(here)
        if found is None:
            self.app.bell()
            return
        self.go_to_line(found)

    # -- copying -----------------------------------------------------------------------

    def action_copy_lines(self) -> None:
        """Copy the current line, or every line from the first mark to the last."""
        span = self.marks.span()
        if span is None:
            line = self.current_line()
            if line is None:
                self.app.bell()
                return
            span = (line, line)
        text, count = copy_text(self.transcript, *span)
        self.app.copy_to_clipboard(text)
        what = "marked range" if len(self.marks) else "line"
        self.notify(f"{format_count(count, 'line')} copied ({what})", title="Copied", markup=False)

    def action_pretty_json(self) -> None:
        """Show the current line pretty-printed, if it is a JSON object."""
        line = self.current_line()
        shown = plain_text(self.transcript.line(line).raw) if line is not None else ""
        body = pretty(shown, self.lines._styles().json_key)
        if line is None or body is None:
            self.notify("The line is not a JSON object", title="Not JSON", markup=False)
            return
        self.app.push_screen(JsonLineScreen(f"Line {line + 1:,}", body))

    def action_copy_reference(self) -> None:
        """Copy ``wsr_…:seq`` for the current line (``open … --at-seq N`` opens there)."""
        line = self.current_line()
        seq = self.transcript.line(line).seq if line is not None else None
        if self.run_id is None or seq is None:
            self.app.bell()
            return
        text = reference(self.run_id, seq)
        self.app.copy_to_clipboard(text)
        self.notify(text, title="Reference copied", markup=False)
