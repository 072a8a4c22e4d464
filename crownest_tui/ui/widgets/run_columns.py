"""The runs table's columns: what each shows for a run, and how wide it is.

The first column holds the row's marks (watched, marked for the split tail): glyphs,
so they read without colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style

from ...api.models import WorkspaceRun
from ...text.format import (
    metadata_chips,
    relative_time,
    run_duration,
    safe_line,
    status_class,
    status_label,
)


@dataclass(frozen=True)
class Column:
    """One column: key, header label, width (``None``: takes the rest) and the gap
    after it."""

    key: str
    label: str
    width: int | None
    gap: int = 2


WATCH_GLYPH = "◉"
PICK_GLYPH = "◆"

COLUMNS: tuple[Column, ...] = (
    Column("mark", "", 2, gap=1),
    Column("status", "Status", 18),
    Column("id", "Run", 24),
    Column("project", "Project", 15),
    Column("template", "Template", 11),
    Column("command", "Command", 30),
    Column("exit", "Exit", 4),
    Column("created", "Created", 15),
    Column("duration", "Duration", 8),
    Column("metadata", "Metadata", None),
)

MIN_REST = 10


def column_widths(total: int) -> list[int]:
    """Widths of every column for a table ``total`` cells wide."""
    fixed = sum((c.width or 0) + c.gap for c in COLUMNS)
    return [c.width if c.width is not None else max(MIN_REST, total - fixed) for c in COLUMNS]


def column_at(x: int, total: int) -> str | None:
    """The key of the column under cell ``x``."""
    left = 0
    for column, width in zip(COLUMNS, column_widths(total), strict=True):
        if left <= x < left + width + column.gap:
            return column.key
        left += width + column.gap
    return None


def mark_text(watched: bool, picked: bool) -> str:
    """The marks cell: ``◉`` watched, ``◆`` marked for the split tail."""
    return (WATCH_GLYPH if watched else " ") + (PICK_GLYPH if picked else " ")


def clock_texts(run: WorkspaceRun, now: datetime) -> list[str]:
    """The cells that change with the clock: created (relative) and duration."""
    return [relative_time(run.created_at, now), run_duration(run, now)]


def cell_texts(run: WorkspaceRun, project: str, now: datetime) -> list[str]:
    """The plain text of each data cell (in column order, after the marks)."""
    return [
        status_label(run.status),
        run.id,
        project,
        run.template_slug or "—",
        run.command,
        "" if run.exit_code is None else str(run.exit_code),
        *clock_texts(run, now),
        metadata_chips(run.metadata),
    ]


#: Where :func:`clock_texts` sit in :func:`cell_texts`.
CLOCK_CELLS = slice(6, 8)


def fit(text: str, width: int) -> str:
    """``text`` on one line, cut with an ellipsis or padded to exactly ``width`` cells."""
    line = safe_line(text)
    if cell_len(line) > width:
        line = set_cell_size(line, max(0, width - 1)) + "…"
    return set_cell_size(line, width)


def render_cells(
    cells: list[str],
    widths: list[int],
    base: Style,
    status_style: Style | None = None,
    mark_style: Style | None = None,
) -> list[Segment]:
    """One line of segments: each cell (marks, status, the rest) fitted to its width,
    then its gap."""
    mark, status = COLUMNS[0], COLUMNS[1]
    marks = fit(cells[0], widths[0]) + " " * mark.gap
    first = fit(cells[1], widths[1]) + " " * status.gap
    rest = "".join(
        fit(c, w) + " " * column.gap
        for c, w, column in zip(cells[2:], widths[2:], COLUMNS[2:], strict=True)
    )
    return [
        Segment(marks, base + mark_style if mark_style is not None else base),
        Segment(first, base + status_style if status_style is not None else base),
        Segment(rest, base),
    ]


def status_component(status: str) -> str:
    """The component class naming a status's colour, e.g. ``runs-table--status-failed``."""
    return f"runs-table--{status_class(status)}"
