"""Turn one raw line into styled, inert Strips, with caching.

The body of a line is drawn as a terminal would (inert, see
:mod:`~crownest_tui.text.terminal_line`): its colours, overwrites and links decoded,
tabs expanded and search matches highlighted. Hostile sizes are
capped: at most :data:`RAW_LIMIT` characters of a line are looked at and at most
:data:`CELL_LIMIT` cells are shown, followed by a marker saying how long the line is
(the saved transcript always has every character).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.strip import Strip

from crownest_tui.ui.log.json_lines import LevelStyles, style_json_line
from crownest_tui.ui.log.search import match_spans
from crownest_tui.ui.log.transcript import Line

from ...text.pen import PLAIN, Pen
from ...text.terminal_line import pen_after, terminal_text

RAW_LIMIT = 65_536
"""Characters of one sanitized line considered for display."""
RAW_WINDOW = 1_000_000
"""Characters of one raw line sanitized for display (control floods shrink to nothing)."""
CELL_LIMIT = 10_000
"""Cells of one line shown (unwrapped, or in total when wrapped)."""
STDERR_MARK = "▌"
"""Gutter mark of stderr lines, so they read without colour too."""
ERROR_MARKS = ("", "✗", "➤")
"""Second gutter cell: nothing, an error line, the error line jumped to (``e``/``E``)."""
GUTTER_WIDTH = 2
TIME_WIDTH = 13
PREFIXES_KEPT = 512
"""Distinct row prefixes kept (a few screens' worth: each holds a line's time)."""


def format_time(time_ms: int | None) -> str:
    """The time column for a line: local ``HH:MM:SS.mmm`` (blank when unknown)."""
    if time_ms is None:
        return " " * (TIME_WIDTH - 1)
    moment = datetime.fromtimestamp(time_ms / 1000).astimezone()
    return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


@dataclass(frozen=True, slots=True)
class LineStyles:
    """Rich styles for the parts of a line (from the widget's component classes)."""

    base: Style
    stderr: Style
    stderr_mark: Style
    time: Style
    match: Style
    current_match: Style
    marker: Style
    badge: Style
    warn: Style = field(default_factory=Style)
    """JSON lines whose level is a warning (errors take ``stderr``)."""
    debug: Style = field(default_factory=Style)
    json_key: Style = field(default_factory=Style)


def body_text(
    line: Line, styles: LineStyles, pattern: re.Pattern[str] | None, pen: Pen = PLAIN
) -> Text:
    """The shown text of a line, as a terminal would show it starting with ``pen``
    (see :mod:`~crownest_tui.text.terminal_line`): inert, coloured, highlighted, capped."""
    raw, hidden = line.raw, False
    if len(raw) > RAW_LIMIT:
        stripped = raw.rstrip("\r")
        cut = stripped.rfind("\r") + 1
        pen = pen_after(pen, stripped[:cut]) if cut else pen
        raw = stripped[cut:]
        hidden = len(raw) > RAW_WINDOW
        raw = raw[:RAW_WINDOW]
    text = terminal_text(raw, pen)
    if len(text) > RAW_LIMIT:
        hidden, text = True, text[:RAW_LIMIT]
    text.style = styles.stderr if line.stream == "stderr" else styles.base
    if "\t" in raw:  # as tabs expanded by Rich draw: in the line's own style
        text.stylize_before(text.style)
    if text.plain[:1] == "{":
        level_styles = LevelStyles(styles.stderr, styles.warn, styles.debug, styles.json_key)
        style_json_line(text, level_styles)
    if pattern is not None:
        for start, end in match_spans(pattern, text.plain):
            text.stylize(styles.match, start, end)
    if hidden or text.cell_len > CELL_LIMIT:
        text.truncate(CELL_LIMIT)
        text.append(f" … [line of {len(line.raw):,} characters, cut]", styles.marker)
    return text


Row = tuple[tuple[Segment, ...], int]
"""One body row as kept: its segments and its cell length."""


def _kept(strips: Sequence[Strip]) -> tuple[Row, ...]:
    return tuple((tuple(strip), strip.cell_length) for strip in strips)


def _strips(rows: tuple[Row, ...]) -> list[Strip]:
    return [Strip(segments, length) for segments, length in rows]


class LineRenderer:
    """Renders and caches the body rows of lines for one set of view settings.

    Rows are kept as segments, and made Strips again when asked for: a Strip carries
    seven caches of its own, so a few thousand kept Strips are tens of thousands of
    long-lived objects for every full collection to walk (a stall of several
    milliseconds, in the middle of a key), where their segments are a few each. The
    Strips given out live until the next repaint."""

    def __init__(self, cache_size: int = 2048) -> None:
        self._cache: LRUCache[int, tuple[Row, ...]] = LRUCache(cache_size)
        self._partial: dict[tuple[str, int, bool, Pen], tuple[Row, ...]] = {}
        self._key: tuple[object, ...] = ()
        self.styles: LineStyles | None = None
        self.pattern: re.Pattern[str] | None = None
        self.wrap_width = 0
        self._prefixes: dict[tuple[object, ...], tuple[Segment, ...]] = {}

    def configure(
        self,
        styles: LineStyles,
        pattern: re.Pattern[str] | None,
        wrap_width: int,
    ) -> None:
        """Set what rows look like; cached rows are dropped when anything changed."""
        key = (styles, pattern, wrap_width)
        if key != self._key:
            self._key = key
            self.styles, self.pattern, self.wrap_width = styles, pattern, wrap_width
            self.clear()

    def clear(self) -> None:
        """Forget every cached row."""
        self._cache.clear()
        self._partial.clear()
        self._prefixes.clear()

    def discard(self, index: int) -> None:
        """Forget one line's cached rows."""
        self._cache.discard(index)

    def rows(
        self, index: int | None, line: Line, console: Console, current: bool, pen: Pen = PLAIN
    ) -> Sequence[Strip]:
        """Body rows of a line (one row unless wrapping); ``index`` None for a partial line;
        ``pen``: the colours in force where the line starts."""
        if index is not None and not current:
            cached = self._cache.get(index)
            if cached is not None:
                return _strips(cached)
        partial_key = (line.stream, len(line.raw), current, pen)
        if index is None and (cached := self._partial.get(partial_key)) is not None:
            return _strips(cached)
        assert self.styles is not None
        styles = self.styles
        if current:
            styles = replace(styles, match=styles.current_match)
        text = body_text(line, styles, self.pattern, pen)
        strip = Strip(text.render(console), text.cell_len)
        width = self.wrap_width
        if width > 0 and strip.cell_length > width:
            length = strip.cell_length
            rows: Sequence[Strip] = strip.divide([*range(width, length, width), length])
        else:
            rows = [strip]
        if index is None:
            if len(self._partial) > 8:
                self._partial.clear()
            self._partial[partial_key] = _kept(rows)
        elif not current:
            self._cache[index] = _kept(rows)
        return rows

    def prefix(
        self,
        line: Line,
        first_row: bool,
        show_time: bool,
        stamp: tuple[str, bool] | None = None,
        gutter: str = " ",
        error: int = 0,
    ) -> tuple[Segment, ...]:
        """The gutter (stream mark, then ``gutter``: a line mark, else the error mark,
        ``error`` indexing :data:`ERROR_MARKS`) and, when shown, the time column of one
        row (``stamp``: its text and whether it stands out, instead of the event time):
        :data:`GUTTER_WIDTH` cells, and :data:`TIME_WIDTH` more with the time.

        Segments, not a Strip: the row is joined from them and the body each repaint,
        and a Strip kept here would carry caches of its own for every line and mode."""
        key = (line.stream, line.time_ms if first_row else None, show_time, stamp, gutter, error)
        cached = self._prefixes.get(key)
        if cached is not None:
            return cached
        if len(self._prefixes) > PREFIXES_KEPT:
            self._prefixes.clear()
        assert self.styles is not None
        styles = self.styles
        mark = Segment(gutter, styles.marker if gutter != " " else styles.base)
        if line.stream == "stderr":
            segments = [Segment(STDERR_MARK, styles.stderr_mark), mark]
        else:
            segments = [Segment(" ", styles.base), mark]
        if error and gutter == " ":  # a line mark (the user's) wins over the error mark
            segments[1] = Segment(ERROR_MARKS[error], styles.stderr_mark)
        if show_time:
            text, slow = stamp if stamp is not None else (format_time(line.time_ms), False)
            text = text if first_row else " " * (TIME_WIDTH - 1)
            segments += [Segment(text, styles.marker if slow else styles.time)]
            segments += [Segment(" ", styles.base)]
        prefix = self._prefixes[key] = tuple(segments)
        return prefix
