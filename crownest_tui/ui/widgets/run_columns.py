"""The runs table's columns: what each shows for a run, and how they fit the width.

Columns are listed in priority order, which is also their order on screen. The first
ones (marks, status, run id) are frozen; the rest are laid out while they fit, at
their minimum width first, then grown toward their natural width; the spare width
goes to Command. Columns that do not fit are reached by shifting the scrollable
columns sideways (``→``/``←``), one column at a time.

The first column holds the row's marks (watched, marked for the split tail): glyphs,
so they read without colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style

from ...api.models import WorkspaceRun, is_terminal
from ...core.run_outcome import WhyCell, why_cell
from ...text.format import (
    compact_age,
    compact_age_changes_at,
    metadata_chips,
    run_duration,
    safe_line,
    status_class,
    status_label,
)


@dataclass(frozen=True)
class Column:
    """One column: key, header label, natural and minimum width, the gap after it,
    whether it stays when the others shift sideways, whether it takes the spare width,
    and whether it is one of the essentials (placed at their minimum widths; the
    others only join while Command keeps its natural width)."""

    key: str
    label: str
    width: int
    min_width: int = 0
    gap: int = 2
    frozen: bool = False
    grows: bool = False
    essential: bool = False

    @property
    def narrowest(self) -> int:
        return self.min_width or self.width


WATCH_GLYPH = "◉"
PICK_GLYPH = "◆"
LEFT_HINT, RIGHT_HINT = "←", "→"
HINT_CELL = f" {RIGHT_HINT}"
"""Ends the header when more columns wait on the right."""

COLUMNS: tuple[Column, ...] = (
    Column("mark", "", 2, gap=1, frozen=True, essential=True),
    Column("status", "Status", 18, min_width=11, frozen=True, essential=True),
    Column("id", "Run", 24, frozen=True, essential=True),
    Column("command", "Command", 30, min_width=12, grows=True, essential=True),
    Column("created", "Age", 4, essential=True),
    Column("duration", "Duration", 8, essential=True),
    Column("exit", "Why", 15, min_width=12),  # "exit 1", "timeout 1.5s", "7m / 10m"
    Column("project", "Project", 15, min_width=10),
    Column("template", "Template", 11, min_width=8),
    Column("metadata", "Metadata", 24, min_width=10),
)
FROZEN = tuple(c for c in COLUMNS if c.frozen)
SCROLLING = tuple(c for c in COLUMNS if not c.frozen)


@dataclass(frozen=True)
class ColumnLayout:
    """The columns shown at one width and sideways offset, with their widths."""

    shown: tuple[tuple[Column, int], ...]
    hidden_left: int
    """Scrollable columns shifted out on the left."""
    hidden_right: int
    """Scrollable columns that did not fit on the right."""

    def column_at(self, x: int) -> str | None:
        """The key of the column under cell ``x``."""
        left = 0
        for column, width in self.shown:
            if left <= x < left + width + column.gap:
                return column.key
            left += width + column.gap
        return None

    def span(self, key: str) -> tuple[int, int] | None:
        """The first cell and the width of column ``key``, ``None`` when not shown."""
        left = 0
        for column, width in self.shown:
            if column.key == key:
                return left, width
            left += width + column.gap
        return None

    @property
    def keys(self) -> list[str]:
        return [column.key for column, _ in self.shown]


def layout_columns(total: int, offset: int = 0) -> ColumnLayout:
    """Fit the columns into ``total`` cells, the scrollable ones starting at ``offset``;
    when some do not fit, the last cells are kept for the header's ``→``."""
    layout = _fit(total, offset)
    return _fit(total - len(HINT_CELL), offset) if layout.hidden_right else layout


def _fit(total: int, offset: int) -> ColumnLayout:
    offset = max(0, min(offset, len(SCROLLING) - 1))
    shown: list[Column] = list(FROZEN)
    used = sum(c.narrowest + c.gap for c in FROZEN)
    for column in SCROLLING[offset:]:
        # Past the essentials, a column joins only if Command can stay at its width.
        reserve = 0 if column.essential else sum(c.width - c.narrowest for c in shown if c.grows)
        if used + reserve + column.narrowest > total:
            break
        shown.append(column)
        used += column.narrowest + column.gap
    widths = [c.narrowest for c in shown]
    spare = total - (used - shown[-1].gap)
    growing = [i for i, c in enumerate(shown) if c.grows]
    # Command to its natural width first, then the others by priority; then the
    # rest to Command, or to the last column when Command is shifted out.
    for index in [*growing, *range(len(shown))]:
        grow = max(0, min(spare, shown[index].width - widths[index]))
        widths[index] += grow
        spare -= grow
    widths[growing[0] if growing else len(shown) - 1] += spare
    scrolled = len(shown) - len(FROZEN)
    return ColumnLayout(
        tuple(zip(shown, widths, strict=True)),
        hidden_left=offset,
        hidden_right=len(SCROLLING) - offset - scrolled,
    )


def mark_text(watched: bool, picked: bool) -> str:
    """The marks cell: ``◉`` watched, ``◆`` marked for the split tail."""
    return (WATCH_GLYPH if watched else " ") + (PICK_GLYPH if picked else " ")


#: The columns whose text changes with the clock, in the order of :func:`clock_cells`.
CLOCK_COLUMNS = ("created", "duration", "exit")


def clock_cells(run: WorkspaceRun, now: datetime) -> tuple[str, str, WhyCell]:
    """The cells that change with the clock (:data:`CLOCK_COLUMNS`): created
    (relative), duration and why (a running run's time against its timeout, whose
    level turns to a warning past 80%)."""
    return compact_age(run.created_at, now), run_duration(run, now), why_cell(run, now)


def clock_still_until(run: WorkspaceRun, now: datetime) -> datetime | None:
    """Until when ``run``'s clock cells read as they do at ``now``: a finished run's
    duration and why are fixed, so only its age moves (once a minute after the first);
    ``None`` for a run whose cells may change any second."""
    duration_ticks = run.duration_ms is None and run.finished_at is None
    if not is_terminal(run.status) or (duration_ticks and run.started_at is not None):
        return None
    return compact_age_changes_at(run.created_at, now)


def cell_texts(run: WorkspaceRun, project: str, clock: tuple[str, str, WhyCell]) -> dict[str, str]:
    """The plain text of each data cell, by column key (the marks are added apart);
    ``clock`` is :func:`clock_cells` at the time drawn."""
    created, duration, why = clock
    return {
        "status": status_label(run.status),
        "id": run.id,
        "command": run.command,
        "created": created,
        "duration": duration,
        "exit": why.text,
        "project": project,
        "template": run.template_slug or "—",
        "metadata": metadata_chips(run.metadata),
    }


def header_texts(layout: ColumnLayout) -> dict[str, str]:
    """Header labels; the marks' cell shows ``←`` while columns are shifted out."""
    labels = {column.key: column.label for column in COLUMNS}
    labels["mark"] = LEFT_HINT if layout.hidden_left else ""
    return labels


def fit(text: str, width: int) -> str:
    """``text`` on one line, cut with an ellipsis or padded to exactly ``width`` cells."""
    line = safe_line(text)
    if cell_len(line) > width:
        line = set_cell_size(line, max(0, width - 1)) + "…"
    return set_cell_size(line, width)


Fitted = dict[tuple[str, int], tuple[str, str]]
"""Cells already fitted: (column key, width) -> (the text, as fitted)."""


def render_cells(
    cells: dict[str, str],
    layout: ColumnLayout,
    base: Style,
    styles: dict[str, Style] | None = None,
    fitted: Fitted | None = None,
) -> list[Segment]:
    """One line of segments: each shown column's cell fitted to its width, then its
    gap (but the last); ``styles`` adds a style to some columns (marks, status).
    ``fitted`` keeps the cells fitted for one row, so that drawing it again fits only
    the cells whose text changed."""
    styles = styles or {}
    fitted = {} if fitted is None else fitted
    segments: list[Segment] = []
    plain = ""
    last = layout.shown[-1][0]
    for column, width in layout.shown:
        raw = cells.get(column.key, "")
        known = fitted.get((column.key, width))
        if known is None or known[0] != raw:
            known = raw, fit(raw, width)
            fitted[column.key, width] = known
        text = known[1] + " " * (0 if column is last else column.gap)
        extra = styles.get(column.key)
        if extra is None:
            plain += text
            continue
        if plain:
            segments.append(Segment(plain, base))
            plain = ""
        segments.append(Segment(text, base + extra))
    if plain:
        segments.append(Segment(plain, base))
    return segments


def status_component(status: str) -> str:
    """The component class naming a status's colour, e.g. ``runs-table--status-failed``."""
    return f"runs-table--{status_class(status)}"
