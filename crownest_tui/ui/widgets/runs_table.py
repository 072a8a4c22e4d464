"""The runs table: a virtual list that renders only the rows in view (10,000+ runs).

Rows are plain data; updating, filtering or appending pages never builds widgets, so
each repaint costs the same whatever the number of runs. Marks (watched ``◉``, marked
for the split tail ``◆``) are kept by run id, so they survive refreshes, pages and
filters. The cursor stays on the top row until the user moves it, then follows its
run (:class:`~crownest_tui.core.cursor.CursorAnchor`). Columns fit the width by
priority; ``→``/``←`` shift the ones that do not fit into view (``run_columns``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...api.models import WorkspaceRun, is_terminal
from ...core.cursor import CursorAnchor
from ...core.run_outcome import Level
from ...text.format import STATUS_CLASSES, absolute_time, format_count, metadata_chips, safe_line
from ..messages import OpenCompare, OpenSplit, WatchRun
from ..watch import WatchHost
from .run_columns import (
    CLOCK_COLUMNS,
    HINT_CELL,
    ColumnLayout,
    Fitted,
    cell_texts,
    clock_cells,
    clock_still_until,
    header_texts,
    layout_columns,
    mark_text,
    render_cells,
    status_component,
)

#: How close to the last row the cursor gets before the next page is asked for.
NEAR_END_ROWS = 20
#: How many runs the split tail follows at once.
SPLIT_MIN, SPLIT_MAX = 2, 4
#: Seconds from painting rows to a :meth:`RunsTable.call_after_paint` callback. The
#: frame is written by Textual's writer thread, which needs the GIL: a callback run
#: at once (the start-up's full garbage collection, tens of milliseconds in one C
#: call) would hold the finished frame off the terminal until it returned.
AFTER_PAINT_DELAY = 0.05
#: The status cells' colours: set by the app's stylesheet (styles/app.tcss), where each
#: status's rule colours its badge class and these components alike.
STATUS_COMPONENTS = {f"runs-table--{name}" for name in STATUS_CLASSES}


@lru_cache(maxsize=64)
def _layout(width: int, offset: int) -> ColumnLayout:
    return layout_columns(width, offset)


@dataclass(slots=True)
class _Drawn:
    """One run's cells as last drawn, and the level that colours its "Why" cell."""

    run: WorkspaceRun
    cells: dict[str, str]
    level: Level
    still_until: datetime | None
    """No tick before this moment can change the cells (``None``: any tick can)."""
    fitted: Fitted = field(default_factory=dict)


class RunsTable(ScrollView, can_focus=True):
    """Runs, newest first. Feed it with :meth:`show`; call :meth:`tick` every second."""

    COMPONENT_CLASSES = {
        "runs-table--header",
        "runs-table--cursor",
        "runs-table--even-row",
        "runs-table--watched",
        "runs-table--picked",
        "runs-table--mark",
        "runs-table--why-warning",
        "runs-table--why-error",
        *STATUS_COMPONENTS,
    }
    DEFAULT_CSS = """
    RunsTable {
        height: 1fr;
        padding: 0 0 0 1;
        overflow-x: hidden;
        background: $surface;
        & > .runs-table--header { text-style: bold; background: $panel; }
        & > .runs-table--even-row { background: $surface-lighten-1 50%; }
        & > .runs-table--watched { text-style: italic; }
        & > .runs-table--picked { background: $accent 20%; }
        & > .runs-table--mark { color: $warning; text-style: bold; }
        & > .runs-table--why-warning { color: $text-warning; text-style: bold; }
        & > .runs-table--why-error { color: $text-error; }
        & > .runs-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .runs-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """
    BINDINGS = [
        Binding("enter", "select", "Open", id="runs.open", tooltip="Open the run"),
        Binding("up,k", "cursor(-1)", "Up", show=False, id="runs.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="runs.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="runs.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="runs.page_down"),
        Binding("home", "first", "Top (stays on the newest)", show=False, id="runs.first"),
        Binding("end", "last", "Last loaded run", show=False, id="runs.last"),
        Binding("right,l", "columns(1)", "More columns", show=False, id="runs.columns_right"),
        Binding("left,h", "columns(-1)", "Earlier columns", show=False, id="runs.columns_left"),
        Binding(
            "ctrl+pagedown", "columns_edge(1)", "Last columns", show=False, id="runs.columns_last"
        ),
        Binding(
            "ctrl+pageup", "columns_edge(-1)", "First columns", show=False, id="runs.columns_first"
        ),
        Binding(
            "w", "watch", "Watch", show=False, id="runs.watch", tooltip="Say when this run ends"
        ),
        Binding(
            "space",
            "pick",
            "Mark",
            show=False,
            id="runs.pick",
            tooltip="Mark for the split tail or a bulk cancel",
        ),
        Binding(
            "t", "split", "Split tail", show=False, id="runs.split", tooltip="Tail the marked runs"
        ),
        Binding(
            "equals_sign",
            "compare",
            "Compare",
            show=False,
            id="runs.compare",
            tooltip="Compare with its last good run (or 2 marked)",
        ),
    ]

    cursor_row: reactive[int] = reactive(0, init=False)
    """Index of the selected row among the shown runs."""

    column_offset: reactive[int] = reactive(0, init=False)
    """How many scrollable columns are shifted out on the left."""

    class NearEnd(Message):
        """The cursor is within a few rows of the last loaded run."""

    class Highlighted(Message):
        """The cursor moved (the run under it may allow other actions)."""

    class MarksChanged(Message):
        """A run was marked or unmarked (``c`` then cancels the marked runs)."""

    class Selected(Message):
        """``enter`` (or a click on the selected row) on a run."""

        def __init__(self, run_id: str) -> None:
            super().__init__()
            self.run_id = run_id

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self._rows: list[WorkspaceRun] = []
        self._index: dict[str, int] | None = None
        self._cells: dict[str, _Drawn] = {}
        self._styles: dict[tuple[bool | str, ...], Style] = {}
        self._projects: dict[str, str] = {}
        self._now = datetime.now(UTC)
        self._watched: frozenset[str] = frozenset()
        self._picked: dict[str, None] = {}  # ordered: the split's panes follow it
        self.cursor_anchor = CursorAnchor()
        """What the cursor is tied to across refreshes (the top row, or a run)."""
        self._after_paint: list[Callable[[], object]] = []

    def on_mount(self) -> None:
        app = self.app
        if isinstance(app, WatchHost):  # the app's watch list, shown as ◉ (never changed here)
            app.watcher.changed.subscribe(self, self.set_watched, immediate=True)
            self.set_watched(app.watcher.watchlist.ids)

    # -- marks ---------------------------------------------------------------------

    @property
    def watched(self) -> frozenset[str]:
        """Ids of the watched runs (shown or not)."""
        return self._watched

    def set_watched(self, ids: frozenset[str]) -> None:
        self._watched = ids
        self.refresh()

    @property
    def picked(self) -> list[str]:
        """Ids marked for the split tail, in the order they were marked."""
        return list(self._picked)

    def toggle_pick(self, run_id: str) -> bool:
        """Mark or unmark a run for the split tail; True when marked afterwards."""
        marked = run_id not in self._picked
        if marked:
            self._picked[run_id] = None
        else:
            del self._picked[run_id]
        self.refresh()
        self.post_message(self.MarksChanged())
        return marked

    def clear_picks(self, run_ids: Iterable[str] | None = None) -> None:
        """Unmark ``run_ids`` (every marked run when ``None``)."""
        for run_id in list(self._picked) if run_ids is None else run_ids:
            self._picked.pop(run_id, None)
        self.refresh()
        self.post_message(self.MarksChanged())

    # -- data ----------------------------------------------------------------------

    @property
    def shown_ids(self) -> list[str]:
        """Ids of the shown runs, top to bottom."""
        return [run.id for run in self._rows]

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def row_of(self, run_id: str) -> int | None:
        """The row showing ``run_id``, if it is shown."""
        if self._index is None:
            self._index = {run.id: i for i, run in enumerate(self._rows)}
        return self._index.get(run_id)

    @property
    def selected_id(self) -> str | None:
        """The id of the run under the cursor (``None`` when the table is empty)."""
        run = self.selected_run()
        return None if run is None else run.id

    def selected_run(self) -> WorkspaceRun | None:
        row = self.cursor_row
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def show(self, runs: list[WorkspaceRun], projects: dict[str, str], now: datetime) -> None:
        """Show ``runs`` (the table keeps the list). The cursor goes where its anchor
        says (the top row, or the run it follows, which keeps its place on screen
        when rows are added above it). When nothing moved, only rows in view whose
        run changed are repainted (a refresh that brought nothing new repaints none)."""
        offset = self.cursor_row - int(self.scroll_y)
        before, at = self._rows, (self.cursor_row, int(self.scroll_y))
        same_projects = projects is self._projects
        if not same_projects:
            self._cells.clear()
        self._now, self._projects = now, projects
        self._rows, self._index = runs, None
        self._fit_virtual_size()
        row = self.cursor_anchor.row(self.row_of) if runs else 0
        self.set_reactive(RunsTable.cursor_row, row)
        top = 0 if self.cursor_anchor.on_top else row - offset
        self._scroll_rows(top, row)
        if same_projects and at == (self.cursor_row, int(self.scroll_y)):
            self._repaint_changed(before)
        else:
            self.refresh()

    def _rows_in_view(self) -> range:
        """Indexes of the rows the screen has room for (some may be past the end)."""
        top = int(self.scroll_y)
        return range(top, top + self.body_height)

    def _repaint_changed(self, before: list[WorkspaceRun]) -> None:
        """Repaint the rows in view whose run is new or changed."""
        for row in self._rows_in_view():
            run = self._rows[row] if row < len(self._rows) else None
            old = before[row] if row < len(before) else None
            if run is old:
                continue
            if run is not None and run == old:
                cached = self._cells.get(run.id)
                if cached is not None and cached.run is old:
                    cached.run = run  # the same run, a new copy
                continue
            self.refresh_line(row + 1)  # line 0 is the header

    def select_run(self, run_id: str) -> bool:
        """Put the cursor on ``run_id`` and follow it; False when it is not shown."""
        row = self.row_of(run_id)
        if row is not None:
            self.move_cursor(row)
        return row is not None

    def select_when_shown(self, run_id: str) -> None:
        """Put the cursor on ``run_id`` now, or as soon as a refresh shows it."""
        if not self.select_run(run_id):
            self.cursor_anchor.want(run_id)

    @property
    def body_height(self) -> int:
        """Rows of runs in view (the header takes one line)."""
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_rows(self, top: int, row: int) -> None:
        """Scroll so the list starts at ``top``, moved as little as it takes for
        ``row`` to be in view."""
        top = max(row - self.body_height + 1, min(top, row), 0)
        if top != int(self.scroll_y):
            self.scroll_to(y=top, animate=False, immediate=True)

    def _fit_virtual_size(self) -> None:
        size = Size(self.scrollable_content_region.width, len(self._rows) + 1)
        if self.virtual_size != size:
            self.virtual_size = size

    def update_run(self, run: WorkspaceRun, now: datetime) -> None:
        """A newer copy of one shown run (after a cancel, say)."""
        row = self.row_of(run.id)
        if row is not None:
            self._rows[row] = run
            self._cells.pop(run.id, None)
            self._now = now
            self.refresh()

    def tick(self, now: datetime) -> None:
        """Advance durations and relative times: only the cells in view whose text (or
        colour) changed are repainted, so a tick writes a few cells to the terminal,
        not whole lines (a list of finished runs changes about once a minute)."""
        self._now = now
        view = self._rows_in_view()
        shown = self._rows[view.start : view.stop]
        in_view = {run.id for run in shown}
        for run_id in [run_id for run_id in self._cells if run_id not in in_view]:
            del self._cells[run_id]  # drawn again with the new time when scrolled to
        layout = self.columns
        for row, run in enumerate(shown, start=view.start):
            drawn = self._cells.get(run.id)
            if drawn is None or drawn.run is not run:
                continue  # not drawn yet
            if drawn.still_until is not None and now < drawn.still_until:
                continue
            drawn.still_until = clock_still_until(run, now)
            created, duration, why = clock_cells(run, now)
            texts = (created, duration, why.text)
            changed = [
                key
                for key, text in zip(CLOCK_COLUMNS, texts, strict=True)
                if drawn.cells[key] != text or (key == "exit" and drawn.level != why.level)
            ]
            if changed:
                drawn.cells.update(zip(CLOCK_COLUMNS, texts, strict=True))
                drawn.level = why.level
                self._refresh_cells(row + 1, changed, layout)  # line 0 is the header

    def _refresh_cells(self, line: int, keys: list[str], layout: ColumnLayout) -> None:
        """Repaint the cells of columns ``keys`` on virtual line ``line`` (Textual
        renders the line again but writes only these cells to the terminal)."""
        y = line - int(self.scroll_y)
        for key in keys:
            span = layout.span(key)
            if span is not None:
                self.refresh(Region(span[0], y, span[1], 1))

    # -- drawing -------------------------------------------------------------------

    def _drawn(self, run: WorkspaceRun) -> _Drawn:
        """Cell texts, derived lazily for rows in view and kept until the run changes
        (a tick updates the ones the clock changes)."""
        drawn = self._cells.get(run.id)
        if drawn is not None and drawn.run is run:
            return drawn
        project = self._projects.get(run.project_id, run.project_id)
        now = self._now
        clock = clock_cells(run, now)
        drawn = _Drawn(
            run, cell_texts(run, project, clock), clock[2].level, clock_still_until(run, now)
        )
        self._cells[run.id] = drawn
        return drawn

    @property
    def columns(self) -> ColumnLayout:
        """The columns shown at the current width and sideways offset."""
        return _layout(self.scrollable_content_region.width, self.column_offset)

    def call_after_paint(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the rows handed to :meth:`show` have been painted
        and written (:data:`AFTER_PAINT_DELAY` after the table renders them), or after
        the next refresh when no row will be (no rows, hidden). ``call_after_refresh``
        alone may run before the paint: the screen can go idle before the table's
        repaint request reaches it."""
        if not self._rows or not self.display:
            self.call_after_refresh(callback)
            return
        self._after_paint.append(callback)

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = super().render_lines(crop)
        if self._after_paint:  # run once this frame is out, not inside it
            callbacks, self._after_paint = self._after_paint, []
            for callback in callbacks:
                self.set_timer(AFTER_PAINT_DELAY, callback)
        return lines

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()  # a new theme, focus, or CSS

    def _style(self, *names: str, partial: bool = False) -> Style:
        """The widget's style plus components ``names`` (each partial when ``partial``),
        kept until the styles change: Textual drops its own cache on every refresh, and
        a tick refreshes a few cells every second."""
        key: tuple[bool | str, ...] = (partial, *names)
        style = self._styles.get(key)
        if style is None:
            style = Style() if partial else self.rich_style
            for name in names:
                style += self.get_component_rich_style(name, partial=partial)
            self._styles[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        layout = _layout(width, self.column_offset)
        if y == 0:
            base = self._style("runs-table--header")
            header = render_cells(header_texts(layout), layout, base)
            if layout.hidden_right:  # in the cells the layout kept for it
                header.append(Segment(HINT_CELL, base))
            return Strip(header).crop_extend(0, width, base)
        row = int(self.scroll_y) + y - 1
        if row >= len(self._rows):
            return Strip.blank(width, self._style())
        run = self._rows[row]
        watched, picked = run.id in self._watched, run.id in self._picked
        layers: list[str] = []
        if row % 2 == 0 and row != self.cursor_row:
            layers.append("runs-table--even-row")
        if watched:
            layers.append("runs-table--watched")
        if picked:
            layers.append("runs-table--picked")
        if row == self.cursor_row:
            layers.append("runs-table--cursor")
        base = self._style(*layers)
        drawn = self._drawn(run)
        cells = {"mark": mark_text(watched, picked), **drawn.cells}
        extra = {
            "mark": self._style("runs-table--mark", partial=True),
            "status": self._style(status_component(run.status), partial=True),
        }
        level = drawn.level
        if level != Level.PLAIN:  # past 80% of the timeout, or why it failed
            extra["exit"] = self._style(f"runs-table--why-{level}", partial=True)
        segments = render_cells(cells, layout, base, extra, drawn.fitted)
        return Strip(segments).crop_extend(0, width, base)

    def on_resize(self) -> None:
        self._fit_virtual_size()
        width = self.scrollable_content_region.width
        while self.column_offset and not _layout(width, self.column_offset - 1).hidden_right:
            self.column_offset -= 1  # wider now: shift back what fits anyway
        if self._rows:
            self._scroll_rows(int(self.scroll_y), self.cursor_row)

    # -- moving --------------------------------------------------------------------

    def watch_cursor_row(self, row: int) -> None:
        self._scroll_rows(int(self.scroll_y), row)
        self.refresh()
        self.post_message(self.Highlighted())
        if self._rows and row >= len(self._rows) - NEAR_END_ROWS:
            self.post_message(self.NearEnd())

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        top = int(new_value)
        if self._rows and not top <= self.cursor_row < top + self.body_height:
            # The wheel moved the view: the cursor comes along, so a row stays lit.
            self.move_cursor(min(max(self.cursor_row, top), top + self.body_height - 1))
        bottom = new_value + self.scrollable_content_region.height
        if self._rows and bottom >= len(self._rows) - NEAR_END_ROWS:
            self.post_message(self.NearEnd())  # the wheel reached the end, not the cursor

    def watch_column_offset(self) -> None:
        self.refresh()

    def move_cursor(self, row: int) -> None:
        """Select row ``row`` (clamped), scroll it into view and follow its run."""
        self.cursor_row = max(0, min(row, len(self._rows) - 1))
        self.cursor_anchor.moved_to(self.selected_id)

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * max(1, self.size.height - 2))

    def action_first(self) -> None:
        self.move_cursor(0)
        self.cursor_anchor.to_top()

    def action_columns(self, step: int) -> None:
        """Shift the scrollable columns: ``1`` shows the next hidden one on the right."""
        if step > 0 and not self.columns.hidden_right:
            return
        self.column_offset = max(0, self.column_offset + step)

    def action_columns_edge(self, direction: int) -> None:
        """The first columns (``-1``), or as far right as the last column (``1``)."""
        if direction < 0:
            self.column_offset = 0
            return
        while self.columns.hidden_right:
            self.column_offset += 1

    def on_mouse_scroll_right(self, event: events.MouseScrollRight) -> None:
        event.stop()
        self.action_columns(1)

    def on_mouse_scroll_left(self, event: events.MouseScrollLeft) -> None:
        event.stop()
        self.action_columns(-1)

    def action_last(self) -> None:
        self.move_cursor(len(self._rows) - 1)

    def action_select(self) -> None:
        if self.selected_id is not None:
            self.post_message(self.Selected(self.selected_id))

    def action_watch(self) -> None:
        """Watch the selected run, or stop watching it (the app does the watching)."""
        run = self.selected_run()
        if run is not None:
            self.post_message(WatchRun(run.id, run))

    def action_pick(self) -> None:
        """Mark the selected run for the split tail, or unmark it."""
        run_id = self.selected_id
        if run_id is not None:
            self.toggle_pick(run_id)

    def action_split(self) -> None:
        """Tail the marked runs side by side (2 to 4; one mark takes the cursor row too)."""
        run_ids, problem = split_selection(self.picked, self.selected_id)
        if problem is not None:
            self.notify(problem, title="Split tail", severity="warning", markup=False)
            return
        self.post_message(OpenSplit(run_ids))

    def action_compare(self) -> None:
        """``=``: the cursor run against its last good run, or the two marked runs
        (one mark and the cursor row count as two)."""
        picked, cursor = self.picked, self.selected_id
        if len(picked) == 1 and cursor is not None and cursor != picked[0]:
            picked = [picked[0], cursor]
        if len(picked) > 2:
            marked = format_count(len(picked), "run")
            self.notify(
                f"{marked} are marked: = compares two.",
                title="Compare",
                severity="warning",
                markup=False,
            )
            return
        if len(picked) == 2:
            self.post_message(OpenCompare(picked[0], picked[1]))
        elif cursor is not None:
            self.post_message(OpenCompare(cursor))

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_y) + event.y - 1
        if 0 <= row < len(self._rows):
            if row == self.cursor_row and event.chain >= 2:
                self.action_select()
            self.move_cursor(row)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        row = int(self.scroll_y) + event.y - 1
        run = self._rows[row] if 0 <= row < len(self._rows) else None
        column = self.columns.column_at(event.x)
        tip: str | None = None
        if run is not None and column == "created":
            tip = absolute_time(run.created_at)
        elif run is not None and column == "command":
            tip = safe_line(run.command)
        elif run is not None and column == "metadata":
            tip = metadata_chips(run.metadata) or None
        elif run is not None and column == "status":
            kind = "terminal" if is_terminal(run.status) else "active"
            tip = f"{safe_line(run.status)} ({kind})"
        self.tooltip = None if tip is None else Content(tip)  # the API's text: never markup


def split_selection(picked: list[str], cursor: str | None) -> tuple[list[str], str | None]:
    """The runs ``t`` tails: the marked ones (2 to 4), or one mark plus the cursor row;
    otherwise no runs and the reason."""
    if len(picked) == 1 and cursor is not None and cursor != picked[0]:
        return [picked[0], cursor], None
    if len(picked) > SPLIT_MAX:
        marked = format_count(len(picked), "run")
        return [], f"{marked} are marked: the split tail shows at most {SPLIT_MAX}."
    if len(picked) < SPLIT_MIN:
        return [], f"Mark {SPLIT_MIN} to {SPLIT_MAX} runs with space, then press t."
    return picked, None
