"""The runs table: a virtual list that renders only the rows in view (10,000+ runs).

Rows are plain data; updating, filtering or appending pages never builds widgets, so
each repaint costs the same whatever the number of runs. Marks (watched ``◉``, marked
for the split tail ``◆``) are kept by run id, so they survive refreshes, pages and
filters.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...api.models import WorkspaceRun, is_terminal
from ...text.format import absolute_time, metadata_chips, safe_line
from ..messages import OpenSplit, WatchRun
from ..watch import Watchlist
from .run_columns import (
    CLOCK_CELLS,
    COLUMNS,
    cell_texts,
    clock_texts,
    column_at,
    column_widths,
    mark_text,
    render_cells,
    status_component,
)

#: How close to the last row the cursor gets before the next page is asked for.
NEAR_END_ROWS = 20
#: How many runs the split tail follows at once.
SPLIT_MIN, SPLIT_MAX = 2, 4
STATUS_COMPONENTS = {
    f"runs-table--{name}"
    for name in (
        "status-waiting",
        "status-active",
        "status-succeeded",
        "status-failed",
        "status-canceled",
        "status-unknown",
    )
}


class RunsTable(ScrollView, can_focus=True):
    """Runs, newest first. Feed it with :meth:`show`; call :meth:`tick` every second."""

    COMPONENT_CLASSES = {
        "runs-table--header",
        "runs-table--cursor",
        "runs-table--even-row",
        "runs-table--watched",
        "runs-table--picked",
        "runs-table--mark",
        *STATUS_COMPONENTS,
    }
    DEFAULT_CSS = """
    RunsTable {
        height: 1fr;
        padding: 0 0 0 1;
        background: $surface;
        & > .runs-table--header { text-style: bold; background: $panel; }
        & > .runs-table--even-row { background: $surface-lighten-1 50%; }
        & > .runs-table--watched { text-style: italic; }
        & > .runs-table--picked { background: $accent 20%; }
        & > .runs-table--mark { color: $warning; text-style: bold; }
        & > .runs-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .runs-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .runs-table--status-waiting { color: $warning; }
        & > .runs-table--status-active { color: $accent; text-style: bold; }
        & > .runs-table--status-succeeded { color: $success; }
        & > .runs-table--status-failed { color: $error; text-style: bold; }
        & > .runs-table--status-canceled { color: $secondary; }
        & > .runs-table--status-unknown { color: $text-muted; }
    }
    """
    BINDINGS = [
        Binding("enter", "select", "Open run", id="runs.open"),
        Binding("up,k", "cursor(-1)", "Up", show=False, id="runs.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="runs.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="runs.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="runs.page_down"),
        Binding("home", "first", "First run", show=False, id="runs.first"),
        Binding("end", "last", "Last loaded run", show=False, id="runs.last"),
        Binding("w", "watch", "Watch", id="runs.watch", tooltip="Say when this run ends"),
        Binding(
            "space", "pick", "Mark", show=False, id="runs.pick", tooltip="Mark for the split tail"
        ),
        Binding("t", "split", "Split tail", id="runs.split", tooltip="Tail the marked runs"),
    ]

    cursor_row: reactive[int] = reactive(0, init=False)
    """Index of the selected row among the shown runs."""

    class NearEnd(Message):
        """The cursor is within a few rows of the last loaded run."""

    class Selected(Message):
        """``enter`` (or a click on the selected row) on a run."""

        def __init__(self, run_id: str) -> None:
            super().__init__()
            self.run_id = run_id

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self._rows: list[WorkspaceRun] = []
        self._index: dict[str, int] | None = None
        self._cells: dict[str, tuple[WorkspaceRun, list[str]]] = {}
        self._projects: dict[str, str] = {}
        self._now = datetime.now(UTC)
        self._watched: frozenset[str] = frozenset()
        self._picked: dict[str, None] = {}  # ordered: the split's panes follow it
        self._watchlist: Watchlist | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def on_mount(self) -> None:
        watchlist = getattr(self.app, "watchlist", None)
        if isinstance(watchlist, Watchlist):
            self._watchlist = watchlist
            self._unsubscribe = watchlist.subscribe(self.set_watched)
            self.set_watched(watchlist.ids)

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

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
        return marked

    def clear_picks(self) -> None:
        self._picked.clear()
        self.refresh()

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
        """Show ``runs`` (the table keeps the list). The cursor stays on the selected
        run and keeps its place on screen when rows are added above it; when that run
        is no longer shown, the cursor goes to the top."""
        selected, offset = self.selected_id, self.cursor_row - int(self.scroll_y)
        before, at = self._rows, (self.cursor_row, int(self.scroll_y))
        same_projects = projects is self._projects
        if not same_projects:
            self._cells.clear()
        self._now, self._projects = now, projects
        self._rows, self._index = runs, None
        self._observe_watched()
        if self.virtual_size.height != len(runs) + 1:
            self.virtual_size = Size(self.size.width, len(runs) + 1)
        row = self.row_of(selected) if selected is not None else None
        if row is None:  # the selected run is gone (filtered out): start at the top
            self.set_reactive(RunsTable.cursor_row, 0)
            self.scroll_to(y=0, animate=False, immediate=True)
        elif row != self.cursor_row:
            self.set_reactive(RunsTable.cursor_row, row)
            self.scroll_to(y=max(0, row - offset), animate=False, immediate=True)
        if same_projects and at == (self.cursor_row, int(self.scroll_y)):
            self._repaint_changed(before)
        else:
            self.refresh()

    def _rows_in_view(self) -> range:
        """Indexes of the rows the screen has room for (some may be past the end)."""
        top = int(self.scroll_y)
        return range(top, top + max(0, self.scrollable_content_region.height - 1))

    def _repaint_changed(self, before: list[WorkspaceRun]) -> None:
        """Repaint the rows in view whose run is new or changed (a refresh that brought
        nothing new repaints nothing)."""
        for row in self._rows_in_view():
            run = self._rows[row] if row < len(self._rows) else None
            old = before[row] if row < len(before) else None
            if run is old:
                continue
            if run is not None and run == old:
                cached = self._cells.get(run.id)
                if cached is not None and cached[0] is old:
                    self._cells[run.id] = (run, cached[1])  # the same run, a new copy
                continue
            self.refresh_line(row + 1)  # line 0 is the header

    def update_run(self, run: WorkspaceRun, now: datetime) -> None:
        """A newer copy of one shown run (after a cancel, say)."""
        row = self.row_of(run.id)
        if row is not None:
            self._rows[row] = run
            self._cells.pop(run.id, None)
            self._now = now
            self.refresh()
            if self._watchlist is not None:
                self._watchlist.observe(run)

    def _observe_watched(self) -> None:
        """Hand fresh copies of watched runs to the watchlist (one may have ended)."""
        if self._watchlist is None or not self._watched:
            return
        for run_id in self._watched:
            row = self.row_of(run_id)
            if row is not None:
                self._watchlist.observe(self._rows[row])

    def tick(self, now: datetime) -> None:
        """Advance durations and relative times: only rows in view whose text changed
        are repainted (a list of finished runs changes about once a minute)."""
        self._now = now
        view = self._rows_in_view()
        shown = self._rows[view.start : view.stop]
        in_view = {run.id for run in shown}
        for run_id in [run_id for run_id in self._cells if run_id not in in_view]:
            del self._cells[run_id]  # drawn again with the new time when scrolled to
        for row, run in enumerate(shown, start=view.start):
            cached = self._cells.get(run.id)
            if cached is None or cached[0] is not run:
                continue  # not drawn yet
            if cached[1][CLOCK_CELLS] != clock_texts(run, now):
                del self._cells[run.id]
                self.refresh_line(row + 1)  # line 0 is the header

    # -- drawing -------------------------------------------------------------------

    def _row_cells(self, run: WorkspaceRun) -> list[str]:
        """Cell texts, derived lazily for rows in view and kept until the run or the
        clock tick changes."""
        cached = self._cells.get(run.id)
        if cached is not None and cached[0] is run:
            return cached[1]
        project = self._projects.get(run.project_id, run.project_id)
        cells = cell_texts(run, project, self._now)
        self._cells[run.id] = (run, cells)
        return cells

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        widths = column_widths(width)
        if y == 0:
            base = self.get_component_rich_style("runs-table--header")
            segments = render_cells([c.label for c in COLUMNS], widths, base)
        else:
            row = int(self.scroll_y) + y - 1
            if row >= len(self._rows):
                return Strip.blank(width, self.rich_style)
            run = self._rows[row]
            watched, picked = run.id in self._watched, run.id in self._picked
            base = self.rich_style
            if row % 2 == 0 and row != self.cursor_row:
                base += self.get_component_rich_style("runs-table--even-row")
            if watched:
                base += self.get_component_rich_style("runs-table--watched")
            if picked:
                base += self.get_component_rich_style("runs-table--picked")
            if row == self.cursor_row:
                base += self.get_component_rich_style("runs-table--cursor")
            status: Style = self.get_component_rich_style(
                status_component(run.status), partial=True
            )
            mark = self.get_component_rich_style("runs-table--mark", partial=True)
            cells = [mark_text(watched, picked), *self._row_cells(run)]
            segments = render_cells(cells, widths, base, status, mark)
        return Strip(segments).crop_extend(int(self.scroll_x), int(self.scroll_x) + width, base)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._rows) + 1)

    # -- moving --------------------------------------------------------------------

    def watch_cursor_row(self, row: int) -> None:
        top, body = int(self.scroll_y), max(1, self.scrollable_content_region.height - 1)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + body:
            self.scroll_to(y=row - body + 1, animate=False, immediate=True)
        self.refresh()
        if self._rows and row >= len(self._rows) - NEAR_END_ROWS:
            self.post_message(self.NearEnd())

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        bottom = new_value + self.scrollable_content_region.height
        if self._rows and bottom >= len(self._rows) - NEAR_END_ROWS:
            self.post_message(self.NearEnd())  # the wheel reached the end, not the cursor

    def move_cursor(self, row: int) -> None:
        """Select row ``row`` (clamped) and scroll it into view."""
        self.cursor_row = max(0, min(row, len(self._rows) - 1))

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * max(1, self.size.height - 2))

    def action_first(self) -> None:
        self.move_cursor(0)

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

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_y) + event.y - 1
        if 0 <= row < len(self._rows):
            if row == self.cursor_row and event.chain >= 2:
                self.action_select()
            self.move_cursor(row)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        row = int(self.scroll_y) + event.y - 1
        run = self._rows[row] if 0 <= row < len(self._rows) else None
        column = column_at(event.x + int(self.scroll_x), self.scrollable_content_region.width)
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
        self.tooltip = tip


def split_selection(picked: list[str], cursor: str | None) -> tuple[list[str], str | None]:
    """The runs ``t`` tails: the marked ones (2 to 4), or one mark plus the cursor row;
    otherwise no runs and the reason."""
    if len(picked) == 1 and cursor is not None and cursor != picked[0]:
        return [picked[0], cursor], None
    if len(picked) > SPLIT_MAX:
        return [], f"{len(picked)} runs are marked: the split tail shows at most {SPLIT_MAX}."
    if len(picked) < SPLIT_MIN:
        return [], f"Mark {SPLIT_MIN} to {SPLIT_MAX} runs with space, then press t."
    return picked, None
