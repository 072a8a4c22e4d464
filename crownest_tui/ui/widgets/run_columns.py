"""The runs table's columns: what each shows for a run, and how wide it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style

from ...api.models import WorkspaceRun
from ..format import (
    metadata_chips,
    relative_time,
    run_duration,
    safe_line,
    status_class,
    status_label,
)


@dataclass(frozen=True)
class Column:
    """One column: key, header label and width (``None``: takes the rest)."""

    key: str
    label: str
    width: int | None


COLUMNS: tuple[Column, ...] = (
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
GAP = 2
MIN_REST = 10


def column_widths(total: int) -> list[int]:
    """Widths of every column for a table ``total`` cells wide."""
    fixed = sum(c.width or 0 for c in COLUMNS) + GAP * len(COLUMNS)
    return [c.width if c.width is not None else max(MIN_REST, total - fixed) for c in COLUMNS]


def column_at(x: int, total: int) -> str | None:
    """The key of the column under cell ``x``."""
    left = 0
    for column, width in zip(COLUMNS, column_widths(total), strict=True):
        if left <= x < left + width + GAP:
            return column.key
        left += width + GAP
    return None


def cell_texts(run: WorkspaceRun, project: str, now: datetime) -> list[str]:
    """The plain text of each cell (in column order)."""
    return [
        status_label(run.status),
        run.id,
        project,
        run.template_slug or "—",
        run.command,
        "" if run.exit_code is None else str(run.exit_code),
        relative_time(run.created_at, now),
        run_duration(run, now),
        metadata_chips(run.metadata),
    ]


def fit(text: str, width: int) -> str:
    """``text`` on one line, cut with an ellipsis or padded to exactly ``width`` cells."""
    line = safe_line(text)
    if cell_len(line) > width:
        line = set_cell_size(line, max(0, width - 1)) + "…"
    return set_cell_size(line, width)


def render_cells(
    cells: list[str], widths: list[int], base: Style, status_style: Style | None = None
) -> list[Segment]:
    """One line of segments: each cell fitted to its width, then a gap."""
    gap = " " * GAP
    first = base + status_style if status_style is not None else base
    segments = [Segment(fit(cells[0], widths[0]) + gap, first)]
    rest = "".join(fit(c, w) + gap for c, w in zip(cells[1:], widths[1:], strict=True))
    segments.append(Segment(rest, base))
    return segments


def status_component(status: str) -> str:
    """The component class naming a status's colour, e.g. ``runs-table--status-failed``."""
    return f"runs-table--{status_class(status)}"
