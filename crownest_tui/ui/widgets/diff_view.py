"""A unified diff of two run logs, drawn a row at a time (Line API).

Rows come from :func:`crownest_tui.core.compare.unified_rows`; their text is read from
the two logs' spools as the rows scroll into sight, made inert (escapes stripped) and
never parsed as markup. ``-`` and ``+`` prefixes and the line numbers make the diff
readable without colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.compare import Hunk, Row
from ...text.sanitize import plain_text
from ..compare_log import ComparedLog

NUMBER_WIDTH = 8


class DiffView(ScrollView, can_focus=True):
    """The rows of a log diff; ``]`` and ``[`` move between changes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "diff-view--header",
        "diff-view--removed",
        "diff-view--added",
        "diff-view--number",
    }
    DEFAULT_CSS = """
    DiffView {
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .diff-view--header { color: $text-accent; text-style: bold; }
        & > .diff-view--removed { color: $text-error; background: $error 10%; }
        & > .diff-view--added { color: $text-success; background: $success 10%; }
        & > .diff-view--number { color: $text-muted; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right_square_bracket", "change(1)", "Next change", id="compare.next_change"),
        Binding(
            "left_square_bracket", "change(-1)", "Previous change", id="compare.previous_change"
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self._rows: Sequence[Row] = ()
        self._hunks: Sequence[Hunk] = ()
        self._header_rows: list[int] = []
        self._base: ComparedLog | None = None
        self._other: ComparedLog | None = None
        self._widest = 0
        self.current_change = 0
        """Index of the change ``]`` and ``[`` moved to last."""

    @property
    def change_count(self) -> int:
        return len(self._hunks)

    def show(
        self, rows: Sequence[Row], hunks: Sequence[Hunk], base: ComparedLog, other: ComparedLog
    ) -> None:
        """Show a diff (rows index ``base`` for context and removed lines, ``other``
        for added ones)."""
        self._rows, self._hunks, self._base, self._other = rows, hunks, base, other
        self._header_rows = [index for index, row in enumerate(rows) if row.kind == "header"]
        self._widest = 0
        self.current_change = 0
        self.virtual_size = Size(self.size.width, len(rows))
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def action_change(self, step: int) -> None:
        """Make the next (``1``) or previous (``-1``) change the current one (marked
        ``▶``) and scroll it to the top."""
        if not self._header_rows:
            self.notify("The logs do not differ.", title="Compare", markup=False)
            return
        index = self.current_change + step
        if not 0 <= index < len(self._header_rows):
            edge = "last" if step > 0 else "first"
            self.notify(f"That was the {edge} change.", title="Compare", markup=False)
            return
        self.current_change = index
        self.scroll_to(y=self._header_rows[index], animate=False)
        self.refresh()

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"diff-view--{name}")

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base_style = self.rich_style
        index = round(self.scroll_y) + y
        if index >= len(self._rows) or self._base is None or self._other is None:
            return Strip.blank(width, base_style)
        row = self._rows[index]
        if row.kind == "header":
            hunk = self._hunks[row.hunk]
            mark = "▶" if row.hunk == self.current_change else " "
            label = f"{mark} {hunk.header()}  change {row.hunk + 1} of {len(self._hunks)}"
            return Strip([Segment(label, self._style("header"))]).crop_extend(0, width, base_style)
        log = self._other if row.kind == "added" else self._base
        text = plain_text(log.text([row.line])[0])
        mark, style = {"added": ("+", "added"), "removed": ("-", "removed")}.get(
            row.kind, (" ", "")
        )
        body_style = self._style(style) if style else base_style
        number = f"{row.line + 1:>{NUMBER_WIDTH - 1}} "
        scroll_x = round(self.scroll_x)
        body = Strip([Segment(f"{mark} {text}", body_style)])
        if body.cell_length > self._widest:
            self._widest = body.cell_length
            self.virtual_size = Size(self._widest + NUMBER_WIDTH, len(self._rows))
        body = body.crop_extend(scroll_x, scroll_x + max(1, width - NUMBER_WIDTH), body_style)
        return Strip.join([Strip([Segment(number, self._style("number"))]), body]).crop(0, width)
